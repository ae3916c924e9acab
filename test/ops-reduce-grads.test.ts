/** The registered Sum and Mean gradients against their closed forms (dy spread over the reduced axes). */
import test from "ava";
import { meanGradConfig, sumGradConfig } from "../src/ops/reduce-grads.js";
import { seededRandom, tf, useCpu } from "./helpers/ops-testing.js";

test.before(useCpu);

const shape = [2, 3, 4, 5];
const cases: Array<{ axis: number | number[] | undefined; keep: boolean }> = [
  { axis: undefined, keep: false }, { axis: 1, keep: false }, { axis: [1, 2], keep: true }, { axis: -1, keep: false }, { axis: [0, 3], keep: true },
];

for (const mean of [false, true]) {
  test(`${mean ? "Mean" : "Sum"}'s gradient is the upstream weight at each reduced position${mean ? ", over the count" : ""}`, (t) => {
    const rand = seededRandom(3);
    const x = tf.tensor4d(Float32Array.from({ length: 120 }, () => rand()), shape as [number, number, number, number]);
    for (const { axis, keep } of cases) {
      const reduce = (v: tf.Tensor) => (mean ? tf.mean(v, axis, keep) : tf.sum(v, axis, keep));
      const outShape = reduce(x).shape;
      const c = tf.tensor(Float32Array.from({ length: Math.max(1, outShape.reduce((a, b) => a * b, 1)) }, () => rand() - 0.5), outShape);
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(reduce(v), c)))(x);
      const axes = tf.util.parseAxisParam(axis ?? null as unknown as number, shape);
      const count = axes.reduce((n, a) => n * shape[a], 1);
      const cv = c.dataSync(), gv = g.dataSync();
      const keptShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
      for (let i = 0; i < 120; i++) {
        const idx = [Math.floor(i / 60), Math.floor(i / 20) % 3, Math.floor(i / 5) % 4, i % 5];
        const ci = idx.reduce((o, v, k) => o * keptShape[k] + (axes.includes(k) ? 0 : v), 0);
        const want = cv[ci] / (mean ? count : 1);
        t.true(Math.abs(gv[i] - want) < 1e-6, `axis ${JSON.stringify(axis)} keep ${keep} at ${idx}: ${gv[i]} vs ${want}`);
      }
    }
  });
}

test("the registered Sum and Mean gradients are pcl-stream's", (t) => {
  t.is(tf.getGradient("Sum"), sumGradConfig);
  t.is(tf.getGradient("Mean"), meanGradConfig);
});
