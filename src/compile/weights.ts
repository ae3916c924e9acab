/**
 * The weights of a compiled network: tf.Variables keyed by the path of the node that owns them
 * ("generator/body/0:resBlock/body/0/kernel"). Initial values are drawn from a seeded generator
 * per weight name, so a network is the same on every backend and every run with the same seed.
 */
import * as tf from "@tensorflow/tfjs-core";

/** How a weight starts: PyTorch's conv default U(-1/sqrt(fanIn), 1/sqrt(fanIn)), or a constant. */
export type WeightInit = { readonly kind: "uniformFanIn"; readonly fanIn: number } | { readonly kind: "constant"; readonly value: number };

export interface WeightStore {
  /** Creates (once) and returns the variable for `path`. */
  weight(path: string, shape: readonly number[], init: WeightInit): tf.Variable;
  readonly variables: ReadonlyMap<string, tf.Variable>;
}

let instances = 0;

/** A fresh store; its tfjs variable names carry a unique prefix so several networks can coexist. */
export function createWeightStore(seed: number): WeightStore {
  const prefix = `pcl${++instances}`;
  const variables = new Map<string, tf.Variable>();
  return {
    variables,
    weight(path, shape, init) {
      const existing = variables.get(path);
      if (existing) return existing;
      const values = initialValues(seed, path, shape.reduce((a, b) => a * b, 1), init);
      const v = tf.tidy(() => tf.variable(tf.tensor(values, [...shape], "float32"), true, `${prefix}:${path}`));
      variables.set(path, v);
      return v;
    },
  };
}

function initialValues(seed: number, path: string, size: number, init: WeightInit): Float32Array {
  const out = new Float32Array(size);
  if (init.kind === "constant") return out.fill(init.value);
  const bound = 1 / Math.sqrt(init.fanIn);
  const rand = mulberry32(hashString(path) ^ Math.imul(seed | 0, 0x9e3779b1));
  for (let i = 0; i < size; i++) out[i] = (2 * rand() - 1) * bound;
  return out;
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** mulberry32: a small, fast deterministic generator of numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
