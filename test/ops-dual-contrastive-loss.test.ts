import test from "ava";
import { dualContrastiveLoss } from "../src/ops/dual-contrastive-loss.js";
import { finiteDifferenceGradient, maxAbsDiff, seededRandom, tensorsAddedBy, tf, uniformArray, useCpu } from "./helpers/ops-testing.js";

test.before(useCpu);

/** Float64 Eq. 7, written the naive way from the definition. */
function referenceLoss(r: readonly number[], f: readonly number[]): number {
  const sumExpF = f.reduce((s, v) => s + Math.exp(v), 0);
  const sumExpMinusR = r.reduce((s, v) => s + Math.exp(-v), 0);
  const realTerm = r.reduce((s, v) => s - Math.log(Math.exp(v) / (Math.exp(v) + sumExpF)), 0) / r.length;
  const fakeTerm = f.reduce((s, v) => s - Math.log(Math.exp(-v) / (Math.exp(-v) + sumExpMinusR)), 0) / f.length;
  return realTerm + fakeTerm;
}

test("dualContrastiveLoss equals Eq. 7 computed by hand, for logits of any shape", (t) => {
  const rand = seededRandom(71);
  const r = uniformArray(rand, 2 * 2 * 2, -3, 3), f = uniformArray(rand, 3 * 2 * 2, -3, 3);
  const real = tf.tensor4d(r, [2, 2, 2, 1]), fake = tf.tensor4d(f, [3, 2, 2, 1]);
  const loss = dualContrastiveLoss(real, fake);
  t.deepEqual(loss.shape, []);
  t.true(Math.abs(loss.dataSync()[0]! - referenceLoss(r, f)) < 1e-5);
  tf.dispose([real, fake, loss]);
});

test("dualContrastiveLoss with all logits equal is log(1 + M_fake) + log(1 + M_real)", (t) => {
  const same = dualContrastiveLoss(tf.fill([2, 4, 4, 1], 0.7), tf.fill([2, 4, 4, 1], 0.7));
  t.true(Math.abs(same.dataSync()[0]! - 2 * Math.log(1 + 32)) < 1e-5);
  const uneven = dualContrastiveLoss(tf.fill([3], -1.2), tf.fill([5], -1.2));
  t.true(Math.abs(uneven.dataSync()[0]! - (Math.log(1 + 5) + Math.log(1 + 3))) < 1e-5);
  tf.dispose([same, uneven]);
});

test("dualContrastiveLoss is stable for large logits", (t) => {
  const separated = dualContrastiveLoss(tf.fill([4], 100), tf.fill([4], -100)); // exact: 2 * 4e^{-200}
  const inverted = dualContrastiveLoss(tf.fill([4], -100), tf.fill([4], 100)); // exact: 2 * softplus(200 + log 4)
  t.true(Math.abs(separated.dataSync()[0]!) < 1e-6);
  t.true(Math.abs(inverted.dataSync()[0]! - 2 * (200 + Math.log(4))) < 1e-3);
  tf.dispose([separated, inverted]);
});

test("the gradients of dualContrastiveLoss match finite differences", (t) => {
  const rand = seededRandom(72);
  const r = uniformArray(rand, 6, -2, 2), f = uniformArray(rand, 4, -2, 2);
  const real = tf.tensor1d(r), fake = tf.tensor1d(f);
  const [gReal, gFake] = tf.grads((a: tf.Tensor, b: tf.Tensor) => dualContrastiveLoss(a, b))([real, fake]);
  const expectedReal = finiteDifferenceGradient((v) => referenceLoss(v, f), r);
  const expectedFake = finiteDifferenceGradient((v) => referenceLoss(r, v), f);
  t.true(maxAbsDiff(gReal!.dataSync(), expectedReal) < 1e-5);
  t.true(maxAbsDiff(gFake!.dataSync(), expectedFake) < 1e-5);
  t.true(Math.max(...expectedReal.map(Math.abs)) > 1e-3, "the check is not vacuous");
  tf.dispose([real, fake, gReal!, gFake!]);
});

test("dualContrastiveLoss keeps only its output alive and rejects empty or int logits", (t) => {
  const real = tf.tensor1d([0.1, 0.2]), fake = tf.tensor1d([0.3]);
  const { result, added } = tensorsAddedBy(() => dualContrastiveLoss(real, fake));
  t.is(added, 1);
  const empty = tf.tensor1d([]);
  t.throws(() => dualContrastiveLoss(real, empty), { message: "dualContrastiveLoss: real and fake need at least one logit each, got [2] and [0]" });
  const ints = tf.tensor1d([1], "int32");
  t.throws(() => dualContrastiveLoss(ints, fake), { message: "dualContrastiveLoss: logits must be float32, got int32 and float32" });
  tf.dispose([real, fake, result, empty, ints]);
});
