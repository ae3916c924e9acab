/**
 * A seeded random number generator whose whole state can be saved and restored.
 *
 * xoshiro128** (Blackman and Vigna, 2018, https://prng.di.unimi.it/xoshiro128starstar.c):
 * four 32-bit words of state, period 2^128 - 1, seeded from one number through splitmix32.
 * `state()` returns those four words; `restoreRng(state)` continues the exact same sequence,
 * which is what a training checkpoint needs to resume bit for bit.
 *
 * ```ts
 * const rng = createRng(42);
 * rng.next();                           // a float in [0, 1)
 * const saved = rng.state();            // [w0, w1, w2, w3], plain JSON
 * const again = restoreRng(saved);      // again.next() === rng.next()
 * ```
 */

export interface Rng {
  /** A float in [0, 1) with 32 random bits. */
  next(): number;
  /** An integer in [0, n) for an integer n in [1, 2^32] (multiply-and-floor; bias below n / 2^32). */
  int(n: number): number;
  /** The four 32-bit state words, unsigned; feed them to `restoreRng` to continue the sequence. */
  state(): number[];
}

/** A seed or a saved state that cannot start a generator. */
export class RngArgumentError extends RangeError {
  override readonly name = "RngArgumentError";
}

const TWO_32 = 4294967296;

/** murmur3's 32-bit finalizer: a bijection that spreads every input bit over the output. */
function fmix32(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The low and high 32 bits of a safe integer (two's complement for negatives). */
function splitSafeInteger(value: number, what: string): [number, number] {
  if (!Number.isSafeInteger(value)) throw new RngArgumentError(`${what} must be a safe integer, got ${value}`);
  const lo = value >>> 0;
  const hi = Math.floor(value / TWO_32) >>> 0;
  return [lo, hi];
}

/**
 * One 32-bit seed from a seed and any number of integer keys (a batch index, an epoch...).
 * Different keys give unrelated streams: `createRng(deriveSeed(seed, k))` is batch k's generator.
 */
export function deriveSeed(seed: number, ...keys: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const [i, v] of [seed, ...keys].entries()) {
    const [lo, hi] = splitSafeInteger(v, i === 0 ? "seed" : `key ${i - 1}`);
    h = fmix32((h ^ lo) + 0x7f4a7c15);
    h = fmix32((h ^ hi) + 0x6a09e667);
  }
  return h;
}

/** splitmix32: expands one 32-bit seed into well-mixed words. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    return fmix32(s);
  };
}

class Xoshiro128 implements Rng {
  private s0: number; private s1: number; private s2: number; private s3: number;

  constructor(words: readonly number[]) {
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number];
  }

  private nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0; this.s3 ^= this.s1; this.s1 ^= this.s2; this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  next(): number {
    return this.nextUint32() / TWO_32;
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_32) throw new RngArgumentError(`int(n) needs an integer n in [1, 2^32], got ${n}`);
    return Math.floor(this.next() * n);
  }

  state(): number[] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** A generator seeded from any safe integer; the same seed always gives the same sequence. */
export function createRng(seed: number): Rng {
  const [lo, hi] = splitSafeInteger(seed, "seed");
  const words = splitmix32(fmix32(lo) ^ hi);
  return new Xoshiro128([words(), words(), words(), words()]);
}

/** A generator that continues exactly where the one whose `state()` was saved stopped. */
export function restoreRng(state: readonly number[]): Rng {
  if (!Array.isArray(state) || state.length !== 4 || !state.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_32)) {
    throw new RngArgumentError(`an rng state is 4 unsigned 32-bit integers, got ${JSON.stringify(state)}`);
  }
  if (state.every((w) => w === 0)) throw new RngArgumentError("an rng state of all zeros is not a xoshiro128 state");
  return new Xoshiro128(state);
}
