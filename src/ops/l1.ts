/** The pixel loss L1(SR, HR) of G's objective (method.md part 8, paper Eq. 11). */
import * as tf from "@tensorflow/tfjs-core";
import { assertOp, assertSameShape } from "./op-assert.js";

/**
 * Mean absolute error over all elements of two same-shaped tensors. Differentiable; the
 * gradient in `a` is sign(a - b) / size, 0 where a and b tie (PyTorch's L1Loss does the same;
 * tf.abs's own gradient would be -1 there, so |d| is written as sign(d) * d).
 *
 * ```ts
 * l1Loss(tf.tensor1d([1, 2]), tf.tensor1d([2, 4])); // 1.5
 * ```
 */
export function l1Loss(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  assertSameShape(a, b, "l1Loss", "a and b");
  assertOp(a.size > 0, "l1Loss", () => "inputs must not be empty");
  return tf.tidy(() => {
    const diff = tf.sub(a, b);
    return tf.mean(tf.mul(tf.sign(diff), diff));
  });
}
