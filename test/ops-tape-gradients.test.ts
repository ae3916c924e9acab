/**
 * tapeGradients / tapeVariableGrads against tfjs's own gradients (same values), their memory
 * (peak bytes of tensor data during the call, unique buffers),
 * nesting (a gradient inside another's forward, and inside a gradient function), `untaped`,
 * `recompute` (same gradients, fewer bytes kept) and `residualAdd` (same values, nothing saved).
 */
import test from "ava";
import { compileGenerator } from "../src/compile/network.js";
import { edsr } from "../src/dsl/index.js";
import { recompute } from "../src/ops/recompute.js";
import { residualAdd } from "../src/ops/residual-add.js";
import { tapeGradients, tapeVariableGrads, untaped } from "../src/ops/tape-gradients.js";
import { peakTensorBytes as peakBytes } from "../src/ops/tensor-bytes.js";
import { maxAbsDiff, randomTensor4d, seededRandom, tf, useCpu } from "./helpers/ops-testing.js";

test.before(useCpu);

/** A deep plain net: `depth` 3x3 convs with ReLU and residual adds, then a mean; its weights. */
function deepNet(depth: number, channels: number, seed: number) {
  const rand = seededRandom(seed);
  const ws = Array.from({ length: depth }, () => tf.variable(tf.mul(randomTensor4d(rand, [3, 3, channels, channels]), 0.2)));
  const block = (x: tf.Tensor4D, w: tf.Variable) => tf.add(x, tf.relu(tf.conv2d(x, w as tf.Tensor4D, 1, "same"))) as tf.Tensor4D;
  const loss = (x: tf.Tensor4D) => tf.mean(tf.square(ws.reduce(block, x))) as tf.Scalar;
  return { ws, block, loss, dispose: () => tf.dispose(ws) };
}

const sameGrads = (a: tf.NamedTensorMap, b: tf.NamedTensorMap) => Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => maxAbsDiff(a[k].dataSync(), b[k].dataSync()) === 0);

test("tapeVariableGrads equals tf.variableGrads exactly on a compiled EDSR (value and every weight's gradient)", (t) => {
  const g = compileGenerator(edsr({ blocks: 2, channels: 8, scale: 2 }), 3);
  const rand = seededRandom(4);
  const lr = randomTensor4d(rand, [2, 6, 7, 3], 0, 1), hr = randomTensor4d(rand, [2, 12, 14, 3], 0, 1);
  const f = () => tf.mean(tf.abs(tf.sub(g.apply(lr), hr))) as tf.Scalar;
  const vars = [...g.variables.values()];
  const ours = tapeVariableGrads(f, vars), theirs = tf.variableGrads(f, vars);
  t.is(ours.value.dataSync()[0], theirs.value.dataSync()[0]);
  t.is(Object.keys(ours.grads).length, vars.length);
  t.true(sameGrads(ours.grads, theirs.grads));
  tf.dispose([ours.value, theirs.value, ...Object.values(ours.grads), ...Object.values(theirs.grads)]);
  g.dispose();
});

test("the backward pass frees saved tensors and gradients as it goes: lower peak, nothing left behind", (t) => {
  const net = deepNet(12, 8, 5);
  const x = randomTensor4d(seededRandom(6), [2, 16, 16, 8]);
  const before = tf.memory().numTensors;
  const stock = peakBytes(() => tf.variableGrads(() => net.loss(x), net.ws));
  const lean = peakBytes(() => tapeVariableGrads(() => net.loss(x), net.ws));
  t.true(sameGrads(lean.result.grads, stock.result.grads));
  t.log(`peak: tfjs ${stock.peak / 1e3} kB, tape ${lean.peak / 1e3} kB`);
  // 12 blocks each keep ~2 activations of 16 kB for the backward pass; tfjs also holds one
  // gradient per activation until the end. Ours must stay well under that.
  t.true(lean.peak < 0.7 * stock.peak, `peak ${lean.peak} vs ${stock.peak}`);
  tf.dispose([stock.result.value, lean.result.value, ...Object.values(stock.result.grads), ...Object.values(lean.result.grads)]);
  t.is(tf.memory().numTensors, before);
  net.dispose();
});

test("a gradient taken inside another's forward is not recorded on the outer tape and leaves it intact", (t) => {
  const rand = seededRandom(8);
  const a = tf.variable(randomTensor4d(rand, [1, 4, 4, 2])), b = tf.variable(randomTensor4d(rand, [1, 4, 4, 2]));
  const inner = () => tf.sum(tf.square(tf.mul(a, b))) as tf.Scalar;
  const outer = () => tf.sum(tf.mul(tf.sin(a), b)) as tf.Scalar;
  const plain = tapeVariableGrads(outer, [a]);
  let innerGrad: tf.Tensor | undefined;
  const nested = tapeVariableGrads(() => {
    const y = outer();
    const g = untaped(() => tapeVariableGrads(inner, [b]));
    innerGrad = tf.keep(g.grads[b.name]);
    return y;
  }, [a]);
  t.is(nested.value.dataSync()[0], plain.value.dataSync()[0]);
  t.is(maxAbsDiff(nested.grads[a.name].dataSync(), plain.grads[a.name].dataSync()), 0);
  // d/db sum((ab)^2) = 2 a^2 b
  const want = tf.mul(2, tf.mul(tf.square(a), b));
  t.true(maxAbsDiff(innerGrad!.dataSync(), want.dataSync()) < 1e-5);
  tf.dispose([a, b, innerGrad!, want, plain.value, nested.value, ...Object.values(plain.grads), ...Object.values(nested.grads)]);
});

