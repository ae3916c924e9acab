/**
 * Loss nodes. The generator's loss is a weighted sum of terms; the embedding network's (the
 * discriminator's) is the dual contrastive loss of paper Eq. 7 (or the plain non-saturating GAN loss).
 * A loss on E names E and its taps; `NoInfer` makes a tap E does not expose a compile-time error.
 */
import type { EmbeddingNode } from "./embedding.js";

/** Mean absolute error between SR and HR. */
export interface L1Loss { readonly kind: "l1" }

/** Multi-positive InfoNCE over E's features at `taps` (paper Eq. 8-10). */
export interface InfoNceLoss<Tap extends number = number> {
  readonly kind: "infoNce";
  readonly embed: EmbeddingNode<Tap>;
  readonly taps: readonly Tap[];
  /** Temperature; the release has none (tau = 1). */
  readonly tau: number;
  /** Weight of each tap's term (default: equal, averaging over taps). */
  readonly tapWeights: readonly number[];
}

/** Paper Eq. 7: one-against-a-batch softmax cross-entropy on E's patch logits. */
export interface DualContrastiveLoss<Tap extends number = number> {
  readonly kind: "dualContrastive";
  readonly embed: EmbeddingNode<Tap>;
  /** Release option: E(positives) count as real too. */
  readonly realIncludesPositives: boolean;
  /** Release option: E(negatives) count as fake too. */
  readonly fakeIncludesNegatives: boolean;
}

/** softplus(-E(HR)) + softplus(E(SR)): the non-saturating GAN loss (the bench workload's D loss). */
export interface NonSaturatingLoss<Tap extends number = number> { readonly kind: "nonSaturating"; readonly embed: EmbeddingNode<Tap> }

/** One term of the generator's loss and its weight. */
export interface WeightedTerm { readonly weight: number; readonly loss: GeneratorTerm }
/** The generator's loss: the weighted sum of its terms. */
export interface WeightedSum { readonly kind: "weightedSum"; readonly terms: readonly WeightedTerm[] }

/** A loss that can be a term of the generator's weighted sum. */
export type GeneratorTerm = L1Loss | InfoNceLoss;
/** A loss E trains on. */
export type DiscriminatorLoss = DualContrastiveLoss | NonSaturatingLoss;
/** Any loss node. */
export type LossNode = GeneratorTerm | WeightedSum | DiscriminatorLoss;

/** The L1 loss. */
export const l1 = (): L1Loss => Object.freeze({ kind: "l1" });

/**
 * PCL's generator-side contrastive term: multi-positive InfoNCE over E's features at `taps` (default tau 1, equal tap weights). `taps` must be taps of `embed`: anything else does not compile.
 *
 * ```ts
 * infoNce({ embed, taps: [0, 2, 4, 6], tau: 1 })
 * ```
 */
export function infoNce<Tap extends number>(o: {
  readonly embed: EmbeddingNode<Tap>;
  readonly taps: readonly NoInfer<Tap>[];
  readonly tau?: number;
  readonly tapWeights?: readonly number[];
}): InfoNceLoss<Tap> {
  return Object.freeze({
    kind: "infoNce" as const, embed: o.embed, taps: Object.freeze([...o.taps]), tau: o.tau ?? 1,
    tapWeights: Object.freeze([...(o.tapWeights ?? o.taps.map(() => 1 / o.taps.length))]),
  });
}

/** E's loss in PCL (paper Eq. 7), with the release's two options (default off). */
export function dualContrastive<Tap extends number>(o: {
  readonly embed: EmbeddingNode<Tap>;
  readonly realIncludesPositives?: boolean;
  readonly fakeIncludesNegatives?: boolean;
}): DualContrastiveLoss<Tap> {
  return Object.freeze({ kind: "dualContrastive" as const, embed: o.embed, realIncludesPositives: o.realIncludesPositives ?? false, fakeIncludesNegatives: o.fakeIncludesNegatives ?? false });
}

/** The non-saturating GAN loss for E: softplus(-E(HR)) + softplus(E(SR)). */
export const nonSaturating = <Tap extends number>(o: { readonly embed: EmbeddingNode<Tap> }): NonSaturatingLoss<Tap> =>
  Object.freeze({ kind: "nonSaturating" as const, embed: o.embed });

/** sum([[1, l1()], [0.1, infoNce(...)]]): the generator's total loss. */
export const weightedSum = (terms: readonly (readonly [weight: number, loss: GeneratorTerm])[]): WeightedSum =>
  Object.freeze({ kind: "weightedSum" as const, terms: Object.freeze(terms.map(([weight, loss]) => Object.freeze({ weight, loss }))) });
