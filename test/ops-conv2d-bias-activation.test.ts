/**
 * conv2dBiasActivation (one FusedConv2D kernel) and its registered gradient against the unfused
 * ops (conv2d + bias + activation, with tfjs's own gradients), and the gradient's laziness.
 */
import test from "ava";
import { conv2dBiasActivation, type ConvActivation } from "../src/ops/conv2d-bias-activation.js";
import { maxAbsDiff, randomTensor4d, seededRandom, tf, useCpu } from "./helpers/ops-testing.js";

test.before(useCpu);

const unfused = (x: tf.Tensor4D, f: tf.Tensor4D, b: tf.Tensor1D, stride: number, pad: number, act: ConvActivation, alpha: number): tf.Tensor4D => {
  const y = tf.add(tf.conv2d(x, f, stride, pad), b) as tf.Tensor4D;
  return act === "relu" ? tf.relu(y) : act === "leakyRelu" ? tf.leakyRelu(y, alpha) : y;
};

for (const act of ["linear", "relu", "leakyRelu"] as const) {
  for (const stride of [1, 2]) {
    test(`${act}, stride ${stride}: values and the x, filter and bias gradients equal the unfused ops'`, (t) => {
      const rand = seededRandom(40 + stride);
      const x = randomTensor4d(rand, [2, 7, 9, 3]);
      const f = randomTensor4d(rand, [3, 3, 3, 5]);
      const b = tf.tensor1d([0.1, -0.2, 0.3, -0.05, 0]);
      const w = randomTensor4d(rand, stride === 1 ? [2, 7, 9, 5] : [2, 4, 5, 5]); // a loss weight per output
      const loss = (g: typeof unfused) => (xv: tf.Tensor, fv: tf.Tensor, bv: tf.Tensor) =>
        tf.sum(tf.mul(g(xv as tf.Tensor4D, fv as tf.Tensor4D, bv as tf.Tensor1D, stride, 1, act, 0.2), w));
      // The reference pads numerically (PyTorch's pad 1); the fused kernel gets only what every backend
      // accepts: 'same' at stride 1, an explicit symmetric tf.pad then 'valid' at stride 2.
      const fused: typeof unfused = (xv, fv, bv, s, p, a, alpha) => s === 1
        ? conv2dBiasActivation(xv, fv, bv, { stride: s, pad: "same", activation: a, alpha })
        : conv2dBiasActivation(tf.pad(xv, [[0, 0], [p, p], [p, p], [0, 0]]), fv, bv, { stride: s, pad: "valid", activation: a, alpha });
      t.true(maxAbsDiff(fused(x, f, b, stride, 1, act, 0.2).dataSync(), unfused(x, f, b, stride, 1, act, 0.2).dataSync()) < 1e-5);
      const got = tf.grads(loss(fused))([x, f, b]);
      const want = tf.grads(loss(unfused))([x, f, b]);
      ["x", "filter", "bias"].forEach((name, i) => t.true(maxAbsDiff(got[i].dataSync(), want[i].dataSync()) < 1e-4, `${name} gradient`));
    });
  }
}

test("the gradient computes only what is asked: a filter gradient runs no Conv2DBackpropInput", async (t) => {
  const rand = seededRandom(7);
  const x = randomTensor4d(rand, [1, 6, 6, 4]);
  const f = tf.variable(randomTensor4d(rand, [3, 3, 4, 4]));
  const b = tf.variable(tf.zeros([4]) as tf.Tensor1D);
  const kernels = async (fn: () => void) => (await tf.profile(fn)).kernels.map((k) => k.name);
  const onlyWeights = await kernels(() => { tf.variableGrads(() => tf.sum(conv2dBiasActivation(x, f as tf.Tensor4D, b as tf.Tensor1D, { stride: 1, pad: "same", activation: "relu" }))); });
  t.true(onlyWeights.includes("Conv2DBackpropFilter"));
  t.false(onlyWeights.includes("Conv2DBackpropInput"));
  const onlyInput = await kernels(() => { tf.grad((v: tf.Tensor) => tf.sum(conv2dBiasActivation(v as tf.Tensor4D, f as tf.Tensor4D, b as tf.Tensor1D, { stride: 1, pad: "same", activation: "relu" })))(x); });
  t.true(onlyInput.includes("Conv2DBackpropInput"));
  t.false(onlyInput.includes("Conv2DBackpropFilter"));
  tf.dispose([f, b]);
});

test("bad shapes and a non-positive LeakyReLU slope are named", (t) => {
  const x = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
  t.throws(() => conv2dBiasActivation(x, tf.zeros([3, 3, 2, 5]) as tf.Tensor4D, tf.zeros([5]) as tf.Tensor1D, { stride: 1, pad: "same", activation: "linear" }),
    { message: /conv2dBiasActivation: filter must be \[K,K,3,C_out\]/ });
  t.throws(() => conv2dBiasActivation(x, tf.zeros([3, 3, 3, 5]) as tf.Tensor4D, tf.zeros([4]) as tf.Tensor1D, { stride: 1, pad: "same", activation: "linear" }),
    { message: /bias must be \[5\]/ });
  t.throws(() => conv2dBiasActivation(x, tf.zeros([3, 3, 3, 5]) as tf.Tensor4D, tf.zeros([5]) as tf.Tensor1D, { stride: 1, pad: "same", activation: "leakyRelu", alpha: 0 }),
    { message: /slope must be > 0/ });
});
