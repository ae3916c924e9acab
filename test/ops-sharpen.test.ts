import test from "ava";
import { sampleSharpenFactor, sharpen } from "../src/ops/sharpen.js";
import { maxAbsDiff, nhwcIndex, randomTensor4d, seededRandom, tensorsAddedBy, tf, uniformArray, useCpu } from "./helpers/ops-testing.js";

test.before(useCpu);

/** Float64 reference: s = [[1,1,1],[1,5,1],[1,1,1]]/13 with reflect borders; s + f (x - s). */
function referenceSharpen(x: readonly number[], shape: readonly number[], factors: readonly number[]): number[] {
  const [n, h, w, c] = shape as [number, number, number, number];
  const reflect = (i: number, m: number) => (i < 0 ? -i : i >= m ? 2 * (m - 1) - i : i);
  const out = new Array<number>(x.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let dy = -1; dy <= 1; dy++)
            for (let dx = -1; dx <= 1; dx++)
              s += (dy === 0 && dx === 0 ? 5 : 1) * x[nhwcIndex(shape, b, reflect(y + dy, h), reflect(xx + dx, w), ch)]!;
          s /= 13;
          const i = nhwcIndex(shape, b, y, xx, ch);
          out[i] = s + factors[b]! * (x[i]! - s);
        }
  return out;
}

test("sharpen with factor 1 is exactly the identity", (t) => {
  const x = randomTensor4d(seededRandom(41), [2, 5, 4, 3], 0, 1);
  const y = sharpen(x, [1, 1]);
  t.deepEqual(Array.from(y.dataSync()), Array.from(x.dataSync()));
  tf.dispose([x, y]);
});

test("sharpen matches the PIL-style formula per sample, including the smoothed image at factor 0", (t) => {
  const shape: [number, number, number, number] = [3, 4, 5, 2];
  const x = randomTensor4d(seededRandom(42), shape, 0, 1);
  const factors = [0, 2.5, 0.7];
  const y = sharpen(x, factors);
  t.true(maxAbsDiff(y.dataSync(), referenceSharpen(Array.from(x.dataSync()), shape, factors)) < 1e-5);
  tf.dispose([x, y]);
});

test("sharpen leaves a constant image unchanged at any factor", (t) => {
  const x = tf.fill([1, 3, 3, 3], 0.25) as tf.Tensor4D;
  const y = sharpen(x, [2.9]);
  t.true(maxAbsDiff(y.dataSync(), new Array(y.size).fill(0.25)) < 1e-6);
  tf.dispose([x, y]);
});

test("the gradient of sharpen is the adjoint of the reference", (t) => {
  const rand = seededRandom(43);
  const shape: [number, number, number, number] = [2, 3, 4, 2];
  const x = randomTensor4d(rand, shape);
  const w = uniformArray(rand, x.size);
  const wt = tf.tensor4d(w, shape);
  const factors = [1.8, 0.6];
  const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(wt, sharpen(v as tf.Tensor4D, factors))))(x);
  const expected = Array.from({ length: x.size }, (_, i) => {
    const e = new Array<number>(x.size).fill(0);
    e[i] = 1;
    return referenceSharpen(e, shape, factors).reduce((s, v, o) => s + v * w[o]!, 0);
  });
  t.true(maxAbsDiff(grad.dataSync(), expected) < 1e-5);
  tf.dispose([x, wt, grad]);
});

test("sharpen keeps only its output alive", (t) => {
  const x = randomTensor4d(seededRandom(44), [2, 4, 4, 3]);
  const { result, added } = tensorsAddedBy(() => sharpen(x, [1.5, 2]));
  t.is(added, 1);
  tf.dispose([x, result]);
});

test("sampleSharpenFactor maps [0, 1) onto [0.5, 3.0)", (t) => {
  t.is(sampleSharpenFactor(() => 0), 0.5);
  t.is(sampleSharpenFactor(() => 0.5), 1.75);
  const rand = seededRandom(45);
  for (let i = 0; i < 100; i++) {
    const f = sampleSharpenFactor(rand);
    t.true(f >= 0.5 && f < 3);
  }
});

test("sharpen rejects bad input with the op name and the actual values", (t) => {
  const x = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
  t.throws(() => sharpen(x, [1]), { message: "sharpen: need one factor per sample: 2 for x [2,4,4,3], got 1" });
  t.throws(() => sharpen(x, [1, Number.NaN]), { message: "sharpen: factors must be finite, got [1, NaN]" });
  const thin = tf.zeros([1, 1, 4, 3]) as tf.Tensor4D;
  t.throws(() => sharpen(thin, [2]), { message: /sharpen: height and width must be >= 2 .* got \[1,1,4,3\]/ });
  tf.dispose([x, thin]);
});
