/**
 * Watching a run for NaN and infinity without a device read per step or per tensor: each step folds
 * its watched scalars (G's loss and each of its terms, E's loss, the global L2 norms of G's and E's
 * gradients) into a latch held on the device, which remembers the first iteration where one of them
 * was not finite and which ones were. `check()` reads the latch in one transfer; the loop calls it
 * where it reads the losses anyway (logged steps) and before every checkpoint, so a checkpoint is
 * never written from weights a non-finite step has touched.
 *
 * A non-finite gradient shows in its global norm (a NaN or infinite element makes the sum of squares
 * NaN or infinite), so one norm per network checks every gradient tensor.
 */
import * as tf from "@tensorflow/tfjs-core";

/** What a watched scalar was: NaN, +/-infinity. */
export type NonFiniteKind = "NaN" | "infinite";

/** The first non-finite step since the run (or resume) began. */
export interface NonFiniteStep {
  /** 0-based index of the step (the iteration a log line shows as `it <index + 1>`). */
  readonly index: number;
  /** The watched names that were not finite in that step, in the order they were watched. */
  readonly terms: readonly { readonly name: string; readonly kind: NonFiniteKind }[];
}

export interface FiniteGuard {
  /** Folds one step's scalars (null: not computed this step) into the latch, on the device. */
  watch(index: number, scalars: readonly (readonly [string, tf.Scalar | null])[]): void;
  /** The first non-finite step folded in so far, or null (one device read). */
  check(): Promise<NonFiniteStep | null>;
  dispose(): void;
}

/** 0 when finite, 1 when NaN, 2 when infinite (float32). */
const codeOf = (x: tf.Scalar): tf.Scalar => tf.tidy(() => {
  const v = tf.cast(x, "float32");
  return tf.add(tf.cast(tf.notEqual(v, v), "float32"), tf.mul(2, tf.cast(tf.equal(tf.abs(v), Infinity), "float32")));
});

export function createFiniteGuard(): FiniteGuard {
  /** -1 until a bad step is seen, then that step's index. */
  let first: tf.Scalar = tf.keep(tf.scalar(-1));
  /** Per watched name: its code in the first bad step (0 before one). */
  const codes = new Map<string, tf.Scalar>();
  return {
    watch(index, scalars) {
      for (const [name] of scalars) if (!codes.has(name)) codes.set(name, tf.keep(tf.scalar(0)));
      let nextFirst!: tf.Scalar;
      const latched: [string, tf.Scalar][] = [];
      tf.tidy(() => {
        const now = scalars.map(([name, s]) => [name, s ? codeOf(s) : tf.scalar(0)] as const);
        const bad = tf.greater(tf.max(tf.stack(now.map(([, c]) => c))), 0);
        const fresh = tf.cast(tf.logicalAnd(bad, tf.less(first, 0)), "float32");
        for (const [name, c] of now) latched.push([name, tf.keep(tf.add(codes.get(name)!, tf.mul(fresh, c)))]);
        nextFirst = tf.keep(tf.add(first, tf.mul(fresh, index + 1)));
      });
      first.dispose();
      first = nextFirst;
      for (const [name, c] of latched) { codes.get(name)!.dispose(); codes.set(name, c); }
    },
    async check() {
      const names = [...codes.keys()];
      const packed = tf.tidy(() => tf.stack([first, ...names.map((n) => codes.get(n)!)]));
      let values: Float32Array | Int32Array | Uint8Array;
      try { values = await packed.data(); } finally { packed.dispose(); }
      if (values[0] < 0) return null;
      const terms = names.flatMap((name, i) => (values[1 + i] === 0 ? [] : [{ name, kind: values[1 + i] === 1 ? "NaN" as const : "infinite" as const }]));
      return { index: values[0], terms };
    },
    dispose() { first.dispose(); for (const c of codes.values()) c.dispose(); codes.clear(); },
  };
}
