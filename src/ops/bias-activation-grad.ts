/**
 * The gradient of a conv's bias and activation in one pass: the incoming gradient through the
 * activation, g = dy * (y > 0 ? 1 : slope) (slope 0: ReLU, alpha: LeakyReLU; read off the output
 * y, which is > 0 exactly where the pre-activation is), and the bias gradient, the sum of g over
 * every axis but the channels. A backend that registers the fused kernel (`BIAS_ACTIVATION_GRAD`:
 * the native addon) reads dy and y once; elsewhere it is tf.step, tf.mul and tf.sum.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { NamedAttrMap } from "@tensorflow/tfjs-core";
import { assertOp, assertSameShape } from "./op-assert.js";

/** The fused kernel's name: inputs {dy, y}, attrs {slope}, outputs [g, dbias]. */
export const BIAS_ACTIVATION_GRAD = "PclBiasActivationGrad";

/**
 * `g` (dy's shape) and `dbias` ([C]) for y = act(conv + bias), act ReLU (slope 0) or LeakyReLU
 * (slope alpha > 0). New tensors: call inside tf.tidy or dispose them.
 *
 * ```ts
 * const { g, dbias } = biasActivationGrad(dy, y, 0.2);  // LeakyReLU 0.2
 * ```
 */
export function biasActivationGrad(dy: tf.Tensor, y: tf.Tensor, slope: number): { g: tf.Tensor; dbias: tf.Tensor1D } {
  const op = "biasActivationGrad";
  assertSameShape(dy, y, op, "dy and y");
  assertOp(dy.rank >= 1 && dy.dtype === "float32" && y.dtype === "float32", op, () => `dy and y must be float32 of rank >= 1, got ${dy.dtype} and ${y.dtype}`);
  assertOp(Number.isFinite(slope) && slope >= 0, op, () => `slope must be finite and >= 0, got ${slope}`);
  if (tf.getKernel(BIAS_ACTIVATION_GRAD, tf.getBackend())) {
    const [g, dbias] = tf.engine().runKernel(BIAS_ACTIVATION_GRAD, { dy, y }, { slope } as unknown as NamedAttrMap) as tf.Tensor[];
    return { g, dbias: dbias as tf.Tensor1D };
  }
  return tf.tidy(() => {
    const g = tf.mul(dy, tf.step(y, slope));
    const axes = Array.from({ length: dy.rank - 1 }, (_, i) => i);
    return { g, dbias: tf.sum(g, axes) as tf.Tensor1D };
  });
}