test("untaped: what it computes is a constant to the enclosing gradient", (t) => {
  const x = tf.variable(tf.tensor1d([1, 2, 3]));
  const { grads } = tapeVariableGrads(() => tf.sum(tf.mul(x, untaped(() => tf.mul(x, 2)))) as tf.Scalar, [x]);
  // d/dx sum(x * c) with c = 2x held constant = c = 2x (not 4x)
  t.deepEqual(Array.from(grads[x.name].dataSync()), [2, 4, 6]);
  t.throws(() => tapeVariableGrads(() => untaped(() => tf.sum(x)) as tf.Scalar, [x]), { message: /no variable is connected/ });
  tf.dispose([x, ...Object.values(grads)]);
});

test("tapeGradients with dy: a vector-Jacobian product", (t) => {
  const x = tf.tensor1d([1, 2, 3]);
  const dy = tf.tensor1d([1, 10, 100]);
  const { value, grads } = tapeGradients(() => tf.square(x), [x], dy);
  t.deepEqual(Array.from(grads[0]!.dataSync()), [2, 40, 600]);
  tf.dispose([x, dy, value, grads[0]!]);
});

test("recompute: same gradients as the plain blocks, fewer bytes held at the peak, and the same forward outside a gradient", (t) => {
  const net = deepNet(12, 8, 9);
  const x = randomTensor4d(seededRandom(10), [2, 16, 16, 8]);
  const blocks = net.ws.map((w) => recompute((v: tf.Tensor4D) => net.block(v, w), [w]));
  const checkpointed = () => tf.mean(tf.square(blocks.reduce((y, f) => f(y), x))) as tf.Scalar;
  const plain = peakBytes(() => tapeVariableGrads(() => net.loss(x), net.ws));
  const re = peakBytes(() => tapeVariableGrads(checkpointed, net.ws));
  t.is(re.result.value.dataSync()[0], plain.result.value.dataSync()[0]);
  for (const w of net.ws) t.true(maxAbsDiff(re.result.grads[w.name].dataSync(), plain.result.grads[w.name].dataSync()) <= 1e-6, w.name);
  t.log(`peak: plain ${plain.peak / 1e3} kB, recomputed ${re.peak / 1e3} kB`);
  t.true(re.peak < 0.7 * plain.peak);
  const before = tf.memory().numTensors;
  const y = tf.tidy(() => blocks.reduce((v, f) => f(v), x));
  t.is(maxAbsDiff(y.dataSync(), tf.tidy(() => net.ws.reduce(net.block, x)).dataSync()), 0);
  tf.dispose([y, plain.result.value, re.result.value, ...Object.values(plain.result.grads), ...Object.values(re.result.grads)]);
  t.true(tf.memory().numTensors <= before + 1);
  net.dispose();
});

test("residualAdd: x + scale * y with tf.add's values and gradients, and no tensor saved for its backward pass", (t) => {
  const rand = seededRandom(12);
  const x = randomTensor4d(rand, [1, 3, 3, 2]), y = randomTensor4d(rand, [1, 3, 3, 2]), w = randomTensor4d(rand, [1, 3, 3, 2]);
  for (const scale of [1, 0.1]) {
    const ours = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(residualAdd(a, b, scale), w)))([x, y]);
    const ref = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.add(a, tf.mul(b, scale)), w)))([x, y]);
    ours.forEach((g, i) => t.true(maxAbsDiff(g.dataSync(), ref[i].dataSync()) < 1e-7));
    t.true(maxAbsDiff(residualAdd(x, y, scale).dataSync(), tf.add(x, tf.mul(y, scale)).dataSync()) < 1e-7);
  }
  // What the tape keeps: with tf.add the product v * 2 stays alive for the backward pass (Add saves
  // both inputs); with residualAdd only what Mul saves (v and the constant).
  const v = tf.variable(y);
  const kept = (f: () => tf.Tensor) => {
    const s = peakBytes(() => tapeVariableGrads(() => tf.sum(tf.relu(f())) as tf.Scalar, [v]));
    tf.dispose([s.result.value, ...Object.values(s.result.grads)]);
    return s.peak;
  };
  t.true(kept(() => residualAdd(x, tf.mul(v, 2))) < kept(() => tf.add(x, tf.mul(v, 2))));
  t.throws(() => residualAdd(x, tf.zeros([1, 3, 3, 1])), { message: /residualAdd: x and y must have the same shape/ });
  v.dispose();
});
