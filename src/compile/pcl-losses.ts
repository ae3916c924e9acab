/**
 * PCL's two losses compiled from the spec: the generator's weighted sum (L1 + alpha * InfoNCE
 * over E's taps, Eq. 11) and the embedding network's (dual contrastive, Eq. 7, or non-saturating).
 * Pure functions of tensors; the caller decides which variables are differentiated.
 */
import * as tf from "@tensorflow/tfjs-core";
import { match } from "ts-pattern";
import type { DiscriminatorLoss, InfoNceLoss, PclSpec } from "../dsl/index.js";
import { dualContrastiveLoss } from "../ops/dual-contrastive-loss.js";
import { infoNce } from "../ops/info-nce.js";
import { l1Loss } from "../ops/l1.js";
import type { Contrast } from "./contrast.js";
import type { Embedding } from "./network.js";

export interface GeneratorLossParts {
  readonly total: tf.Scalar;
  /** Each term unweighted, by kind and position: "l1", "infoNce". */
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
          return contrastiveLoss(loss, embed, sr, contrast);
        })
        .exhaustive();
      terms.set(key, value);
      total = tf.add(total, tf.mul(value, weight));
    });
    return { total, terms };
  };
}

/** InfoNCE averaged over E's taps with the loss's tap weights. */
function contrastiveLoss(loss: InfoNceLoss, embed: Embedding, sr: tf.Tensor4D, contrast: Contrast): tf.Scalar {
  const tapsOf = (x: tf.Tensor4D) => embed.apply(x).taps;
  const srTaps = tapsOf(sr);
  const others = [...contrast.positives, ...contrast.negatives];
  // Without batch norm, every positive and negative goes through E in one pass (bigger, fewer kernels).
  const otherTaps = embed.batchIndependent
    ? splitBatch(tapsOf(tf.concat(others, 0)), others.length)
    : others.map(tapsOf);
  const posTaps = otherTaps.slice(0, contrast.positives.length);
  const negTaps = otherTaps.slice(contrast.positives.length);
  let sum: tf.Scalar = tf.scalar(0);
  loss.taps.forEach((tap, i) => {
    const at = embed.taps.indexOf(tap);
    const layer = infoNce(srTaps[at], posTaps.map((p) => p[at]), negTaps.map((n) => n[at]), loss.tau);
    sum = tf.add(sum, tf.mul(layer, loss.tapWeights[i]));
  });
  return sum;
}

/** Taps of K stacked image sets back into K lists of taps. */
function splitBatch(taps: readonly tf.Tensor4D[], sets: number): tf.Tensor4D[][] {
  const perTap = taps.map((t) => tf.split(t, sets, 0) as tf.Tensor4D[]);
  return Array.from({ length: sets }, (_, k) => perTap.map((parts) => parts[k]));
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
