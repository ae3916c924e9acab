/**
 * Mean-subtracted contrast-normalized (MSCN) coefficients, the normalization of BRISQUE and NIQE
 * (Mittal et al. 2012, Eq. 1): (I - mu) / (sigma + 1), with mu and sigma the local mean and
 * deviation under a Gaussian window, borders replicated (MATLAB's `imfilter(..., 'replicate')`,
 * SciPy's `convolve(..., mode='nearest')`), and sigma = sqrt(|E[I^2] - mu^2|) as the reference
 * computes it.
 *
 * The window is separable: it is given as its 1-D factor `g` (the 2-D window is g g^T). Where
 * |I - mu| is below `FLAT_TOLERANCE` the coefficient is 0: in exact arithmetic a constant
 * neighbourhood gives exactly 0, and float filtering leaves only rounding noise of either sign
 * there (about 1e-13 on [0, 255]), which would otherwise be fitted as if it were texture.
 *
 * @example
 * ```ts
 * import { mscn } from "./mscn.js";
 * const m = mscn({ width, height, data: yPlane }, g7); // Float64Array(width * height)
 * ```
 */
import { assertOp } from "./op-assert.js";
import type { Plane } from "./ycbcr.js";

/** |I - mu| at or below this (on a [0, 255] scale) is taken as 0. */
export const FLAT_TOLERANCE = 1e-8;

/** MSCN coefficients of `p` (row-major, same size) under the separable window g g^T (odd length, sums to 1). */
export function mscn(p: Plane, g: ArrayLike<number>): Float64Array {
  const { width: w, height: h, data } = p;
  assertOp(g.length % 2 === 1, "mscn", () => `the window's 1-D factor must have odd length, got ${g.length}`);
  assertOp(data.length === w * h && w > 0 && h > 0, "mscn", () => `plane of ${w}x${h} has ${data.length} values`);
  const { mean, meanOfSquares } = localMoments(data, w, h, Float64Array.from(g));
  const out = new Float64Array(data.length);
  for (let i = 0; i < out.length; i++) {
    const mu = mean[i], d = data[i] - mu;
    out[i] = Math.abs(d) <= FLAT_TOLERANCE ? 0 : d / (Math.sqrt(Math.abs(meanOfSquares[i] - mu * mu)) + 1);
  }
  return out;
}

/**
 * Correlation of the plane and of its square with g g^T, out-of-range taps clamped to the nearest
 * pixel: a pass along the rows (each row copied with its replicated margins), then along the columns.
 */
function localMoments(src: Float64Array, w: number, h: number, g: Float64Array): { mean: Float64Array; meanOfSquares: Float64Array } {
  const n = g.length, r = (n - 1) / 2;
  const rows = new Float64Array(w * h), rows2 = new Float64Array(w * h);
  const padded = new Float64Array(w + 2 * r);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let x = 0; x < w + 2 * r; x++) padded[x] = src[o + Math.min(w - 1, Math.max(0, x - r))];
    for (let x = 0; x < w; x++) {
      let s = 0, s2 = 0;
      for (let k = 0; k < n; k++) { const v = padded[x + k], gk = g[k]; s += gk * v; s2 += gk * (v * v); }
      rows[o + x] = s;
      rows2[o + x] = s2;
    }
  }
  const mean = new Float64Array(w * h), meanOfSquares = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let k = 0; k < n; k++) {
      const yy = Math.min(h - 1, Math.max(0, y + k - r)) * w, gk = g[k];
      for (let x = 0; x < w; x++) { mean[o + x] += gk * rows[yy + x]; meanOfSquares[o + x] += gk * rows2[yy + x]; }
    }
  }
  return { mean, meanOfSquares };
}
