/**
 * One PCL iteration (method.md, "Training loop"): SR = G(LR); one step on E with its loss, SR
 * detached; one step on G with L1 + alpha * InfoNCE, E frozen (not updated) but differentiated
 * through, so the contrastive gradient reaches G. (The authors' release computes that term under
 * `no_grad`, so it never trains G there; pcl-stream applies it.) During warm-up G trains on L1
 * alone and E waits (it starts training with the contrastive term). Every tensor is made and
 * freed inside the step.
 */
import * as tf from "@tensorflow/tfjs-core";
import { drawContrast, makeContrast, type Contrast } from "../../compile/contrast.js";
import { hasContrastiveTerm } from "../../dsl/index.js";
import type { TrainBatch } from "../data/index.js";
import { createRng, deriveSeed } from "../data/index.js";
import { learningRate } from "./learning-rate.js";
import type { TrainingState } from "./training-state.js";

export interface StepLosses {
  readonly iteration: number;
  /** E's loss before its update, or null when E is not trained. */
  readonly discriminator: number | null;
  /** G's total loss before its update. */
  readonly generator: number;
  /** G's unweighted terms: l1, infoNce. */
  readonly terms: Readonly<Record<string, number>>;
  readonly lrGenerator: number;
  readonly gradNormGenerator: number;
  /** Whether the contrastive term was on (past warm-up). */
  readonly contrastive: boolean;
}

/** Salt for the per-iteration generator of contrast draws (the data pipeline uses its own). */
const CONTRAST_STREAM = 0x5eed_c0;

export function trainStep(s: TrainingState, batch: TrainBatch): StepLosses {
  const { spec } = s;
  const it = s.iteration;
  const t = spec.train;
  const contrastive = hasContrastiveTerm(spec) && it >= t.warmup;
  const needContrast = contrastive || (s.discriminatorLoss !== undefined && needsContrastForE(s));
  const rng = createRng(deriveSeed(s.seed, CONTRAST_STREAM, it));
  const draws = needContrast ? drawContrast(spec, batch.batchSize, () => rng.next()) : undefined;
  const lrG = learningRate(t.optimizers.generator.lr, t.schedule, it);
  const lrE = learningRate(t.optimizers.embedding.lr, t.schedule, it);
  const p = batch.patch, P = p * batch.scale, n = batch.batchSize;

  let result = { discriminator: null as number | null, generator: 0, terms: {} as Record<string, number>, gradNormGenerator: 0 };
  tf.tidy(() => {
    const lr = tf.tensor4d(batch.lr, [n, p, p, 3]);
    const hr = tf.tensor4d(batch.hr, [n, P, P, 3]);
    const contrast = draws ? makeContrast(spec, hr, lr, draws) : undefined;
    // E trains once the contrastive term is on (or at once when the spec has no contrastive
    // term but trains E): warm-up iterations are pure L1 steps on G.
    const trainE = contrastive || (!hasContrastiveTerm(spec) && it >= t.warmup);
    let discriminator: number | null = null;
    // The D step runs on the SR of G's own forward pass (one G forward per iteration), before
    // G's loss reads E: the order of method.md, SR = G(LR); D step; G step.
    const dStep = trainE ? (sr: tf.Tensor4D) => { discriminator = discriminatorStep(s, sr, hr, contrast, lrE); } : undefined;
    const g = generatorStep(s, lr, hr, contrast, contrastive ? 1 : 0, lrG, dStep);
    result = { discriminator, ...g };
  });
  s.ema?.update(s.generator.variables);
  s.iteration = it + 1;
  return { iteration: it, ...result, lrGenerator: lrG, contrastive };
}

/**
 * One update of E on its loss against `sr`, which is treated as detached: only E's variables
 * are differentiated. Returns E's loss before the update, or null when E is not trained.
 * Call inside tf.tidy (it may run inside G's gradient scope: see generatorStep).
 */
export function discriminatorStep(s: TrainingState, sr: tf.Tensor4D, hr: tf.Tensor4D, contrast: Contrast | undefined, rate: number): number | null {
  if (!s.discriminatorLoss || !s.embedding || !s.adamE) return null;
  const dLoss = s.discriminatorLoss;
  const { value, grads } = tf.variableGrads(() => dLoss(sr, hr, contrast), [...s.embedding.variables.values()]);
  s.adamE.apply(clip(byPath(grads, s.embedding.variables), s.spec.train.clipGradNorm).grads, rate);
  return value.dataSync()[0];
}

/**
 * One update of G on L1 + alpha * InfoNCE (alpha scaled by `contrastiveScale`); E is read, not
 * updated, and the gradient flows through it into G. `onSr`, when given, runs on G's output
 * before the loss (the D step): what it does to E's variables is not on the path from G's
 * weights to G's loss, so G's gradient is unchanged by it, and E's update is seen by G's loss.
 * Call inside tf.tidy.
 */
export function generatorStep(s: TrainingState, lr: tf.Tensor4D, hr: tf.Tensor4D, contrast: Contrast | undefined, contrastiveScale: number, rate: number, onSr?: (sr: tf.Tensor4D) => void) {
  const terms: Record<string, number> = {};
  const { value, grads } = tf.variableGrads(() => {
    const sr = s.generator.apply(lr);
    onSr?.(sr);
    const parts = s.generatorLoss(sr, hr, contrast, contrastiveScale);
    for (const [k, v] of parts.terms) terms[k] = v.dataSync()[0];
    return parts.total;
  }, [...s.generator.variables.values()]);
  const clipped = clip(byPath(grads, s.generator.variables), s.spec.train.clipGradNorm);
  s.adamG.apply(clipped.grads, rate);
  return { generator: value.dataSync()[0], terms, gradNormGenerator: clipped.norm };
}

/** E's loss needs positives/negatives only with the release's options. */
function needsContrastForE(s: TrainingState): boolean {
  const d = s.spec.losses.discriminator;
  return d?.kind === "dualContrastive" && (d.realIncludesPositives || d.fakeIncludesNegatives);
}

/** tfjs keys gradients by variable name; the optimizer by the weight's path. */
function byPath(grads: tf.NamedTensorMap, variables: ReadonlyMap<string, tf.Variable>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [path, v] of variables) { const g = grads[v.name]; if (g) out[path] = g; }
  return out;
}

/** Scales all gradients so their global L2 norm is at most `max` (no-op when max is null); returns the norm before. */
function clip(grads: Record<string, tf.Tensor>, max: number | null): { grads: Record<string, tf.Tensor>; norm: number } {
  const list = Object.values(grads);
  const norm = list.length ? Math.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g)))).dataSync()[0]) : 0;
  if (max === null || norm <= max) return { grads, norm };
  const k = max / norm;
  return { grads: Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, tf.mul(g, k)])), norm };
}
