import test from "ava";
import { haarBands, haarMerge, haarSplit, type HaarBandName, type HaarBands } from "../src/ops/haar.js";
import { maxAbsDiff, nhwcIndex, randomTensor4d, seededRandom, tensorsAddedBy, tf, useCpu } from "./helpers/ops-testing.js";

test.before(useCpu);

/** Signs of a, b, c, d (block [[a, b], [c, d]]) in each band; every band is (signs . block) / 2. */
const SIGNS: Record<HaarBandName, readonly [number, number, number, number]> = {
  ll: [1, 1, 1, 1],
  lh: [1, 1, -1, -1],
  hl: [1, -1, 1, -1],
  hh: [1, -1, -1, 1],
};

/** Plain float64 reference of one band, straight from the closed form. */
function referenceBand(x: Float32Array, shape: readonly number[], band: HaarBandName): number[] {
  const [n, h, w, c] = shape as [number, number, number, number];
  const out: number[] = [];
  const s = SIGNS[band];
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h / 2; y++)
      for (let xx = 0; xx < w / 2; xx++)
        for (let ch = 0; ch < c; ch++) {
          const at = (dy: number, dx: number) => x[nhwcIndex(shape, b, 2 * y + dy, 2 * xx + dx, ch)];
          out.push((s[0] * at(0, 0) + s[1] * at(0, 1) + s[2] * at(1, 0) + s[3] * at(1, 1)) / 2);
        }
  return out;
}

function disposeBands(b: HaarBands): void {
  tf.dispose([b.ll, b.lh, b.hl, b.hh]);
}

test("haarSplit of a hand-made 2x2 image gives the closed-form bands", (t) => {
  // channel 0: [[1, 2], [3, 4]]; channel 1: [[0.5, -1], [2, 0.25]]
  const x = tf.tensor4d([1, 0.5, 2, -1, 3, 2, 4, 0.25], [1, 2, 2, 2]);
  const bands = haarSplit(x);
  t.deepEqual(bands.ll.shape, [1, 1, 1, 2]);
  t.deepEqual(Array.from(bands.ll.dataSync()), [5, 0.875]);
  t.deepEqual(Array.from(bands.lh.dataSync()), [-2, -1.375]); // top minus bottom
  t.deepEqual(Array.from(bands.hl.dataSync()), [-1, 1.625]); // left minus right
  t.deepEqual(Array.from(bands.hh.dataSync()), [0, -0.125]);
  disposeBands(bands);
  x.dispose();
});

test("haarSplit matches the closed form on random data", (t) => {
  const rand = seededRandom(1);
  const x = randomTensor4d(rand, [2, 4, 6, 3]);
  const data = x.dataSync() as Float32Array;
  const bands = haarSplit(x);
  for (const name of ["ll", "lh", "hl", "hh"] as const) {
    t.deepEqual(bands[name].shape, [2, 2, 3, 3]);
    t.true(maxAbsDiff(bands[name].dataSync(), referenceBand(data, x.shape, name)) < 1e-6, name);
  }
  disposeBands(bands);
  x.dispose();
});

test("haarMerge inverts haarSplit to 1e-6", (t) => {
  const x = randomTensor4d(seededRandom(2), [2, 6, 4, 3]);
  const bands = haarSplit(x);
  const y = haarMerge(bands);
  t.deepEqual(y.shape, x.shape);
  t.true(maxAbsDiff(y.dataSync(), x.dataSync()) < 1e-6);
  disposeBands(bands);
  tf.dispose([x, y]);
});

test("haarSplit is orthonormal: energy is preserved", (t) => {
  const x = randomTensor4d(seededRandom(3), [1, 8, 8, 2]);
  let input = 0;
  for (const v of x.dataSync()) input += v * v;
  const bands = haarSplit(x);
  let output = 0;
  for (const name of ["ll", "lh", "hl", "hh"] as const) for (const v of bands[name].dataSync()) output += v * v;
  t.true(Math.abs(input - output) / input < 1e-6, `${input} vs ${output}`);
  disposeBands(bands);
  x.dispose();
});

