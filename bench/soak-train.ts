/**
 * Bench workload "soak-train": 10,000 training steps (PCL_BENCH_SOAK_STEPS) of a tiny PCL graph (EDSR 1
 * block x 4 channels at x2, a 2-tap embedding, batch 2, LR patch 4) through the library's `train`, with
 * OUT/latest written every 1,000 iterations; every 250 steps it samples the live tensor count
 * (tf.memory().numTensors) and the process RSS. Reports the tensor count's range after the first 20% of
 * the steps (warm-up: allocator, JIT, the first major GCs; flat means no tensor leaks per step) and
 * the RSS slope (least squares over the same samples, MiB per 1,000 steps: what a leak of host memory
 * per step would show).
 *
 * `npm run bench -- --only soak-train` (opt-in: minutes; PCL_BENCH_SOAK_STEPS=N for another length).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { lastValueFrom, tap } from "rxjs";
import sharp from "sharp";
import {
  adam, constantLr, dualContrastive, edsr, infoNce, l1, negatives, pcl, positives, trainOptions, vggEmbedding, weightedSum, blur,
} from "../src/dsl/index.js";
import { train } from "../src/train/index.js";

const SAMPLE_EVERY = 250;
/** Samples before this fraction of the run (at least 1,000 steps) are left out of the fits: allocator and JIT warm-up, the first major GCs. */
const WARMUP_FRACTION = 0.2;

/** Least-squares slope of y over x. */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n, my = points.reduce((s, [, y]) => s + y, 0) / n;
  let sxy = 0, sxx = 0;
  for (const [x, y] of points) { sxy += (x - mx) * (y - my); sxx += (x - mx) ** 2; }
  return sxy / sxx;
}

export interface SoakReport {
  readonly steps: number;
  readonly seconds: number;
  readonly stepsPerSecond: number;
  readonly backend: string;
  /** Live tensors over the samples after the warm-up (the first 20% of the steps). */
  readonly tensors: { readonly min: number; readonly max: number };
  readonly rssMiB: { readonly first: number; readonly last: number; readonly max: number };
  /** Least-squares RSS slope after the warm-up. */
  readonly rssSlopeMiBPer1000Steps: number;
  /** The same for V8's heap in use (JavaScript objects) and for memory outside it (ArrayBuffers, the native addon's buffers): where a slope would come from. */
  readonly heapSlopeMiBPer1000Steps: number;
  readonly externalSlopeMiBPer1000Steps: number;
  /** [iteration, RSS MiB, live tensors, heap used MiB, external MiB] every 250 steps. */
  readonly samples: readonly (readonly [number, number, number, number, number])[];
}

async function imageFolder(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "pcl-soak-data-"));
  const size = 32;
  for (let i = 0; i < 4; i++) {
    const px = Buffer.alloc(size * size * 3);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) {
      px[(y * size + x) * 3 + c] = Math.round(127 + 100 * Math.sin((x + 1.7 * i) * 0.5 + c) * Math.cos((y - i) * 0.3));
    }
    await sharp(px, { raw: { width: size, height: size, channels: 3 } }).png().toFile(join(dir, `img${i}.png`));
  }
  return dir;
}

export async function soakTrain(steps = Number(process.env.PCL_BENCH_SOAK_STEPS ?? 10000)): Promise<SoakReport> {
  const embed = vggEmbedding({ channels: [4, 4], strides: [1, 2], taps: [0, 1] as const, batchNorm: false, pool: "global" });
  const spec = pcl({
    name: "soak", scale: 2,
    generator: edsr({ blocks: 1, channels: 4, scale: 2 }),
    embedding: embed,
    positives: positives({ count: 2, includeHr: true }),
    negatives: negatives({ count: 2, source: "blur", augment: blur({ sizes: [3, 5] }) }),
    losses: { generator: weightedSum([[1, l1()], [1, infoNce({ embed, taps: [0, 1], tau: 0.5 })]]), discriminator: dualContrastive({ embed }) },
    train: trainOptions({
      patch: 4, batch: 2, iterations: steps, validateEvery: steps + 1, logEvery: 10, warmup: 100, seed: 3,
      optimizers: { generator: adam({ lr: 1e-4 }), embedding: adam({ lr: 1e-4 }) }, schedule: constantLr(),
    }),
  });
  const data = await imageFolder();
  const out = join(mkdtempSync(join(tmpdir(), "pcl-soak-run-")), "run");
  const samples: [number, number, number, number, number][] = [];
  let lastSampled = -1;
  const started = performance.now();
  try {
    await lastValueFrom(train(spec, { data, val: null, out, metrics: false, checkpointEvery: { iterations: 1000 } }).pipe(tap((e) => {
      if (e.type !== "step") return;
      const done = e.iteration + 1;
      if (done % SAMPLE_EVERY !== 0 || done === lastSampled) return;
      lastSampled = done;
      const m = process.memoryUsage();
      samples.push([done, m.rss / 2 ** 20, tf.memory().numTensors, m.heapUsed / 2 ** 20, m.external / 2 ** 20]);
    })));
  } finally {
    rmSync(data, { recursive: true, force: true });
    rmSync(join(out, ".."), { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  const warmup = Math.min(Math.max(1000, steps * WARMUP_FRACTION), steps / 2);
  const after = samples.filter(([it]) => it > warmup);
  const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
  return {
    steps, seconds: round(seconds, 1), stepsPerSecond: round(steps / seconds, 1), backend: tf.getBackend(),
    tensors: { min: Math.min(...after.map((s) => s[2])), max: Math.max(...after.map((s) => s[2])) },
    rssMiB: { first: round(after[0]?.[1] ?? NaN, 1), last: round(after.at(-1)?.[1] ?? NaN, 1), max: round(Math.max(...samples.map((s) => s[1])), 1) },
    rssSlopeMiBPer1000Steps: round(slope(after.map(([it, rss]) => [it, rss])) * 1000, 3),
    heapSlopeMiBPer1000Steps: round(slope(after.map(([it, , , heap]) => [it, heap])) * 1000, 3),
    externalSlopeMiBPer1000Steps: round(slope(after.map(([it, , , , ext]) => [it, ext])) * 1000, 3),
    samples: samples.map(([it, rss, n, heap, ext]) => [it, round(rss, 1), n, round(heap, 1), round(ext, 1)] as const),
  };
}

export const soakTrainWorkload = {
  name: "soak-train",
  description: "10,000 tiny PCL training steps: live tensor count and RSS slope (leaks per step)",
  run: () => soakTrain(),
};

