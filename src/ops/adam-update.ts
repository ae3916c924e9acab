/**
 * One Adam step for one weight, as PyTorch computes it:
 *   m' = b1 m + (1 - b1) g;  v' = b2 v + (1 - b2) g^2;  w' = w - (m' lr / c1) / (sqrt(v') / c2 + eps)
 * with c1 = 1 - b1^t and c2 = sqrt(1 - b2^t). A backend that registers the fused kernel
 * (`ADAM_UPDATE`: the native addon, one pass over the four arrays) runs it in one kernel;
 * elsewhere it is the same arithmetic op by op (ten kernels per weight), with the same float32
 * rounding of every constant.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { NamedAttrMap } from "@tensorflow/tfjs-core";
import { assertOp, assertSameShape } from "./op-assert.js";

/** The fused kernel's name: inputs {w, g, m, v}, attrs AdamConstants, outputs [w', m', v']. */
export const ADAM_UPDATE = "PclAdamUpdate";

export interface AdamConstants {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** lr / (1 - beta1^t) */
  readonly stepSize: number;
  /** sqrt(1 - beta2^t) */
  readonly c2: number;
}

/** The fused kernel's constants, rounded to float32 as the op chain's scalars are: [b1, 1-b1, b2, 1-b2, lr/c1, c2, eps]. */
export const adamConstants = (k: AdamConstants): Float32Array =>
  Float32Array.from([k.beta1, 1 - k.beta1, k.beta2, 1 - k.beta2, k.stepSize, k.c2, k.epsilon]);

/**
 * The updated weight and moments (new tensors; call inside tf.tidy or dispose them).
 *
 * ```ts
 * const next = adamUpdate(w, grad, m, v, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, stepSize: lr / (1 - 0.9 ** t), c2: Math.sqrt(1 - 0.999 ** t) });
 * ```
 */
export function adamUpdate(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, k: AdamConstants): { w: tf.Tensor; m: tf.Tensor; v: tf.Tensor } {
  const op = "adamUpdate";
  assertSameShape(w, g, op, "weight and gradient");
  assertSameShape(w, m, op, "weight and first moment");
  assertSameShape(w, v, op, "weight and second moment");
  assertOp(k.c2 > 0 && k.stepSize >= 0, op, () => `stepSize must be >= 0 and c2 > 0, got ${k.stepSize} and ${k.c2}`);
  if (tf.getKernel(ADAM_UPDATE, tf.getBackend())) {
    const [w1, m1, v1] = tf.engine().runKernel(ADAM_UPDATE, { w, g, m, v }, { ...k } as unknown as NamedAttrMap) as tf.Tensor[];
    return { w: w1, m: m1, v: v1 };
  }
  return tf.tidy(() => {
    const m1 = tf.add(tf.mul(m, k.beta1), tf.mul(g, 1 - k.beta1));
    const v1 = tf.add(tf.mul(v, k.beta2), tf.mul(tf.square(g), 1 - k.beta2));
    const update = tf.div(tf.mul(m1, k.stepSize), tf.add(tf.div(tf.sqrt(v1), k.c2), k.epsilon));
    return { w: tf.sub(w, update), m: m1, v: v1 };
  });
}
