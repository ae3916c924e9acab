import test from "ava";
import { reflectPad } from "../src/ops/reflect-pad.js";
import { maxAbsDiff, nhwcIndex, randomTensor4d, seededRandom, tensorsAddedBy, tf, useCpu } from "./helpers/ops-testing.js";

test.before(useCpu);

test("reflectPad reflects about the edge pixels without repeating them", (t) => {
  // 3x3 image, one channel: 1 2 3 / 4 5 6 / 7 8 9
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  const y = reflectPad(x, 2);
  t.deepEqual(y.shape, [1, 7, 7, 1]);
  t.deepEqual(Array.from(y.dataSync()), [
    9, 8, 7, 8, 9, 8, 7,
    6, 5, 4, 5, 6, 5, 4,
    3, 2, 1, 2, 3, 2, 1,
    6, 5, 4, 5, 6, 5, 4,
    9, 8, 7, 8, 9, 8, 7,
    6, 5, 4, 5, 6, 5, 4,
    3, 2, 1, 2, 3, 2, 1,
  ]);
  tf.dispose([x, y]);
});

test("the gradient of reflectPad adds what flowed through every reflected copy", (t) => {
  const rand = seededRandom(31);
  const shape: [number, number, number, number] = [2, 3, 4, 2];
  const pad = 2;
  const x = randomTensor4d(rand, shape);
  const w = randomTensor4d(rand, [2, 3 + 2 * pad, 4 + 2 * pad, 2]);
  const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(w, reflectPad(v as tf.Tensor4D, pad))))(x);
  const reflect = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
  const expected = new Array<number>(x.size).fill(0);
  const wData = w.dataSync();
  for (let n = 0; n < 2; n++)
    for (let y = 0; y < w.shape[1]; y++)
      for (let xx = 0; xx < w.shape[2]; xx++)
        for (let c = 0; c < 2; c++)
          expected[nhwcIndex(shape, n, reflect(y - pad, 3), reflect(xx - pad, 4), c)] += wData[nhwcIndex(w.shape, n, y, xx, c)]!;
  t.true(maxAbsDiff(grad.dataSync(), expected) < 1e-5);
  tf.dispose([x, w, grad]);
});

test("reflectPad keeps only its output alive and rejects a pad as large as the image", (t) => {
  const x = randomTensor4d(seededRandom(32), [1, 3, 5, 2]);
  const { result, added } = tensorsAddedBy(() => reflectPad(x, 2));
  t.is(added, 1);
  t.throws(() => reflectPad(x, 3), { message: "reflectPad: pad 3 needs height and width > 3, got [1,3,5,2]" });
  tf.dispose([x, result]);
});
