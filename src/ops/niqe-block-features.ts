/**
 * The 18 NIQE features of one block of MSCN coefficients (the authors' MATLAB `computefeature`,
 * Mittal et al. 2013, Sec. III-B and Eq. 7-8):
 *
 *   [alpha, (betaLeft + betaRight) / 2]                 AGGD fit of the coefficients
 *   [alpha, eta, betaLeft, betaRight] for each shift    AGGD fit of the pairwise products
 *
 * with eta = (betaRight - betaLeft) gamma(2/alpha) / gamma(1/alpha), and the products taken with
 * the block circularly shifted (MATLAB's `circshift`) by (rows, columns) = (0,1), (1,0), (1,1),
 * (1,-1): horizontal, vertical, main-diagonal and anti-diagonal neighbours. The coefficients' own
 * pair is an AGGD fit too, as in the release's `computefeature` (BRISQUE's GGD pair [alpha, sigma^2]
 * in its place gives 14.9 on baboon.png instead of MATLAB's 5.73).
 *
 * @example
 * ```ts
 * import { niqeBlockFeatures } from "./niqe-block-features.js";
 * const f = niqeBlockFeatures(coefficients, imageWidth, { x: 96, y: 0, size: 96 }); // Float64Array(18)
 * ```
 */
import { gamma } from "./gamma-function.js";
import { aggdFit } from "./generalized-gaussian-fit.js";
import { assertOp } from "./op-assert.js";

/** The four neighbour shifts as (rows, columns). */
export const NIQE_SHIFTS: readonly (readonly [number, number])[] = [[0, 1], [1, 0], [1, 1], [1, -1]];
/** Features per block and scale. */
export const NIQE_FEATURES_PER_SCALE = 18;

/** A square block of a row-major plane: top-left corner and side. */
export interface NiqeBlock {
  readonly x: number;
  readonly y: number;
  readonly size: number;
}

/** The 18 features of `block` of the row-major `coefficients` (`width` per row). */
export function niqeBlockFeatures(coefficients: Float64Array, width: number, block: NiqeBlock): Float64Array {
  const { x, y, size } = block;
  assertOp(x >= 0 && y >= 0 && size > 0 && x + size <= width && (y + size) * width <= coefficients.length, "niqeBlockFeatures", () =>
    `block ${size}x${size} at (${x}, ${y}) is outside the ${width}x${coefficients.length / width} plane`);
  const b = new Float64Array(size * size);
  for (let i = 0; i < size; i++) b.set(coefficients.subarray((y + i) * width + x, (y + i) * width + x + size), i * size);
  const features = new Float64Array(NIQE_FEATURES_PER_SCALE);
  const own = aggdFit(b);
  features[0] = own.alpha;
  features[1] = (own.betaLeft + own.betaRight) / 2;
  const products = new Float64Array(size * size);
  const wrap = (i: number) => (i < 0 ? i + size : i >= size ? i - size : i);
  NIQE_SHIFTS.forEach(([dy, dx], s) => {
    // circshift by (dy, dx): the product at (i, j) pairs b(i, j) with b(i - dy, j - dx), indices wrapped.
    for (let i = 0; i < size; i++) {
      const row = i * size, shifted = wrap(i - dy) * size;
      for (let j = 0; j < size; j++) products[row + j] = b[row + j] * b[shifted + wrap(j - dx)];
    }
    const fit = aggdFit(products);
    const eta = (fit.betaRight - fit.betaLeft) * (gamma(2 / fit.alpha) / gamma(1 / fit.alpha));
    features.set([fit.alpha, eta, fit.betaLeft, fit.betaRight], 2 + 4 * s);
  });
  return features;
}
