/** Training options a graph file declares (command-line flags override some of them). */
import type { MetricName } from "./metrics.js";

/** An Adam optimizer's settings, as `adam()` makes them (PyTorch's Adam: no weight decay). */
export interface AdamSpec {
  readonly kind: "adam";
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}
/** Adam's settings (defaults lr 1e-4, beta1 0.9, beta2 0.999, epsilon 1e-8, PyTorch's). */
export const adam = (o: Partial<Omit<AdamSpec, "kind">> = {}): AdamSpec =>
  Object.freeze({ kind: "adam", lr: o.lr ?? 1e-4, beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999, epsilon: o.epsilon ?? 1e-8 });

/** The learning-rate schedule, applied to both networks' learning rates. */
export type Schedule =
  | { readonly kind: "constant" }
  /** lr * gamma^(number of milestones passed). EDSR/RCAN: halve every 200k. */
  | { readonly kind: "multiStep"; readonly milestones: readonly number[]; readonly gamma: number }
  /** Cosine annealing from lr to minLr over each period, restarting (SGDR). */
  | { readonly kind: "cosineRestarts"; readonly period: number; readonly minLr: number };

/** The learning rate stays as set. */
export const constantLr = (): Schedule => Object.freeze({ kind: "constant" });
/** The learning rate times `gamma` (default 0.5) at each of `milestones` (iterations): EDSR's and RCAN's halving. */
export const multiStep = (milestones: readonly number[], gamma = 0.5): Schedule => Object.freeze({ kind: "multiStep", milestones: Object.freeze([...milestones]), gamma });
/** Cosine annealing from the learning rate to `minLr` (default 1e-7) over each `period` iterations, restarting (SGDR). */
export const cosineRestarts = (period: number, minLr = 1e-7): Schedule => Object.freeze({ kind: "cosineRestarts", period, minLr });

/**
 * Gradient checkpointing of the generator: "blocks" keeps only each residual block's input during
 * the forward pass and recomputes the block in the backward pass; "groups" does so per residual
 * group (RCAN, HAN; EDSR's blocks form one group, its body); "none" keeps every activation.
 */
export type Recompute = "none" | "blocks" | "groups";
/** The recomputation modes, without `"auto"`. */
export const RECOMPUTE_MODES: readonly Recompute[] = Object.freeze(["none", "blocks", "groups"]);

/** The training recipe a spec carries: patch, batch, iterations, optimizers, schedule, warm-up, cadences, seed. */
export interface TrainOptions {
  /** LR patch size (HR patch = patch * scale). */
  readonly patch: number;
  readonly batch: number;
  readonly iterations: number;
  readonly optimizers: { readonly generator: AdamSpec; readonly embedding: AdamSpec };
  /** Applied to both optimizers' learning rates. */
  readonly schedule: Schedule;
  /** Iterations of L1 only before the contrastive term and E's training start. */
  readonly warmup: number;
  /** Exponential moving average of G's weights (decay per iteration), or null. */
  readonly ema: { readonly decay: number } | null;
  /** Clip each network's gradient to this global L2 norm, or null. */
  readonly clipGradNorm: number | null;
  readonly validateEvery: number;
  /**
   * What validation measures. PSNR and SSIM always are (the best checkpoint is the one of best
   * PSNR); "niqe" adds the NIQE of the SR images. Default ["psnr", "ssim"].
   */
  readonly validateMetrics: readonly MetricName[];
  readonly logEvery: number;
  readonly seed: number;
  /** Recomputation in the backward pass (memory for time); "auto" picks the least that fits in memory. */
  readonly recompute: Recompute | "auto";
}

/** The recipe `trainOptions()` starts from: LR patch 48, batch 16, 200k iterations, Adam 1e-4 for both, halved at 200k, validation every 1000. */
export const DEFAULT_TRAIN_OPTIONS: TrainOptions = Object.freeze({
  patch: 48, batch: 16, iterations: 200_000,
  optimizers: Object.freeze({ generator: adam(), embedding: adam() }),
  schedule: multiStep([200_000]), warmup: 0, ema: null, clipGradNorm: null,
  validateEvery: 1000, validateMetrics: Object.freeze(["psnr", "ssim"] as const), logEvery: 10, seed: 1, recompute: "auto",
});

/**
 * A training recipe: `DEFAULT_TRAIN_OPTIONS` with the fields given replaced.
 *
 * ```ts
 * trainOptions({ patch: 24, batch: 16, iterations: 1000, warmup: 900, schedule: multiStep([800, 950]) })
 * ```
 */
export const trainOptions = (o: Partial<TrainOptions> = {}): TrainOptions => Object.freeze({ ...DEFAULT_TRAIN_OPTIONS, ...o });
