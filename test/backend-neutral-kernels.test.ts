/**
 * What the compiled graphs ask of a backend: every convolution, depthwise convolution and pool
 * kernel on the train, eval and upscale paths (forward and gradients) gets a padding that every
 * backend accepts ('same' or 'valid'; tfjs-node throws on a numeric pad), and the padding forms
 * compute PyTorch's network (symmetric k // 2 zero padding, stride 1 and 2).
 */
import test from "ava";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { lastValueFrom, NEVER, toArray } from "rxjs";
import { selectBackend } from "../src/backend/select.js";
import { loadCheckpointUpscaler } from "../src/checkpoint/load.js";
import { conv, sequence } from "../src/dsl/index.js";
import { compileLayer } from "../src/compile/layer.js";
import { createWeightStore } from "../src/compile/weights.js";
import { upscaleTiled } from "../src/ops/tiled-upscale.js";
import { train } from "../src/pipelines/train/train.js";
import { tinyImageFolder, tinySpec } from "./helpers/tiny-training.js";
import { maxAbsDiff, randomTensor4d, seededRandom } from "./helpers/ops-testing.js";

test.before(async () => { await selectBackend("cpu", { quiet: true }); });

/** Kernels whose attributes carry a padding. */
const PADDED = /^(Conv2D|FusedConv2D|DepthwiseConv2dNative|FusedDepthwiseConv2D|Conv2DBackpropInput|Conv2DBackpropFilter|DepthwiseConv2dNativeBackpropInput|DepthwiseConv2dNativeBackpropFilter|Conv3D|Conv3DBackpropInputV2|Conv3DBackpropFilterV2|AvgPool|AvgPoolGrad|MaxPool|MaxPoolGrad|AvgPool3D|MaxPool3D)$/;

/** Runs `fn` while recording (kernel name, pad attribute) of every kernel the engine runs. */
async function recordPads(fn: () => Promise<void>): Promise<{ name: string; pad: unknown }[]> {
  const engine = tf.engine();
  const original = engine.runKernel;
  const seen: { name: string; pad: unknown }[] = [];
  engine.runKernel = function (this: typeof engine, name: string, inputs: tf.NamedTensorMap, attrs?: tf.NamedAttrMap) {
    if (PADDED.test(name)) seen.push({ name, pad: (attrs as Record<string, unknown> | undefined)?.pad });
    return original.call(this, name, inputs, attrs);
  } as typeof original;
  try { await fn(); } finally { engine.runKernel = original; }
  return seen;
}

test.serial("train (D and G steps, validation, checkpoints) and tiled upscaling use only 'same' / 'valid' pads", async (t) => {
  const data = await tinyImageFolder(3, 24);
  const out = mkdtempSync(join(tmpdir(), "pcl-pads-"));
  const seen = await recordPads(async () => {
    await lastValueFrom(train({ spec: tinySpec({ iterations: 3, validateEvery: 3 }), data, val: data, out, resume: false, backend: "cpu", stop: NEVER }).pipe(toArray()));
    const upscaler = await loadCheckpointUpscaler(join(out, "best"));
    const rand = seededRandom(5);
    await upscaleTiled(upscaler, { width: 37, height: 29, data: Float32Array.from({ length: 37 * 29 * 3 }, rand) }, { tile: 16 });
    upscaler.dispose();
  });
  const names = new Set(seen.map((s) => s.name));
  for (const k of ["FusedConv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", "DepthwiseConv2dNative"]) t.true(names.has(k), `${k} ran (the check saw it)`);
  const numeric = seen.filter((s) => s.pad !== "same" && s.pad !== "valid");
  t.deepEqual(numeric.map((s) => `${s.name} pad=${JSON.stringify(s.pad)}`), []);
});

test.serial("'same' and explicit pad + 'valid' compute PyTorch's symmetric k // 2 padding at stride 1 and 2, forward and gradients", (t) => {
  const rand = seededRandom(11);
  for (const [kernel, stride] of [[3, 1], [3, 2], [5, 2], [1, 1], [4, 2]] as const) {
    const store = createWeightStore(3);
    const node = sequence([conv(5, { kernel, stride, bias: false })]);
    const { fn } = compileLayer(node, 3, "g", store);
    const w = [...store.variables.values()][0] as tf.Variable<tf.Rank.R4>;
    const x = randomTensor4d(rand, [2, 9, 10, 3]);
    const dy = randomTensor4d(rand, fn(x).shape as [number, number, number, number]);
    const half = Math.floor(kernel / 2);
    // Reference: the numeric pad PyTorch means, on the cpu backend (which accepts it).
    const reference = (v: tf.Tensor4D) => tf.conv2d(v, w, stride, half);
    t.deepEqual(fn(x).shape, reference(x).shape, `k${kernel} s${stride} shape`);
    t.true(maxAbsDiff(fn(x).dataSync(), reference(x).dataSync()) < 1e-5, `k${kernel} s${stride} forward`);
    const grads = (f: (v: tf.Tensor4D) => tf.Tensor4D) => tf.grads((v: tf.Tensor) => tf.sum(tf.mul(f(v as tf.Tensor4D), dy)))([x]);
    t.true(maxAbsDiff(grads(fn)[0].dataSync(), grads(reference)[0].dataSync()) < 1e-4, `k${kernel} s${stride} input gradient`);
    tf.dispose([...store.variables.values()]);
  }
});
