/** The registered LeakyRelu gradient against its closed form, at 0 and on both sides, on cpu (native's kernels are checked against cpu elsewhere). */
import test from "ava";
import { leakyReluGradConfig } from "../src/ops/leaky-relu-grad.js";
import { tf, useCpu } from "./helpers/ops-testing.js";

test.before(useCpu);

test("LeakyRelu's gradient is dy where x > 0 and alpha * dy elsewhere (x = 0 included)", (t) => {
  const xs = [-2, -0.5, 0, 1e-7, 0.5, 3];
  const dys = [1, -2, 3, -4, 5, 0.25];
  for (const alpha of [0.2, 0.01]) {
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(x, alpha), tf.tensor1d(dys))))(tf.tensor1d(xs));
    const want = xs.map((x, i) => (x > 0 ? dys[i] : alpha * dys[i]));
    const got = Array.from(g.dataSync());
    got.forEach((v, i) => t.true(Math.abs(v - want[i]) < 1e-6, `alpha ${alpha} x ${xs[i]}: ${v} vs ${want[i]}`));
  }
});

test("the registered LeakyRelu gradient is pcl-stream's", (t) => {
  t.is(tf.getGradient("LeakyRelu"), leakyReluGradConfig);
});
