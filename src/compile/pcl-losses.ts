/**
 * PCL's two losses compiled from the spec: the generator's weighted sum (L1 + alpha * InfoNCE
 * over E's taps, Eq. 11) and the embedding network's (dual contrastive, Eq. 7, or non-saturating).
 * Pure functions of tensors; the caller decides which variables are differentiated.
 */
import * as tf from "@tensorflow/tfjs-core";
import { match } from "ts-pattern";
import type { DiscriminatorLoss, InfoNceLoss, PclSpec } from "../dsl/index.js";
import { dualContrastiveLoss } from "../ops/dual-contrastive-loss.js";
import { featureSimilaritiesToConstants } from "../ops/feature-similarity.js";
import { infoNceFromSimilarities } from "../ops/info-nce.js";
import { l1Loss } from "../ops/l1.js";
import { untaped } from "../ops/tape-gradients.js";
import type { Contrast } from "./contrast.js";
import type { Embedding } from "./network.js";

export interface GeneratorLossParts {
  readonly total: tf.Scalar;
  /** Each term unweighted, by kind and position: "l1", "infoNce"; and each InfoNCE tap's own value, "infoNce/tap<k>". */
  readonly terms: ReadonlyMap<string, tf.Scalar>;
}

/**
 * `contrastiveScale` multiplies every InfoNCE weight: 0 during warm-up (the term is then not
 * computed at all), 1 after.
 */
export type GeneratorLoss = (sr: tf.Tensor4D, hr: tf.Tensor4D, contrast: Contrast | undefined, contrastiveScale: number) => GeneratorLossParts;

export function compileGeneratorLoss(spec: PclSpec, embed: Embedding | undefined): GeneratorLoss {
  return (sr, hr, contrast, contrastiveScale) => {
    const terms = new Map<string, tf.Scalar>();
    let total: tf.Scalar = tf.scalar(0);
    spec.losses.generator.terms.forEach((term, i) => {
      const key = spec.losses.generator.terms.filter((t) => t.loss.kind === term.loss.kind).length > 1 ? `${term.loss.kind}${i}` : term.loss.kind;
      const weight = term.loss.kind === "infoNce" ? term.weight * contrastiveScale : term.weight;
      if (weight === 0) return;
      const value = match(term.loss)
        .with({ kind: "l1" }, () => l1Loss(sr, hr))
        .with({ kind: "infoNce" }, (loss) => {
          if (!embed || !contrast) throw new Error("the generator's loss has an InfoNCE term but no embedding network or contrast samples were given");
          // Each tap's own (unweighted) InfoNCE is reported beside the term, as `infoNce/tap<k>`.
          return contrastiveLoss(loss, embed, sr, contrast, (tap, v) => terms.set(`${key}/tap${tap}`, v));
        })
        .exhaustive();
      terms.set(key, value);
      total = tf.add(total, tf.mul(value, weight));
    });
    return { total, terms };
  };
}

/** InfoNCE averaged over E's taps with the loss's tap weights; `onTap` is shown each tap's own value. */
function contrastiveLoss(loss: InfoNceLoss, embed: Embedding, sr: tf.Tensor4D, contrast: Contrast, onTap?: (tap: number, value: tf.Scalar) => void): tf.Scalar {
  const srTaps = embed.apply(sr).taps;
  const kp = contrast.positives.length, kn = contrast.negatives.length;
  // Positives and negatives do not depend on G: E's features of them are constants to G's
  // gradient, so E's pass over them is not recorded (its activations are not kept).
  const otherTaps = untaped(() => contrastTaps(embed, [...contrast.positives, ...contrast.negatives]));
  let sum: tf.Scalar = tf.scalar(0);
  loss.taps.forEach((tap, i) => {
    const at = embed.taps.indexOf(tap);
    const [pos, neg] = tf.split(featureSimilaritiesToConstants(srTaps[at], otherTaps[at]), [kp, kn], 1) as [tf.Tensor2D, tf.Tensor2D];
    const value = infoNceFromSimilarities(pos, neg, loss.tau);
    onTap?.(tap, value);
    sum = tf.add(sum, tf.mul(value, loss.tapWeights[i]));
  });
  return sum;
}

/**
 * E's taps of K image sets [N,H,W,3], each as a sample-major stack [N,K,h,w,c]. Without batch
 * norm all K*N images go through E in one pass (fewer, bigger kernels), ordered sample-major so
 * each tap reshapes into the stack without a copy.
 */
function contrastTaps(embed: Embedding, sets: readonly tf.Tensor4D[]): tf.Tensor5D[] {
  const k = sets.length;
  const [n, h, w, c] = sets[0].shape;
  const stackTap = (t: tf.Tensor4D) => tf.reshape(t, [n, k, t.shape[1], t.shape[2], t.shape[3]]) as tf.Tensor5D;
  if (embed.batchIndependent) return embed.apply(tf.reshape(tf.stack(sets as tf.Tensor4D[], 1), [n * k, h, w, c]) as tf.Tensor4D).taps.map(stackTap);
  const perSet = sets.map((x) => embed.apply(x).taps);
  return embed.taps.map((_, at) => tf.stack(perSet.map((taps) => taps[at]), 1) as tf.Tensor5D);
}

/** E's loss on real (HR) against fake (SR, detached by the caller). */
export type DiscriminatorLossFn = (sr: tf.Tensor4D, hr: tf.Tensor4D, contrast: Contrast | undefined) => tf.Scalar;

export function compileDiscriminatorLoss(loss: DiscriminatorLoss, embed: Embedding): DiscriminatorLossFn {
  const logits = (x: tf.Tensor4D) => embed.apply(x).logits;
  return (sr, hr, contrast) =>
    match(loss)
      .with({ kind: "dualContrastive" }, (l) => {
        const real = [hr, ...(l.realIncludesPositives && contrast ? contrast.positives.filter((p) => p !== hr) : [])].map(logits);
        const fake = [sr, ...(l.fakeIncludesNegatives && contrast ? contrast.negatives : [])].map(logits);
        return dualContrastiveLoss(tf.concat(real.map((r) => tf.reshape(r, [-1])), 0), tf.concat(fake.map((f) => tf.reshape(f, [-1])), 0));
      })
      .with({ kind: "nonSaturating" }, () => tf.add(tf.mean(tf.softplus(tf.neg(logits(hr)))), tf.mean(tf.softplus(logits(sr)))) as tf.Scalar)
      .exhaustive();
}
