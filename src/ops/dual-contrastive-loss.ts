/**
 * The discriminator's "dual contrastive" loss (method.md part 6, paper Eq. 7): every real
 * logit r_i is classified against all fake logits, and every negated fake logit against all
 * negated real logits:
 *   L = mean_i -log( e^{r_i} / (e^{r_i} + sum_j e^{f_j}) )
 *     + mean_j -log( e^{-f_j} / (e^{-f_j} + sum_i e^{-r_i}) )
 * Each patch logit is one sample (E gives 16 per image). Same as the release's
 * `contrastive_D_loss`.
 */
import * as tf from "@tensorflow/tfjs-core";
import { assertOp, shapeText } from "./op-assert.js";

/**
 * The loss above, for logits of any shape (flattened). Stable: the terms are
 * softplus(logsumexp(f) - r_i) and softplus(logsumexp(-r) + f_j). Differentiable in both.
 *
 * ```ts
 * const lossD = dualContrastiveLoss(embed(hr), embed(srDetached)); // logits [N,4,4,1] each
 * ```
 * @param real E's logits for real (HR-like) inputs, at least one.
 * @param fake E's logits for fake (SR-like) inputs, at least one.
 */
export function dualContrastiveLoss(real: tf.Tensor, fake: tf.Tensor): tf.Scalar {
  assertOp(real.size > 0 && fake.size > 0, "dualContrastiveLoss", () =>
    `real and fake need at least one logit each, got ${shapeText(real.shape)} and ${shapeText(fake.shape)}`);
  assertOp(real.dtype === "float32" && fake.dtype === "float32", "dualContrastiveLoss", () =>
    `logits must be float32, got ${real.dtype} and ${fake.dtype}`);
  return tf.tidy(() => {
    const r = tf.reshape(real, [-1]);
    const f = tf.reshape(fake, [-1]);
    const realTerm = tf.mean(tf.softplus(tf.sub(tf.logSumExp(f), r)));
    const fakeTerm = tf.mean(tf.softplus(tf.add(tf.logSumExp(tf.neg(r)), f)));
    return tf.add(realTerm, fakeTerm);
  });
}
