import test from "ava";
import { l1Loss } from "../src/ops/l1.js";
import { randomTensor4d, seededRandom, tensorsAddedBy, tf, useCpu } from "./helpers/ops-testing.js";

test.before(useCpu);

test("l1Loss is the mean absolute difference", (t) => {
  const rand = seededRandom(81);
  const a = randomTensor4d(rand, [2, 3, 3, 3]), b = randomTensor4d(rand, [2, 3, 3, 3]);
  const av = a.dataSync(), bv = b.dataSync();
  let expected = 0;
  for (let i = 0; i < av.length; i++) expected += Math.abs(av[i]! - bv[i]!);
  expected /= av.length;
  const { result, added } = tensorsAddedBy(() => l1Loss(a, b));
  t.is(added, 1);
  t.true(Math.abs(result.dataSync()[0]! - expected) < 1e-6);
  t.is(l1Loss(tf.tensor1d([1, 2]), tf.tensor1d([2, 4])).dataSync()[0], 1.5);
  tf.dispose([a, b, result]);
});

test("the gradient of l1Loss is sign(a - b) / size", (t) => {
  const a = tf.tensor1d([1, 5, -2, 0.5]), b = tf.tensor1d([2, 4, -2, 0]);
  const grad = tf.grad((v: tf.Tensor) => l1Loss(v, b))(a);
  t.deepEqual(Array.from(grad.dataSync()), [-0.25, 0.25, 0, 0.25]);
  tf.dispose([a, b, grad]);
});

test("l1Loss rejects mismatched shapes", (t) => {
  const a = tf.zeros([2, 3]), b = tf.zeros([3, 2]);
  t.throws(() => l1Loss(a, b), { message: "l1Loss: a and b must have the same shape, got [2,3] and [3,2]" });
  tf.dispose([a, b]);
});
