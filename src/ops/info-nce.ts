/**
 * PCL's multi-positive InfoNCE at one tapped layer (method.md part 7, paper Eq. 8-10):
 *   L = mean over n of (1/K_P) sum_j -log( e^{p_nj/tau} / (e^{p_nj/tau} + sum_k e^{q_nk/tau}) )
 * where p_nj = s(f_n, positive_j), q_nk = s(f_n, negative_k). Each positive competes only with
 * the negatives (not with the other positives), as in the paper and the release's
 * cross-entropy over [p_j, q_1..q_KN].
 */
import * as tf from "@tensorflow/tfjs-core";
import { featureSimilarities } from "./feature-similarity.js";
import { assertNhwcFloat, assertOp, assertSameShape, shapeText } from "./op-assert.js";

/**
 * The loss from precomputed similarities. Stable: each term is
 * softplus(logsumexp_k(q_nk/tau) - p_nj/tau), the same quantity without exponentials of
 * large numbers. Differentiable in both inputs.
 *
 * ```ts
 * const loss = infoNceFromSimilarities(tf.tensor2d([[0.9, 0.8]]), tf.tensor2d([[0.1, 0.2, 0.3]]), 1);
 * ```
 * @param positives [N, K_P], K_P >= 1.
 * @param negatives [N, K_N], K_N >= 1.
 * @param tau temperature > 0 (the release uses 1).
 */
export function infoNceFromSimilarities(positives: tf.Tensor2D, negatives: tf.Tensor2D, tau: number): tf.Scalar {
  const op = "infoNceFromSimilarities";
  assertOp(positives.rank === 2 && negatives.rank === 2, op, () =>
    `positives and negatives must be rank 2 [N,K], got ${shapeText(positives.shape)} and ${shapeText(negatives.shape)}`);
  assertOp(positives.shape[0] === negatives.shape[0], op, () =>
    `positives and negatives must have the same batch size, got ${shapeText(positives.shape)} and ${shapeText(negatives.shape)}`);
  assertOp(positives.shape[0] > 0 && positives.shape[1] > 0 && negatives.shape[1] > 0, op, () =>
    `need N, K_P, K_N >= 1, got positives ${shapeText(positives.shape)} and negatives ${shapeText(negatives.shape)}`);
  assertOp(Number.isFinite(tau) && tau > 0, op, () => `tau must be finite and > 0, got ${tau}`);
  return tf.tidy(() => {
    const negativeMass = tf.logSumExp(tf.div(negatives, tau), 1, true); // [N, 1]: log sum_k e^{q/tau}
    return tf.mean(tf.softplus(tf.sub(negativeMass, tf.div(positives, tau))));
  });
}

/**
 * The loss from feature maps: f = `anchor` (E's features of SR), positives and negatives all
 * the same shape, similarities by `featureSimilarity`. Differentiable in every input (the G
 * step needs it in the anchor).
 *
 * ```ts
 * const layerLoss = infoNce(fSr, [fHr, fSharp1, fSharp2, fSharp3], [fBlur0, fBlur1, fBlur2, fBlur3], 1);
 * ```
 * @param anchor [N,H,W,C] float32.
 * @param positives K_P >= 1 maps shaped like `anchor`.
 * @param negatives K_N >= 1 maps shaped like `anchor`.
 * @param tau temperature > 0.
 */
export function infoNce(anchor: tf.Tensor4D, positives: readonly tf.Tensor4D[], negatives: readonly tf.Tensor4D[], tau: number): tf.Scalar {
  assertNhwcFloat(anchor, "infoNce", "anchor");
  assertOp(positives.length > 0 && negatives.length > 0, "infoNce", () =>
    `need at least one positive and one negative, got ${positives.length} and ${negatives.length}`);
  positives.forEach((p, j) => assertSameShape(anchor, p, "infoNce", `anchor and positives[${j}]`));
  negatives.forEach((q, k) => assertSameShape(anchor, q, "infoNce", `anchor and negatives[${k}]`));
  return tf.tidy(() => {
    const all = featureSimilarities(anchor, [...positives, ...negatives]); // [N, K_P + K_N]
    const kp = positives.length;
    const [pos, neg] = tf.split(all, [kp, negatives.length], 1) as [tf.Tensor2D, tf.Tensor2D];
    return infoNceFromSimilarities(pos, neg, tau);
  });
}
