/**
 * The similarity s(x, y) between two feature maps in PCL's contrastive loss (method.md part 7,
 * paper Eq. 9): the mean over pixels of the cosine similarity of the channel vectors.
 */
import * as tf from "@tensorflow/tfjs-core";
import { assertNhwcFloat, assertSameShape } from "./op-assert.js";

/** Norms below this are clamped to it, as in torch.nn.functional.cosine_similarity. */
export const COSINE_EPS = 1e-8;

/** x / max(||x||, eps) along channels, written as x * rsqrt(max(||x||^2, eps^2)) so the gradient is finite at 0. */
function unitChannels<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), -1, true), COSINE_EPS * COSINE_EPS)));
}

/**
 * Per sample n: mean over (y, x) of cos(a[n,y,x,:], b[n,y,x,:]), with each norm clamped to
 * at least 1e-8. In [-1, 1]; 1 for a map with itself, -1 with its negative. Differentiable in
 * both inputs.
 *
 * ```ts
 * const s = featureSimilarity(srFeatures, hrFeatures); // [N]
 * ```
 * @param a [N,H,W,C] float32.
 * @param b same shape as `a`.
 * @returns [N].
 */
export function featureSimilarity(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor1D {
  assertNhwcFloat(a, "featureSimilarity", "a");
  assertNhwcFloat(b, "featureSimilarity", "b");
  assertSameShape(a, b, "featureSimilarity", "a and b");
  return tf.tidy(() => tf.mean(tf.sum(tf.mul(unitChannels(a), unitChannels(b)), 3), [1, 2]));
}

/**
 * `featureSimilarity(anchor, others[k])` for every k at once, as [N, K]: the anchor is
 * normalized once and the others in one stacked pass (what InfoNCE needs: one anchor against
 * K_P + K_N maps), with far fewer kernels than K separate calls.
 *
 * ```ts
 * const s = featureSimilarities(fSr, [fHr, fBlur]); // [N, 2]
 * ```
 */
export function featureSimilarities(anchor: tf.Tensor4D, others: readonly tf.Tensor4D[]): tf.Tensor2D {
  assertNhwcFloat(anchor, "featureSimilarities", "anchor");
  others.forEach((o, k) => assertSameShape(anchor, o, "featureSimilarities", `anchor and others[${k}]`));
  return tf.tidy(() => {
    const unitAnchor = unitChannels(anchor); // [N,H,W,C]
    const unitOthers = unitChannels(tf.stack(others as tf.Tensor4D[], 0) as tf.Tensor5D); // [K,N,H,W,C]
    const perPixel = tf.sum(tf.mul(unitOthers, unitAnchor), -1); // [K,N,H,W]
    return tf.transpose(tf.mean(perPixel, [2, 3])) as tf.Tensor2D; // [N,K]
  });
}