test("haarBands concatenates the chosen bands band-major in the order given", (t) => {
  const x = randomTensor4d(seededRandom(4), [2, 4, 4, 3]);
  const data = x.dataSync() as Float32Array;
  const order: HaarBandName[] = ["lh", "hl", "hh"];
  const y = haarBands(x, order);
  t.deepEqual(y.shape, [2, 2, 2, 9]);
  const refs = order.map((name) => referenceBand(data, x.shape, name));
  const expected: number[] = [];
  for (let p = 0; p < 2 * 2 * 2; p++) for (const ref of refs) for (let c = 0; c < 3; c++) expected.push(ref[p * 3 + c]!);
  t.true(maxAbsDiff(y.dataSync(), expected) < 1e-6);
  const reversed = haarBands(x, ["hh", "ll"]);
  t.deepEqual(reversed.shape, [2, 2, 2, 6]);
  const first = reversed.dataSync();
  t.true(Math.abs(first[0]! - referenceBand(data, x.shape, "hh")[0]!) < 1e-6, "channel 0 is HH of channel 0");
  t.true(Math.abs(first[3]! - referenceBand(data, x.shape, "ll")[0]!) < 1e-6, "channel 3 is LL of channel 0");
  tf.dispose([x, y, reversed]);
});

test("the gradient of haarSplit is the hand-derived adjoint", (t) => {
  const rand = seededRandom(5);
  const x = randomTensor4d(rand, [1, 4, 2, 2]);
  const weights = Object.fromEntries(
    (["ll", "lh", "hl", "hh"] as const).map((name) => [name, randomTensor4d(rand, [1, 2, 1, 2])]),
  ) as Record<HaarBandName, tf.Tensor4D>;
  const grad = tf.grad((v: tf.Tensor) => {
    const b = haarSplit(v as tf.Tensor4D);
    return tf.addN((["ll", "lh", "hl", "hh"] as const).map((name) => tf.sum(tf.mul(weights[name], b[name]))));
  })(x);
  // d(loss)/d(x at block offset k) = sum over bands of w_band * SIGNS[band][k] / 2
  const expected: number[] = new Array(x.size).fill(0);
  for (let y = 0; y < 2; y++)
    for (let c = 0; c < 2; c++)
      for (let k = 0; k < 4; k++) {
        const [dy, dx] = [k >> 1, k & 1];
        let g = 0;
        for (const name of ["ll", "lh", "hl", "hh"] as const) g += (weights[name].dataSync()[y * 2 + c]! * SIGNS[name][k]) / 2;
        expected[nhwcIndex(x.shape, 0, 2 * y + dy, dx, c)] = g;
      }
  t.true(maxAbsDiff(grad.dataSync(), expected) < 1e-6);
  tf.dispose([x, grad, ...Object.values(weights)]);
});

test("Haar ops keep only their outputs alive", (t) => {
  const x = randomTensor4d(seededRandom(6), [1, 4, 4, 3]);
  const split = tensorsAddedBy(() => haarSplit(x));
  t.is(split.added, 4);
  const merged = tensorsAddedBy(() => haarMerge(split.result));
  t.is(merged.added, 1);
  const chosen = tensorsAddedBy(() => haarBands(x, ["lh", "hl", "hh"]));
  t.is(chosen.added, 1);
  disposeBands(split.result);
  tf.dispose([x, merged.result, chosen.result]);
});

test("Haar ops reject bad input with the op name and the actual shape", (t) => {
  const odd = tf.zeros([1, 5, 6, 3]) as tf.Tensor4D;
  t.throws(() => haarSplit(odd), { message: "haarSplit: height and width must be even, got [1,5,6,3]" });
  const x = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
  t.throws(() => haarBands(x, ["lh", "xx" as HaarBandName]), { message: /haarBands: unknown band "xx"/ });
  t.throws(() => haarBands(x, []), { message: /haarBands: bands must name at least one band/ });
  const small = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
  t.throws(() => haarMerge({ ll: small, lh: small, hl: small, hh: x }), {
    message: "haarMerge: ll and hh must have the same shape, got [1,2,2,3] and [1,4,4,3]",
  });
  tf.dispose([odd, x, small]);
});
