/**
 * Time left in a training run, from what the run has shown so far: the mean time of the more recent
 * half of the training steps of each phase (warm-up, then contrastive; at most the last 200), the
 * run's first step left out (it also compiles kernels and allocates) and the early ones outgrown
 * (they also decode images on first use), plus the validations and checkpoints still to come at
 * their own measured cost. Until a contrastive step has been timed, one is priced at a warm-up
 * step times `contrastiveCost` (`contrastiveStepCost`: the two steps' FLOPs). Before a second step
 * has finished there is no estimate.
 *
 * ```ts
 * const eta = createEta({ iterations: 1000, validateEvery: 250, warmup: 900, contrastiveCost: contrastiveStepCost(spec) });
 * eta.step(1_900, 1);       // ms of the step that completed iteration 1
 * eta.validation(12_000);   // ms of one validation + checkpoint
 * eta.secondsLeft(10);      // after 10 iterations
 * ```
 */
import { hasContrastiveTerm, summarize, type PclSpec } from "../../dsl/index.js";

export interface Eta {
  /** Records the duration (ms, data wait included) of the step that completed iteration `done`. */
  step(ms: number, done: number): void;
  /** Records one validation and its checkpoints (ms). */
  validation(ms: number): void;
  /** Seconds left after `done` iterations, or null while there is too little to go on. */
  secondsLeft(done: number): number | null;
}

/**
 * A contrastive iteration's cost over a warm-up (L1-only) one's, by FLOPs: a warm-up step is G's
 * forward and backward (3 G); a contrastive one adds E over 16 image sets' worth: the D step's
 * forward (HR, SR) and backward (2 + 4), G's loss through E on SR (1 + 1) and E's forward on the 4
 * positives and 4 negatives (8). 1 when the spec has no contrastive term.
 */
export function contrastiveStepCost(spec: PclSpec): number {
  if (!hasContrastiveTerm(spec)) return 1;
  const { generator, embedding } = summarize(spec);
  return (3 * generator.flopsPerLrPixel + 16 * embedding.flopsPerLrPixel) / (3 * generator.flopsPerLrPixel);
}

/** Most steps the mean is taken over. */
const WINDOW = 200;

export function createEta(o: {
  readonly iterations: number; readonly validateEvery: number;
  /** Iterations of L1 only before the contrastive term (0: none). */
  readonly warmup?: number;
  /** A contrastive step's time over a warm-up step's, used until a contrastive step is timed. Default 1. */
  readonly contrastiveCost?: number;
}): Eta {
  const warmup = o.warmup ?? 0, cost = o.contrastiveCost ?? 1;
  let steps = 0;
  const recent = { warmup: [] as number[], contrastive: [] as number[] };
  let validations = 0, validationMs = 0;
  const validationsAfter = (done: number) => {
    // validations at each multiple of validateEvery after `done`, and one at the end if it is not a multiple
    const multiples = Math.floor(o.iterations / o.validateEvery) - Math.floor(done / o.validateEvery);
    return multiples + (o.iterations % o.validateEvery !== 0 && done < o.iterations ? 1 : 0);
  };
  const recentMean = (list: number[]) => {
    const half = list.slice(list.length >> 1);
    return half.length ? half.reduce((a, b) => a + b, 0) / half.length : null;
  };
  return {
    step(ms, done) {
      steps += 1;
      if (steps === 1) return;
      const list = done <= warmup ? recent.warmup : recent.contrastive;
      list.push(ms);
      if (list.length > WINDOW) list.shift();
    },
    validation(ms) {
      validations += 1;
      validationMs += ms;
    },
    secondsLeft(done) {
      if (steps < 2) return null;
      const warm = recentMean(recent.warmup), contrastive = recentMean(recent.contrastive);
      const perWarmup = warm ?? (contrastive ?? 0) / cost;
      const perContrastive = contrastive ?? perWarmup * cost;
      const warmupLeft = Math.max(0, Math.min(warmup, o.iterations) - done);
      const contrastiveLeft = Math.max(0, o.iterations - Math.max(done, warmup));
      const perValidation = validations > 0 ? validationMs / validations : 0;
      return (warmupLeft * perWarmup + contrastiveLeft * perContrastive + validationsAfter(done) * perValidation) / 1000;
    },
  };
}
