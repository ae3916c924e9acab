/**
 * Time left in a training run, from what the run has shown so far: the mean time of the more recent
 * half of the training steps (at most the last 200), the first step left out (it also compiles
 * kernels and allocates) and the early ones outgrown (they also decode images on first use), plus
 * the validations and checkpoints still to come at their own measured cost. Before a second step
 * has finished there is no estimate.
 *
 * ```ts
 * const eta = createEta({ iterations: 1000, validateEvery: 250, startIteration: 0 });
 * eta.step(1_900);          // ms of one step
 * eta.validation(12_000);   // ms of one validation + checkpoint
 * eta.secondsLeft(10);      // after 10 iterations
 * ```
 */
export interface Eta {
  /** Records one training step's duration (ms), data wait included. */
  step(ms: number): void;
  /** Records one validation and its checkpoints (ms). */
  validation(ms: number): void;
  /** Seconds left after `done` iterations, or null while there is too little to go on. */
  secondsLeft(done: number): number | null;
}

/** Most steps the mean is taken over. */
const WINDOW = 200;

export function createEta(o: { readonly iterations: number; readonly validateEvery: number; readonly startIteration: number }): Eta {
  let steps = 0;
  const recent: number[] = [];
  let validations = 0, validationMs = 0;
  const validationsAfter = (done: number) => {
    // validations at each multiple of validateEvery after `done`, and one at the end if it is not a multiple
    const multiples = Math.floor(o.iterations / o.validateEvery) - Math.floor(done / o.validateEvery);
    return multiples + (o.iterations % o.validateEvery !== 0 && done < o.iterations ? 1 : 0);
  };
  return {
    step(ms) {
      steps += 1;
      if (steps === 1) return;
      recent.push(ms);
      if (recent.length > WINDOW) recent.shift();
    },
    validation(ms) {
      validations += 1;
      validationMs += ms;
    },
    secondsLeft(done) {
      if (steps < 2) return null;
      const half = recent.slice(recent.length >> 1);
      const perStep = half.reduce((a, b) => a + b, 0) / half.length;
      const perValidation = validations > 0 ? validationMs / validations : 0;
      return (Math.max(0, o.iterations - done) * perStep + validationsAfter(done) * perValidation) / 1000;
    },
  };
}
