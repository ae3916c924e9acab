import test from "ava";
import { featureSimilarity, featureSimilarities } from "../src/ops/feature-similarity.js";
import { maxAbsDiff, randomTensor4d, seededRandom, referenceSimilarity, tensorsAddedBy, tf, useCpu } from "./helpers/ops-testing.js";

test.before(useCpu);

test("featureSimilarity of a map with itself is 1 and with its negative is -1", (t) => {
  const a = randomTensor4d(seededRandom(51), [3, 4, 5, 6]);
  const minusA = tf.neg(a);
  const self = featureSimilarity(a, a);
  const opposite = featureSimilarity(a, minusA);
  t.deepEqual(self.shape, [3]);
  t.true(maxAbsDiff(self.dataSync(), [1, 1, 1]) < 1e-6);
  t.true(maxAbsDiff(opposite.dataSync(), [-1, -1, -1]) < 1e-6);
  tf.dispose([a, minusA, self, opposite]);
});

test("featureSimilarity matches a float64 reference, zero channel vectors counting as 0", (t) => {
  const rand = seededRandom(52);
  const shape: [number, number, number, number] = [2, 3, 2, 4];
  const aData = Array.from(randomTensor4d(rand, shape).dataSync());
  aData.fill(0, 0, 4); // pixel (0, 0) of sample 0 is a zero vector: cosine 0 there, like torch
  const a = tf.tensor4d(aData, shape);
  const b = randomTensor4d(rand, shape);
  const s = featureSimilarity(a, b);
  t.true(maxAbsDiff(s.dataSync(), referenceSimilarity(aData, b.dataSync(), shape)) < 1e-6);
  const grad = tf.grad((v: tf.Tensor) => tf.sum(featureSimilarity(v as tf.Tensor4D, b)))(a);
  t.true(Array.from(grad.dataSync()).every(Number.isFinite), "finite gradient at a zero vector");
  tf.dispose([a, b, s, grad]);
});

test("featureSimilarity keeps only its output alive and rejects mismatched shapes", (t) => {
  const rand = seededRandom(53);
  const a = randomTensor4d(rand, [2, 2, 2, 3]);
  const b = randomTensor4d(rand, [2, 2, 2, 3]);
  const { result, added } = tensorsAddedBy(() => featureSimilarity(a, b));
  t.is(added, 1);
  const c = randomTensor4d(rand, [2, 2, 2, 4]);
  t.throws(() => featureSimilarity(a, c), { message: "featureSimilarity: a and b must have the same shape, got [2,2,2,3] and [2,2,2,4]" });
  tf.dispose([a, b, c, result]);
});

test("featureSimilarities equals featureSimilarity pair by pair", (t) => {
  const rand = seededRandom(11);
  const anchor = randomTensor4d(rand, [2, 3, 4, 5]);
  const others = [0, 1, 2].map(() => randomTensor4d(rand, [2, 3, 4, 5]));
  const together = featureSimilarities(anchor, others).arraySync();
  others.forEach((o, k) => {
    const one = featureSimilarity(anchor, o).arraySync();
    one.forEach((v, n) => t.true(Math.abs(v - together[n][k]) < 1e-6, `n=${n} k=${k}: ${v} vs ${together[n][k]}`));
  });
  tf.dispose([anchor, ...others]);
});

test("featureSimilarities takes a sample-major stack [N,K,H,W,C] as well, and names a mismatched one", (t) => {
  const rand = seededRandom(12);
  const anchor = randomTensor4d(rand, [3, 2, 4, 5]);
  const others = [0, 1, 2, 3].map(() => randomTensor4d(rand, [3, 2, 4, 5]));
  const fromList = featureSimilarities(anchor, others).arraySync();
  const fromStack = featureSimilarities(anchor, tf.stack(others, 1) as tf.Tensor5D).arraySync();
  fromList.forEach((row, n) => row.forEach((v, k) => t.true(Math.abs(v - fromStack[n][k]) < 1e-6, `n=${n} k=${k}`)));
  t.throws(() => featureSimilarities(anchor, tf.zeros([3, 4, 2, 4, 6]) as tf.Tensor5D),
    { message: "featureSimilarities: others must be float32 [N,K,H,W,C] = [3,K,2,4,5] to match the anchor, got float32 [3,4,2,4,6]" });
  tf.dispose([anchor, ...others]);
});
