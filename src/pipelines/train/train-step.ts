/**
 * One PCL iteration (method.md, "Training loop"): SR = G(LR); one step on E with its loss, SR
 * detached; one step on G with L1 + alpha * InfoNCE, E frozen (not updated) but differentiated
 * through, so the contrastive gradient reaches G. (The authors' release computes that term under
 * `no_grad`, so it never trains G there; pcl-stream applies it.) During warm-up G trains on L1
 * alone and E waits (it starts training with the contrastive term).
 *
 * Nothing here reads a tensor back to the host: a step returns its losses as device scalars
 * (`StepTensors`), which the run reads asynchronously (`readStep`) on the steps it logs and frees
 * on the others, so a GPU is never stalled by a synchronous read. Every other tensor is made and
 * freed inside the step.
 */
import * as tf from "@tensorflow/tfjs-core";
import { drawContrast, makeContrast, type Contrast } from "../../compile/contrast.js";
import { hasContrastiveTerm } from "../../dsl/index.js";
import { tapeVariableGrads, untaped } from "../../ops/tape-gradients.js";
import type { TrainBatch } from "../data/index.js";
import { createRng, deriveSeed } from "../data/index.js";
import { learningRate } from "./learning-rate.js";
import type { TrainingState } from "./training-state.js";

/** One step's losses as numbers (what a step event carries). */
export interface StepLosses {
  readonly iteration: number;
  /** E's loss before its update, or null when E is not trained. */
  readonly discriminator: number | null;
  /** G's total loss before its update. */
  readonly generator: number;
  /** G's unweighted terms: l1, infoNce, and each InfoNCE tap's own value (infoNce/tap0, ...). */
  readonly terms: Readonly<Record<string, number>>;
  readonly lrGenerator: number;
  /** Global L2 norm of G's gradient before clipping; null when the step did not compute it. */
  readonly gradNormGenerator: number | null;
  /** Whether the contrastive term was on (past warm-up). */
  readonly contrastive: boolean;
}

/** One step's losses as device scalars, owned by the caller: `readStep` reads and frees them, `disposeStep` frees them. */
export interface StepTensors {
  readonly iteration: number;
  readonly discriminator: tf.Scalar | null;
  readonly generator: tf.Scalar;
  readonly terms: ReadonlyMap<string, tf.Scalar>;
  readonly lrGenerator: number;
  readonly gradNormGenerator: tf.Scalar | null;
  /** Global L2 norm of E's gradient, when asked for (`gradNorm`) and E trained this step. */
  readonly gradNormEmbedding: tf.Scalar | null;
  readonly contrastive: boolean;
}

export interface StepOptions {
  /** Compute G's (and E's) gradient norm even without clipping (for a logged step, or the finite check). Default true. */
  readonly gradNorm?: boolean;
}

/** Salt for the per-iteration generator of contrast draws (the data pipeline uses its own). */
const CONTRAST_STREAM = 0x5eed_c0;

export function trainStep(s: TrainingState, batch: TrainBatch, options: StepOptions = {}): StepTensors {
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

  let result!: Pick<StepTensors, "discriminator" | "generator" | "terms" | "gradNormGenerator">;
  let gradNormEmbedding: tf.Scalar | null = null;
  const wantNorm = options.gradNorm ?? true;
  tf.tidy(() => {
    const lr = tf.tensor4d(batch.lr, [n, p, p, 3]);
    const hr = tf.tensor4d(batch.hr, [n, P, P, 3]);
    const contrast = draws ? makeContrast(spec, hr, lr, draws) : undefined;
    // E trains once the contrastive term is on (or at once when the spec has no contrastive
    // term but trains E): warm-up iterations are pure L1 steps on G.
    const trainE = contrastive || (!hasContrastiveTerm(spec) && it >= t.warmup);
    let discriminator: tf.Scalar | null = null;
    // The D step runs on the SR of G's own forward pass (one G forward per iteration), before
    // G's loss reads E: the order of method.md, SR = G(LR); D step; G step.
    const keepNorm = wantNorm ? (norm: tf.Scalar) => { gradNormEmbedding = norm; } : undefined;
    const dStep = trainE ? (sr: tf.Tensor4D) => { discriminator = discriminatorStep(s, sr, hr, contrast, lrE, keepNorm); } : undefined;
    const g = generatorStep(s, lr, hr, contrast, contrastive ? 1 : 0, lrG, dStep, wantNorm);
    result = { discriminator, ...g };
  });
  s.ema?.update(s.generator.variables);
  s.iteration = it + 1;
  return { iteration: it, ...result, gradNormEmbedding, lrGenerator: lrG, contrastive };
}

