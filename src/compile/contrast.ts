/**
 * Positives and negatives for PCL (method.md, Parts 3-4), made from the ground truth of a batch.
 * The random parameters are drawn first (`drawContrast`, plain numbers from a seeded generator)
 * and applied second (`makeContrast`, tensors), so the tensor side stays a pure function.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { PclSpec } from "../dsl/index.js";
import { gaussianBlur, type BlurKernel } from "../ops/gaussian-blur.js";
import { imresize } from "../ops/imresize.js";
import { sharpen } from "../ops/sharpen.js";

/** Everything random about one batch's positives and negatives. */
export interface ContrastDraws {
  /** [positive j][sample n]: the sharpness factor of each sharpened positive. */
  readonly sharpenFactors: readonly (readonly number[])[];
  /** [negative k][sample n]: the blur kernel of each blurred negative. */
  readonly blurKernels: readonly (readonly BlurKernel[])[];
  /** [negative k][sample n]: with source "batch", which other sample's HR is the negative. */
  readonly batchPartners: readonly (readonly number[])[];
}

export interface Contrast {
  /** K_P tensors [N, H, W, 3]. */
  readonly positives: readonly tf.Tensor4D[];
  /** K_N tensors [N, H, W, 3]. */
  readonly negatives: readonly tf.Tensor4D[];
}

const uniform = (rand: () => number, lo: number, hi: number) => lo + (hi - lo) * rand();

export function drawContrast(spec: PclSpec, batch: number, rand: () => number): ContrastDraws {
  const { positives: pos, negatives: neg } = spec;
  const sharpened = pos.count - (pos.includeHr ? 1 : 0);
  const sharpenFactors = Array.from({ length: sharpened }, () => Array.from({ length: batch }, () => uniform(rand, pos.augment.min, pos.augment.max)));
  const blurred = neg.source === "blur" ? neg.count - (neg.includeLr ? 1 : 0) : 0;
  const blurKernels = Array.from({ length: blurred }, () => Array.from({ length: batch }, () => ({
    size: neg.augment.sizes[Math.floor(rand() * neg.augment.sizes.length)],
    sigmaX: uniform(rand, neg.augment.sigmaMin, neg.augment.sigmaMax),
    sigmaY: uniform(rand, neg.augment.sigmaMin, neg.augment.sigmaMax),
  })));
  // "batch": K_N distinct other samples per sample (a shuffled list of the others).
  const batchPartners: number[][] = Array.from({ length: neg.source === "batch" ? neg.count : 0 }, () => new Array<number>(batch));
  if (neg.source === "batch") {
    for (let n = 0; n < batch; n++) {
      const others = Array.from({ length: batch - 1 }, (_, i) => (i < n ? i : i + 1));
      for (let i = others.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [others[i], others[j]] = [others[j], others[i]]; }
      for (let k = 0; k < neg.count; k++) batchPartners[k][n] = others[k];
    }
  }
  return { sharpenFactors, blurKernels, batchPartners };
}

/** Applies the draws to a batch's HR (and LR, for LR negatives). Call inside tf.tidy. */
export function makeContrast(spec: PclSpec, hr: tf.Tensor4D, lr: tf.Tensor4D, draws: ContrastDraws): Contrast {
  const positives = [...(spec.positives.includeHr ? [hr] : []), ...draws.sharpenFactors.map((f) => sharpen(hr, f))];
  const lrUp = () => imresize(lr, { height: hr.shape[1], width: hr.shape[2] });
  const negatives = spec.negatives.source === "lr"
    ? [lrUp()]
    : spec.negatives.source === "batch"
      ? draws.batchPartners.map((idx) => tf.gather(hr, idx))
      : [...(spec.negatives.includeLr ? [lrUp()] : []), ...draws.blurKernels.map((k) => gaussianBlur(hr, k))];
  return { positives, negatives };
}
