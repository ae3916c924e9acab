/** The error that stops a run whose loss or gradient became NaN or infinite (see finite-guard.ts). */
import type { NonFiniteStep } from "./finite-guard.js";

/** Where the last checkpoint written from finite weights is, if any. */
export interface GoodCheckpoint {
  readonly dir: string;
  /** Iterations completed in it (where a resume continues). */
  readonly iteration: number;
}

/**
 * A step's loss or gradient was NaN or infinite: the run stopped before writing any checkpoint from
 * those weights, so `checkpoint` (OUT/latest) still holds the last good state, and a resume with a
 * lower learning rate can continue from it.
 */
export class NonFiniteError extends Error {
  override readonly name = "NonFiniteError";
  /** The iteration as a log line counts it (1-based: `it 12/1000` is step index 11). */
  readonly iteration: number;
  readonly terms: NonFiniteStep["terms"];
  constructor(step: NonFiniteStep, readonly checkpoint: GoodCheckpoint | null) {
    super(`iteration ${step.index + 1}: ${step.terms.map((t) => `${t.name} is ${t.kind}`).join(", ")}; the run stopped without checkpointing these weights; `
      + (checkpoint ? `the last good checkpoint is ${checkpoint.dir} (iteration ${checkpoint.iteration})` : "no checkpoint had been written yet"));
    this.iteration = step.index + 1;
    this.terms = step.terms;
  }
}
