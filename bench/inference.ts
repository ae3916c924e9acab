/**
 * Inference workloads.
 *   infer-edsr-tiny, infer-edsr-baseline: x4 of one 256x256 LR image, one generator call (untiled).
 *   infer-edsr-512, infer-rcan-512 (opt-in, --paper): x4 of one 512x512 LR image with EDSR baseline
 *     and RCAN (graphs/edsr.pcl.ts, graphs/rcan.pcl.ts; initial weights: the FLOPs are what count),
 *     through `upscaleTiled` with the default tiling, as `pcl-stream upscale` runs it (128-pixel
 *     tiles, overlap = receptive radius capped at 32, up to 8 tiles / 4 * 128^2 LR pixels a call,
 *     feathered blend on the host; the native backend without recycled buffers, as the CLI's
 *     inference workload). With overlap 32 a 512x512 image is 64 tiles of 128x128: four times
 *     the LR pixels of the untiled image, which the GFLOP/s counts (the work done).
 *     PyTorch reference: bench/pytorch_inference.py with the same tile plan.
 */
import * as tf from "@tensorflow/tfjs-core";
import { setNativeBufferPool } from "../src/backend/native/index.js";
import { compileGenerator, type Generator } from "../src/compile/network.js";
import { receptiveField, summarize, type PclSpec } from "../src/dsl/index.js";
import type { RgbImage } from "../src/io/image.js";
import { generatorUpscaler } from "../src/model/generator-upscaler.js";
import type { Upscaler } from "../src/model/upscaler.js";
import { DEFAULT_TILE, defaultOverlap, planAxis, upscaleTiled } from "../src/ops/tiled-upscale.js";
import tiny from "../graphs/edsr-tiny.pcl.js";
import baseline from "../graphs/edsr.pcl.js";
import rcanSpec from "../graphs/rcan.pcl.js";
import type { TimedWorkload } from "./workload.js";
import { seededData } from "./workload.js";

function inferWorkload(name: string, spec: PclSpec, backends: readonly string[]): TimedWorkload {
  let g: Generator | undefined;
  let x: tf.Tensor4D | undefined;
  return {
    kind: "timed", name, description: `${spec.name} x4 on one 256x256 LR image`, backends, pytorchKey: name, reps: 5, warmup: 1, images: 1,
    flops: summarize(spec).generator.flopsPerLrPixel * 256 * 256,
    setup() { g = compileGenerator(spec.generator, 1); x = tf.keep(tf.randomUniform([1, 256, 256, 3], 0, 1, "float32", 3) as tf.Tensor4D); },
    // Read the way inference does (`await data()`): the time includes the device finishing and the copy to the host.
    async run() { const y = tf.tidy(() => g!.apply(x!)); await y.data(); y.dispose(); },
    teardown() { g?.dispose(); x?.dispose(); g = undefined; },
  };
}

export const inferenceWorkloads = (backends: readonly string[]): TimedWorkload[] => [
  inferWorkload("infer-edsr-tiny", tiny, backends),
  inferWorkload("infer-edsr-baseline", baseline, backends),
];

/** The tiles `upscaleTiled` cuts a side x side image into with its defaults (what the PyTorch reference must repeat). */
export function defaultTilePlan(spec: PclSpec, side: number) {
  const radius = receptiveField(spec.generator).radius;
  const tile = DEFAULT_TILE, overlap = defaultOverlap(radius, tile);
  const axis = planAxis(side, tile, overlap, radius, spec.scale);
  const tiles = axis.starts.length ** 2;
  const batchPixels = DEFAULT_TILE * DEFAULT_TILE * 4, maxBatch = 8;
  const perCall = Math.max(1, Math.min(maxBatch, Math.floor(batchPixels / (axis.size * axis.size))));
  return { radius, tile, overlap, tileSide: axis.size, tiles, perCall, batchPixels, maxBatch };
}

function tiledWorkload(name: string, model: "edsr" | "rcan", spec: PclSpec, namedSide: number, backends: readonly string[], sideOverride?: number): TimedWorkload {
  const side = sideOverride ?? namedSide;
  const plan = defaultTilePlan(spec, side);
  const sum = summarize(spec);
  let upscaler: Upscaler | undefined;
  let image: RgbImage | undefined;
  let native = false;
  return {
    kind: "timed", name, images: 1,
    description: `${spec.name} x4 on one ${side}x${side} LR image, TILED as pcl-stream upscale (${plan.tiles} tile${plan.tiles === 1 ? "" : "s"} of ${plan.tileSide}x${plan.tileSide}, overlap ${plan.overlap}, ${plan.perCall} a call)${side !== namedSide ? " (SMOKE: not the named size)" : ""}`,
    backends,
    // The LR pixels the generator actually sees, overlaps included.
    flops: sum.generator.flopsPerLrPixel * plan.tiles * plan.tileSide * plan.tileSide,
    // RCAN: about 33 TFLOP at 512 (tiled); minutes a repetition on a 2-core CPU.
    warmup: 1, reps: 2,
    repsOn: model === "rcan" ? { native: { reps: 1, warmup: 0 }, cpu: { reps: 1, warmup: 0 }, tensorflow: { reps: 1, warmup: 0 } } : undefined,
    extra: { model, side, tile: plan.tile, overlap: plan.overlap, tiles: plan.tiles, tilesPerCall: plan.perCall, paramsGenerator: sum.generator.params, smoke: side !== namedSide },
    pytorchScript: ({ reps, warmup }) => ({
      key: `infer-tiled:${model}:${side}:${reps}:${warmup}`,
      script: "pytorch_inference.py",
      args: ["--model", model, "--size", String(side), "--tile", String(plan.tile), "--overlap", String(plan.overlap), "--radius", String(plan.radius),
        "--tiles-per-call", String(plan.maxBatch), "--batch-pixels", String(plan.batchPixels), "--reps", String(reps), "--warmup", String(warmup)],
      timeoutMs: 90 * 60_000,
      params: { generator: sum.generator.params },
    }),
    setup(backend) {
      // `pcl-stream upscale` selects the backend with workload "inference": no recycled buffers on native.
      native = backend === "native";
      if (native) setNativeBufferPool(0);
      const g = compileGenerator(spec.generator, 1);
      upscaler = generatorUpscaler(g, spec.generator, spec.scale, spec.name);
      image = { width: side, height: side, data: Float32Array.from(seededData(side * side * 3, 5), (v) => 0.5 + 0.5 * v) };
    },
    async run() { await upscaleTiled(upscaler!, image!); },
    teardown() {
      upscaler?.dispose();
      upscaler = undefined; image = undefined;
      if (native) setNativeBufferPool();
    },
  };
}

export const tiledInferenceWorkloads = (backends: readonly string[], side?: number): TimedWorkload[] => [
  tiledWorkload("infer-edsr-512", "edsr", baseline, 512, backends, side),
  tiledWorkload("infer-rcan-512", "rcan", rcanSpec, 512, backends, side),
];
