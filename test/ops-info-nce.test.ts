import test from "ava";
import { infoNce, infoNceFromSimilarities } from "../src/ops/info-nce.js";
import { finiteDifferenceGradient, maxAbsDiff, seededRandom, referenceSimilarity, tensorsAddedBy, tf, uniformArray, useCpu } from "./helpers/ops-testing.js";

test.before(useCpu);

const SHAPE: [number, number, number, number] = [2, 1, 2, 3];
const SIZE = 2 * 1 * 2 * 3;

/** Float64 s(a, b) per sample: mean over pixels of the channel cosine. */
const similarity = (a: readonly number[], b: readonly number[]): number[] => referenceSimilarity(a, b, SHAPE);

/** Float64 InfoNCE, the naive textbook formula: mean over n and j of -log(e^p / (e^p + sum e^q)). */
function referenceInfoNce(anchor: readonly number[], positives: readonly number[][], negatives: readonly number[][], tau: number): number {
  const p = positives.map((m) => similarity(anchor, m));
  const q = negatives.map((m) => similarity(anchor, m));
  let total = 0;
  for (let n = 0; n < SHAPE[0]; n++)
    for (let j = 0; j < p.length; j++) {
      const ep = Math.exp(p[j]![n]! / tau);
      const eq = q.reduce((s, qk) => s + Math.exp(qk[n]! / tau), 0);
      total += -Math.log(ep / (ep + eq));
    }
  return total / (SHAPE[0] * p.length);
}

function fixture(seed: number) {
  const rand = seededRandom(seed);
  return {
    anchor: uniformArray(rand, SIZE),
    positives: [0, 1].map(() => uniformArray(rand, SIZE)),
    negatives: [0, 1, 2].map(() => uniformArray(rand, SIZE)),
  };
}

const toTensor = (v: readonly number[]) => tf.tensor4d(v as number[], SHAPE);

test("infoNce equals the loss computed by hand from the feature arrays", (t) => {
  const f = fixture(61);
  const anchor = toTensor(f.anchor), pos = f.positives.map(toTensor), neg = f.negatives.map(toTensor);
  for (const tau of [1, 0.5, 0.07]) {
    const loss = infoNce(anchor, pos, neg, tau);
    const expected = referenceInfoNce(f.anchor, f.positives, f.negatives, tau);
    t.true(Math.abs(loss.dataSync()[0]! - expected) < 1e-5 * Math.max(1, expected), `tau ${tau}: ${loss.dataSync()[0]} vs ${expected}`);
    loss.dispose();
  }
  tf.dispose([anchor, ...pos, ...neg]);
});

test("infoNce is log(1 + K_N) when all similarities are equal and tau = 1", (t) => {
  const sims = infoNceFromSimilarities(tf.fill([3, 4], 0.3) as tf.Tensor2D, tf.fill([3, 5], 0.3) as tf.Tensor2D, 1);
  t.true(Math.abs(sims.dataSync()[0]! - Math.log(1 + 5)) < 1e-6);
  // From feature maps: every positive and negative is a positive multiple of the anchor, so s = 1 everywhere.
  const anchor = toTensor(fixture(62).anchor);
  const scaled = [2, 0.5, 3, 1.5].map((k) => tf.mul(anchor, k) as tf.Tensor4D);
  const maps = infoNce(anchor, scaled.slice(0, 1), scaled.slice(1), 1);
  t.true(Math.abs(maps.dataSync()[0]! - Math.log(1 + 3)) < 1e-6);
  tf.dispose([sims, anchor, maps, ...scaled]);
});

test("infoNceFromSimilarities is stable for tiny tau", (t) => {
  const tau = 1e-3;
  const easy = infoNceFromSimilarities(tf.tensor2d([[1]]), tf.tensor2d([[0.5, -1]]), tau); // exact: ~e^{-500}
  const hard = infoNceFromSimilarities(tf.tensor2d([[-1]]), tf.tensor2d([[1, 1]]), tau); // exact: 2000 + log 2
  t.true(Math.abs(easy.dataSync()[0]!) < 1e-6);
  t.true(Math.abs(hard.dataSync()[0]! - (2000 + Math.log(2))) < 1e-3);
  tf.dispose([easy, hard]);
});

test("the gradient of infoNce in the anchor matches finite differences", (t) => {
  const f = fixture(63);
  const tau = 0.5;
  const anchor = toTensor(f.anchor), pos = f.positives.map(toTensor), neg = f.negatives.map(toTensor);
  const grad = tf.grad((v: tf.Tensor) => infoNce(v as tf.Tensor4D, pos, neg, tau))(anchor);
  const expected = finiteDifferenceGradient((a) => referenceInfoNce(a, f.positives, f.negatives, tau), f.anchor);
  const scale = Math.max(...expected.map(Math.abs));
  t.true(scale > 1e-3, "the check is not vacuous");
  t.true(maxAbsDiff(grad.dataSync(), expected) < 1e-4 * scale + 1e-6, `${Array.from(grad.dataSync())} vs ${expected}`);
  tf.dispose([anchor, grad, ...pos, ...neg]);
});

test("infoNce keeps only its output alive", (t) => {
  const f = fixture(64);
  const anchor = toTensor(f.anchor), pos = f.positives.map(toTensor), neg = f.negatives.map(toTensor);
  const { result, added } = tensorsAddedBy(() => infoNce(anchor, pos, neg, 1));
  t.is(added, 1);
  const g = tensorsAddedBy(() => tf.grad((v: tf.Tensor) => infoNce(v as tf.Tensor4D, pos, neg, 1))(anchor));
  t.is(g.added, 1);
  tf.dispose([anchor, result, g.result, ...pos, ...neg]);
});

test("infoNce rejects bad input with the op name and the actual values", (t) => {
  const a = tf.zeros([2, 1, 2, 3]) as tf.Tensor4D;
  const b = tf.zeros([2, 1, 2, 4]) as tf.Tensor4D;
  t.throws(() => infoNce(a, [a], [b], 1), { message: "infoNce: anchor and negatives[0] must have the same shape, got [2,1,2,3] and [2,1,2,4]" });
  t.throws(() => infoNce(a, [], [a], 1), { message: "infoNce: need at least one positive and one negative, got 0 and 1" });
  const p = tf.zeros([2, 3]) as tf.Tensor2D, q = tf.zeros([3, 3]) as tf.Tensor2D;
  t.throws(() => infoNceFromSimilarities(p, q, 1), { message: /infoNceFromSimilarities: positives and negatives must have the same batch size, got \[2,3\] and \[3,3\]/ });
  t.throws(() => infoNceFromSimilarities(p, p, 0), { message: "infoNceFromSimilarities: tau must be finite and > 0, got 0" });
  tf.dispose([a, b, p, q]);
});