/** Reads a step's scalars in one transfer and frees them. */
export async function readStep(step: StepTensors): Promise<StepLosses> {
  const names = [...step.terms.keys()];
  const scalars = [step.generator, step.discriminator, step.gradNormGenerator, ...names.map((k) => step.terms.get(k)!)];
  const packed = tf.tidy(() => tf.stack(scalars.map((v) => v ?? tf.scalar(0))));
  try {
    const values = await packed.data();
    return {
      iteration: step.iteration, lrGenerator: step.lrGenerator, contrastive: step.contrastive,
      generator: values[0],
      discriminator: step.discriminator ? values[1] : null,
      gradNormGenerator: step.gradNormGenerator ? values[2] : null,
      terms: Object.fromEntries(names.map((k, i) => [k, values[3 + i]])),
    };
  } finally {
    packed.dispose();
    disposeStep(step);
  }
}

export function disposeStep(step: StepTensors): void {
  tf.dispose([step.generator, ...(step.discriminator ? [step.discriminator] : []), ...(step.gradNormGenerator ? [step.gradNormGenerator] : []), ...(step.gradNormEmbedding ? [step.gradNormEmbedding] : []), ...step.terms.values()]);
}

/**
 * One update of E on its loss against `sr`, which is treated as detached: only E's variables
 * are differentiated. Returns E's loss before the update (kept: the caller frees it), or null
 * when E is not trained. Its gradient is taken on a tape of its own, so it may run inside G's
 * forward pass (see generatorStep) without adding to G's tape. `keepNorm`, when given, receives the
 * global L2 norm of E's gradient before clipping (kept: the receiver frees it).
 */
export function discriminatorStep(s: TrainingState, sr: tf.Tensor4D, hr: tf.Tensor4D, contrast: Contrast | undefined, rate: number, keepNorm?: (norm: tf.Scalar) => void): tf.Scalar | null {
  if (!s.discriminatorLoss || !s.embedding || !s.adamE) return null;
  const dLoss = s.discriminatorLoss;
  const embedding = s.embedding, adamE = s.adamE;
  return untaped(() => tf.tidy(() => {
    const { value, grads } = tapeVariableGrads(() => dLoss(sr, hr, contrast), [...embedding.variables.values()]);
    const clipped = clip(byPath(grads, embedding.variables), s.spec.train.clipGradNorm, keepNorm !== undefined);
    if (keepNorm && clipped.norm) keepNorm(tf.keep(clipped.norm));
    adamE.apply(clipped.grads, rate);
    return tf.keep(value);
  }));
}

/**
 * One update of G on L1 + alpha * InfoNCE (alpha scaled by `contrastiveScale`); E is read, not
 * updated, and the gradient flows through it into G. `onSr`, when given, runs on G's output
 * before the loss (the D step), off G's tape: what it does to E's variables is not on the path
 * from G's weights to G's loss, so G's gradient is unchanged by it, and E's update is seen by G's
 * loss. Returns G's loss, its terms and (when asked or when clipping) its gradient norm, kept.
 */
export function generatorStep(s: TrainingState, lr: tf.Tensor4D, hr: tf.Tensor4D, contrast: Contrast | undefined, contrastiveScale: number, rate: number, onSr?: (sr: tf.Tensor4D) => void, gradNorm = true) {
  const terms = new Map<string, tf.Scalar>();
  let result!: { generator: tf.Scalar; terms: ReadonlyMap<string, tf.Scalar>; gradNormGenerator: tf.Scalar | null };
  tf.tidy(() => {
    const { value, grads } = tapeVariableGrads(() => {
      const sr = s.generator.apply(lr);
      if (onSr) untaped(() => onSr(sr));
      const parts = s.generatorLoss(sr, hr, contrast, contrastiveScale);
      for (const [k, v] of parts.terms) terms.set(k, tf.keep(v));
      return parts.total;
    }, [...s.generator.variables.values()]);
    const clipped = clip(byPath(grads, s.generator.variables), s.spec.train.clipGradNorm, gradNorm);
    s.adamG.apply(clipped.grads, rate);
    result = { generator: tf.keep(value), terms, gradNormGenerator: clipped.norm ? tf.keep(clipped.norm) : null };
  });
  return result;
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

/**
 * Scales all gradients so their global L2 norm is at most `max` (no-op when max is null), on the
 * device: no read-back. The norm is computed only when clipping or `wantNorm` needs it.
 */
function clip(grads: Record<string, tf.Tensor>, max: number | null, wantNorm: boolean): { grads: Record<string, tf.Tensor>; norm: tf.Scalar | null } {
  const list = Object.values(grads);
  if (list.length === 0 || (max === null && !wantNorm)) return { grads, norm: null };
  // stack + sum, not addN: WebGPU's AddN binds every input at once, past its 8-buffer limit.
  const norm = tf.sqrt(tf.sum(tf.stack(list.map((g) => tf.sum(tf.square(g)))))) as tf.Scalar;
  if (max === null) return { grads, norm };
  const k = tf.minimum(1, tf.div(max, norm));
  return { grads: Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, tf.mul(g, k)])), norm };
}
