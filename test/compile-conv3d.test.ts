/** HAN's conv3d layer (a banded 2-D conv) against tf.conv3d on the one-channel volume, values and gradients. */
import test from "ava";
import { compileLayer } from "../src/compile/layer.js";
import { createWeightStore } from "../src/compile/weights.js";
import { conv3d } from "../src/dsl/index.js";
import { maxAbsDiff, randomTensor4d, seededRandom, tf, useCpu } from "./helpers/ops-testing.js";

test.before(useCpu);

for (const bias of [true, false]) {
  test(`conv3d layer (bias ${bias}) equals tf.conv3d over [N, C, H, W, 1] with 'same' padding, forward and gradients`, (t) => {
    const store = createWeightStore(4);
    const { fn } = compileLayer(conv3d({ bias }), 6, "csa", store);
    const [kernel, b] = [...store.variables.values()] as tf.Variable[];
    const x = randomTensor4d(seededRandom(9), [2, 5, 7, 6]);
    const dy = randomTensor4d(seededRandom(10), [2, 5, 7, 6]);
    const reference = (v: tf.Tensor4D) => {
      const [n, h, w, c] = v.shape;
      const vol = tf.reshape(tf.transpose(v, [0, 3, 1, 2]), [n, c, h, w, 1]) as tf.Tensor5D;
      let y = tf.conv3d(vol, kernel as tf.Tensor5D, 1, "same");
      if (b) y = tf.add(y, b);
      return tf.transpose(tf.reshape(y, [n, c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D;
    };
    t.true(maxAbsDiff(fn(x).dataSync(), reference(x).dataSync()) < 1e-5);
    const vars = [...store.variables.values()];
    const grads = (f: (v: tf.Tensor4D) => tf.Tensor4D) => tf.variableGrads(() => tf.sum(tf.mul(f(x), dy)) as tf.Scalar, vars).grads;
    const got = grads(fn), want = grads(reference);
    for (const v of vars) t.true(maxAbsDiff(got[v.name].dataSync(), want[v.name].dataSync()) < 1e-4, v.name);
    const dx = (f: (v: tf.Tensor4D) => tf.Tensor4D) => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(f(v as tf.Tensor4D), dy)))(x);
    t.true(maxAbsDiff(dx(fn).dataSync(), dx(reference).dataSync()) < 1e-4);
    tf.dispose(vars);
  });
}
