/**
 * Shared by the test/ops-*.test.ts files: the cpu backend with gradients, a seeded random
 * source, and small plain-JS (float64) helpers used to build independent references.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";

import { registerGradients } from "../../src/backend/gradients.js";

// Gradients (tfjs-core registers none by itself in Node) come from the project's one loader.
await registerGradients();

export { tf };

/** Selects the cpu backend; call once per test file (`test.before(useCpu)`). */
export async function useCpu(): Promise<void> {
  await tf.setBackend("cpu");
  await tf.ready();
}

/** mulberry32: a small deterministic PRNG returning numbers in [0, 1) (the one that seeds weights). */
export { mulberry32 as seededRandom } from "../../src/compile/weights.js";

/** `size` numbers drawn uniformly from [lo, hi). */
export function uniformArray(rand: () => number, size: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: size }, () => lo + (hi - lo) * rand());
}

/** A [N,H,W,C] float32 tensor of uniform values in [lo, hi). */
export function randomTensor4d(rand: () => number, shape: [number, number, number, number], lo = -1, hi = 1): tf.Tensor4D {
  return tf.tensor4d(uniformArray(rand, shape.reduce((p, d) => p * d, 1), lo, hi), shape);
}

/** Largest |a_i - b_i|; throws when the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths differ, ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Runs `fn` and reports how many tensors it left alive (its outputs, if it is clean). */
export function tensorsAddedBy<T>(fn: () => T): { result: T; added: number } {
  const before = tf.memory().numTensors;
  const result = fn();
  return { result, added: tf.memory().numTensors - before };
}

/** Index of element (n, y, x, c) in a flat NHWC array of shape [_, h, w, ch]. */
export function nhwcIndex(shape: readonly number[], n: number, y: number, x: number, c: number): number {
  const [, h, w, ch] = shape as [number, number, number, number];
  return ((n * h + y) * w + x) * ch + c;
}

/** Central finite differences of a float64 function of a flat array, one coordinate at a time. */
export function finiteDifferenceGradient(f: (x: number[]) => number, x: readonly number[], h = 1e-5): number[] {
  return x.map((_, i) => {
    const plus = [...x], minus = [...x];
    plus[i] += h;
    minus[i] -= h;
    return (f(plus) - f(minus)) / (2 * h);
  });
}

/** Float64 reference: per sample, mean over pixels of a.b / (max(|a|, 1e-8) max(|b|, 1e-8)). */
export function referenceSimilarity(a: ArrayLike<number>, b: ArrayLike<number>, shape: readonly number[]): number[] {
  const [n, h, w, c] = shape as [number, number, number, number];
  const out: number[] = [];
  for (let s = 0; s < n; s++) {
    let total = 0;
    for (let p = 0; p < h * w; p++) {
      let dot = 0, na = 0, nb = 0;
      for (let ch = 0; ch < c; ch++) {
        const i = (s * h * w + p) * c + ch;
        dot += a[i]! * b[i]!;
        na += a[i]! ** 2;
        nb += b[i]! ** 2;
      }
      total += dot / (Math.max(Math.sqrt(na), 1e-8) * Math.max(Math.sqrt(nb), 1e-8));
    }
    out.push(total / (h * w));
  }
  return out;
}
