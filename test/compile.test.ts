import test from "ava";
import * as tf from "@tensorflow/tfjs-core";
import { selectBackend } from "../src/backend/select.js";
import { compileEmbedding, compileGenerator } from "../src/compile/network.js";
import { adaptiveAvgPool } from "../src/ops/adaptive-avg-pool.js";
import { conv, edsr, han, inferLayer, relu, sequence, skip, summarize, vggEmbedding } from "../src/dsl/index.js";
import tinySpec from "../graphs/edsr-tiny.pcl.js";

test.before(async () => { await selectBackend("cpu", { quiet: true }); });

const countWeights = (vars: ReadonlyMap<string, tf.Variable>) => [...vars.values()].reduce((s, v) => s + v.size, 0);

test("compiled edsr-tiny has exactly the inferred parameters and maps LR to HR", (t) => {
  const g = compileGenerator(tinySpec.generator, 1);
  t.is(countWeights(g.variables), summarize(tinySpec).generator.params);
  const before = tf.memory().numTensors;
  const y = tf.tidy(() => g.apply(tf.zeros([2, 6, 5, 3])));
  t.deepEqual(y.shape, [2, 24, 20, 3]);
  y.dispose();
  t.is(tf.memory().numTensors, before, "forward leaves no tensors behind");
  g.dispose();
});

test("a small HAN compiles: layer attention, 3-D conv and the parameter count agree with inference", (t) => {
  const node = han({ groups: 2, blocksPerGroup: 1, channels: 8, reduction: 4, scale: 2 });
  const g = compileGenerator(node, 3);
  t.is(countWeights(g.variables), inferLayer(node, [6, 6, 3]).params);
  const y = tf.tidy(() => g.apply(tf.randomUniform([1, 6, 6, 3], 0, 1, "float32", 5) as tf.Tensor4D));
  t.deepEqual(y.shape, [1, 12, 12, 3]);
  t.true(y.dataSync().every(Number.isFinite));
  y.dispose(); g.dispose();
});

test("weights are seeded: the same seed gives the same network, another seed another", (t) => {
  const a = compileGenerator(edsr({ blocks: 1, channels: 4, scale: 2 }), 7);
  const b = compileGenerator(edsr({ blocks: 1, channels: 4, scale: 2 }), 7);
  const c = compileGenerator(edsr({ blocks: 1, channels: 4, scale: 2 }), 8);
  const first = (g: typeof a) => [...g.variables.values()][0].dataSync().slice(0, 8);
  t.deepEqual(first(a), first(b));
  t.notDeepEqual(first(a), first(c));
  for (const g of [a, b, c]) g.dispose();
});

test("a residual block equals x + conv(relu(conv(x))) computed by hand", (t) => {
  const node = skip(sequence([conv(2, { kernel: 1 }), relu(), conv(2, { kernel: 1 })]));
  const x = [0.5, -1.5, 2]; // one pixel, 3 channels
  const s = compileGenerator(sequence([conv(2, { kernel: 1, name: "in" }), node, conv(3, { kernel: 1, name: "out" })]), 2);
  const w = new Map([...s.variables].map(([k, v]) => [k, Array.from(v.dataSync())]));
  const get = (k: string) => w.get(k) ?? t.fail(`no weight ${k}`) as never;
  const lin = (v: number[], k: number[], b: number[], cin: number, cout: number) =>
    Array.from({ length: cout }, (_, o) => b[o] + v.reduce((acc, vi, i) => acc + vi * k[i * cout + o], 0));
  const h0 = lin(x, get("generator/in/kernel"), get("generator/in/bias"), 3, 2);
  const h1 = lin(h0, get("generator/1/body/0/kernel"), get("generator/1/body/0/bias"), 2, 2).map((v) => Math.max(0, v));
  const h2 = lin(h1, get("generator/1/body/2/kernel"), get("generator/1/body/2/bias"), 2, 2);
  const expected = lin(h0.map((v, i) => v + h2[i]), get("generator/out/kernel"), get("generator/out/bias"), 2, 3);
  const y = tf.tidy(() => s.apply(tf.tensor4d(x, [1, 1, 1, 3])));
  const got = Array.from(y.dataSync());
  expected.forEach((e, i) => t.true(Math.abs(e - got[i]) < 1e-5, `channel ${i}: ${got[i]} vs ${e}`));
  y.dispose(); s.dispose();
});

test("adaptive average pooling matches PyTorch's overlapping bins (6 -> 4)", (t) => {
  // Bins over 6 inputs: [0,2) [1,3) [3,5) [4,6).
  const row = [1, 2, 3, 4, 5, 6];
  const x = tf.tensor4d(row.flatMap((r) => row.map((c) => r * 10 + c)), [1, 6, 6, 1]);
  const y = adaptiveAvgPool(x, 4);
  const bins = [[0, 2], [1, 3], [3, 5], [4, 6]];
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const expected = bins.flatMap(([r0, r1]) => bins.map(([c0, c1]) => mean(row.slice(r0, r1)) * 10 + mean(row.slice(c0, c1))));
  Array.from(y.dataSync()).forEach((v, i) => t.true(Math.abs(v - expected[i]) < 1e-4, `${i}: ${v} vs ${expected[i]}`));
  x.dispose(); y.dispose();
});

test("the embedding network returns its taps in order and one logit per pooled cell", (t) => {
  const e = compileEmbedding(vggEmbedding({ channels: [4, 4, 8], strides: [1, 2, 2], taps: [2, 0] as const, batchNorm: true, pool: 2 }), 1);
  const out = tf.tidy(() => { const r = e.apply(tf.randomUniform([2, 16, 16, 3], 0, 1, "float32", 1) as tf.Tensor4D); return [r.logits, ...r.taps]; });
  t.deepEqual(out.map((o) => o.shape), [[2, 2, 2, 1], [2, 2, 2, 8], [2, 8, 8, 4]]);
  tf.dispose(out); e.dispose();
});
