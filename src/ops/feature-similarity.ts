/**
 * The similarity s(x, y) between two feature maps in PCL's contrastive loss (method.md part 7,
 * paper Eq. 9): the mean over pixels of the cosine similarity of the channel vectors.
 */
import * as tf from "@tensorflow/tfjs-core";
import { assertNhwcFloat, assertOp, assertSameShape, shapeText } from "./op-assert.js";

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
 * `featureSimilarity(anchor, others[k])` for every k at once, as [N, K]: what InfoNCE needs, one
 * anchor against K_P + K_N maps. `others` is either K maps [N,H,W,C] or one sample-major stack
 * [N,K,H,W,C] (what a single pass of E over K sets of N images gives after a reshape, with no
 * copy). Written as one batched matrix product of the unit-normalized maps (per sample n:
 * [1, HWC] x [HWC, K]), so no [K,N,H,W,C] product is materialized; differentiable in both inputs.
 *
 * ```ts
 * const s = featureSimilarities(fSr, [fHr, fBlur]); // [N, 2]
 * ```
 */
export function featureSimilarities(anchor: tf.Tensor4D, others: readonly tf.Tensor4D[] | tf.Tensor5D): tf.Tensor2D {
  assertNhwcFloat(anchor, "featureSimilarities", "anchor");
  const [n, h, w, c] = anchor.shape;
  if (Array.isArray(others)) {
    others.forEach((o, k) => assertSameShape(anchor, o, "featureSimilarities", `anchor and others[${k}]`));
  } else {
    const stacked = others as tf.Tensor5D;
    assertOp(stacked.rank === 5 && stacked.dtype === "float32" && stacked.shape[0] === n && stacked.shape.slice(2).every((d, i) => d === anchor.shape[i + 1]), "featureSimilarities", () =>
      `others must be float32 [N,K,H,W,C] = [${n},K,${h},${w},${c}] to match the anchor, got ${stacked.dtype} ${shapeText(stacked.shape)}`);
  }
  return tf.tidy(() => {
    const stacked = Array.isArray(others) ? tf.stack(others as tf.Tensor4D[], 1) as tf.Tensor5D : others as tf.Tensor5D;
    const k = stacked.shape[1];
    const unitAnchor = tf.reshape(unitChannels(anchor), [n, 1, h * w * c]);
    const unitOthers = tf.reshape(unitChannels(stacked), [n, k, h * w * c]);
    return tf.reshape(tf.mul(tf.matMul(unitAnchor, unitOthers, false, true), 1 / (h * w)), [n, k]) as tf.Tensor2D;
  });
}
