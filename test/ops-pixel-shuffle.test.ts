import test from "ava";
import { pixelShuffle } from "../src/ops/pixel-shuffle.js";
import { maxAbsDiff, nhwcIndex, randomTensor4d, seededRandom, tensorsAddedBy, tf, useCpu } from "./helpers/ops-testing.js";

test.before(useCpu);

test("pixelShuffle matches a hand-built example in PyTorch's channel order", (t) => {
  // One pixel, 8 channels = 2 output channels x (2x2 sub-positions); values are 10*c + 2*i + j.
  const x = tf.tensor4d([0, 1, 2, 3, 10, 11, 12, 13], [1, 1, 1, 8]);
  const y = pixelShuffle(x, 2);
  t.deepEqual(y.shape, [1, 2, 2, 2]);
  // Output (row, col, channel): channel 0 = [[0, 1], [2, 3]], channel 1 = [[10, 11], [12, 13]].
  t.deepEqual(Array.from(y.dataSync()), [0, 10, 1, 11, 2, 12, 3, 13]);
  tf.dispose([x, y]);
});

test("pixelShuffle places neighbouring input pixels side by side (r = 3)", (t) => {
  // [1, 1, 2, 9]: two input pixels, one output channel; value = 100 * x + 3 * i + j.
  const values: number[] = [];
  for (let xx = 0; xx < 2; xx++) for (let k = 0; k < 9; k++) values.push(100 * xx + k);
  const x = tf.tensor4d(values, [1, 1, 2, 9]);
  const y = pixelShuffle(x, 3);
  t.deepEqual(y.shape, [1, 3, 6, 1]);
  t.deepEqual(Array.from(y.dataSync()), [
    0, 1, 2, 100, 101, 102,
    3, 4, 5, 103, 104, 105,
    6, 7, 8, 106, 107, 108,
  ]);
  tf.dispose([x, y]);
});

test("the gradient of pixelShuffle is the hand-derived adjoint (inverse shuffle)", (t) => {
  const rand = seededRandom(11);
  const r = 2, shape: [number, number, number, number] = [2, 2, 3, 3 * r * r];
  const x = randomTensor4d(rand, shape);
  const w = randomTensor4d(rand, [2, 2 * r, 3 * r, 3]);
  const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(w, pixelShuffle(v as tf.Tensor4D, r))))(x);
  const wData = w.dataSync();
  const expected = new Array<number>(x.size);
  for (let n = 0; n < 2; n++)
    for (let y = 0; y < 2; y++)
      for (let xx = 0; xx < 3; xx++)
        for (let c = 0; c < 3; c++)
          for (let i = 0; i < r; i++)
            for (let j = 0; j < r; j++)
              expected[nhwcIndex(shape, n, y, xx, c * r * r + i * r + j)] = wData[nhwcIndex(w.shape, n, y * r + i, xx * r + j, c)]!;
  t.is(maxAbsDiff(grad.dataSync(), expected), 0);
  tf.dispose([x, w, grad]);
});

test("pixelShuffle keeps only its output alive", (t) => {
  const x = randomTensor4d(seededRandom(12), [1, 2, 2, 8]);
  const { result, added } = tensorsAddedBy(() => pixelShuffle(x, 2));
  t.is(added, 1);
  tf.dispose([x, result]);
});

test("pixelShuffle rejects bad input with the op name and the actual shape", (t) => {
  const x = tf.zeros([1, 2, 2, 6]) as tf.Tensor4D;
  t.throws(() => pixelShuffle(x, 2), { message: "pixelShuffle: channels must be a multiple of r*r = 4, got [1,2,2,6]" });
  t.throws(() => pixelShuffle(x, 1.5), { message: "pixelShuffle: r must be an integer >= 1, got 1.5" });
  x.dispose();
});
