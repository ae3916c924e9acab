/**
 * Generalized Gaussian (GGD) and asymmetric generalized Gaussian (AGGD) fits by moment matching,
 * as BRISQUE and NIQE estimate them (Mittal et al. 2012, Sec. III; the authors' MATLAB
 * `estimateggdparam` and `estimateaggdparam`): a moment ratio of the samples is matched against the
 * same ratio of the distribution, tabulated on the reference's grid of shapes 0.2:0.001:10
 * (9801 values), and the first shape of least difference wins.
 *
 * Samples that give no ratio (no negative or no positive values for the AGGD, all zeros for the
 * GGD) give NaN scales and, as MATLAB's `min` and NumPy's `argmin` do on NaN, the grid's first
 * shape, 0.2.
 *
 * @example
 * ```ts
 * import { aggdFit, ggdFit } from "./generalized-gaussian-fit.js";
 * aggdFit(mscnBlock); // { alpha: 2.1, betaLeft: 0.62, betaRight: 0.59 }
 * ggdFit(mscnBlock);  // { alpha: 2.1, sigma: 0.6 }
 * ```
 */
import { gamma } from "./gamma-function.js";

/** Shape `alpha` and the left and right scales of an AGGD. */
export interface AggdFit {
  readonly alpha: number;
  readonly betaLeft: number;
  readonly betaRight: number;
}

/** Shape `alpha` and standard deviation `sigma` of a zero-mean GGD. */
export interface GgdFit {
  readonly alpha: number;
  readonly sigma: number;
}

const GRID_SIZE = 9801;

interface ShapeTable {
  readonly shapes: Float64Array;
  /** rho(a) = gamma(2/a)^2 / (gamma(1/a) gamma(3/a)) on the grid, increasing in a. */
  readonly rho: Float64Array;
  /** 1 / rho, the ratio the GGD fit matches. */
  readonly inverseRho: Float64Array;
}

let table: ShapeTable | undefined;

/** The grid 0.2, 0.201, ..., 10 and the ratios on it; built on first use. */
function shapeTable(): ShapeTable {
  if (!table) {
    const shapes = new Float64Array(GRID_SIZE), rho = new Float64Array(GRID_SIZE), inverseRho = new Float64Array(GRID_SIZE);
    for (let i = 0; i < GRID_SIZE; i++) {
      const a = 0.2 + 0.001 * i;
      shapes[i] = a;
      rho[i] = gamma(2 / a) ** 2 / (gamma(1 / a) * gamma(3 / a));
      inverseRho[i] = 1 / rho[i];
    }
    for (let i = 1; i < GRID_SIZE; i++) {
      if (!(rho[i] > rho[i - 1] && inverseRho[i] < inverseRho[i - 1])) throw new Error(`generalized-gaussian-fit: the moment ratio is not strictly monotone at shape ${shapes[i]}`);
    }
    table = { shapes, rho, inverseRho };
  }
  return table;
}

/** The shapes of the moment-matching grid (0.2:0.001:10). */
export function shapeGrid(): Float64Array {
  return shapeTable().shapes.slice();
}

/**
 * The first index of least |values[i] - target| over a strictly monotone `values` (MATLAB's
 * `min` / NumPy's `argmin` of the differences, squared or not); 0 when `target` is NaN.
 * A bisection finds where `values` crosses `target`; the least difference is beside it.
 */
function nearest(values: Float64Array, target: number): number {
  if (Number.isNaN(target)) return 0;
  const increasing = values[values.length - 1] > values[0];
  let lo = 0, hi = values.length; // the first index past the crossing lies in [lo, hi]
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (increasing ? values[mid] < target : values[mid] > target) lo = mid + 1;
    else hi = mid;
  }
  let best = Math.max(0, lo - 1);
  for (let i = best + 1; i <= Math.min(values.length - 1, lo); i++) if (Math.abs(values[i] - target) < Math.abs(values[best] - target)) best = i;
  return best;
}

/**
 * AGGD fit of `values` (MATLAB's `estimateaggdparam`): left and right deviations over the negative
 * and positive samples, r = mean|x|^2 / mean(x^2) corrected by their ratio, matched against rho on
 * the grid by least squared difference; beta = deviation * sqrt(gamma(1/alpha) / gamma(3/alpha)).
 */
export function aggdFit(values: ArrayLike<number>): AggdFit {
  let leftSq = 0, left = 0, rightSq = 0, right = 0, abs = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < 0) { leftSq += v * v; left++; abs -= v; }
    else if (v > 0) { rightSq += v * v; right++; abs += v; }
  }
  const n = values.length;
  const leftStd = Math.sqrt(leftSq / left), rightStd = Math.sqrt(rightSq / right);
  const g = leftStd / rightStd;
  const r = (abs / n) ** 2 / ((leftSq + rightSq) / n);
  const target = (r * (g ** 3 + 1) * (g + 1)) / (g ** 2 + 1) ** 2;
  const { shapes, rho } = shapeTable();
  const alpha = shapes[nearest(rho, target)];
  const scale = Math.sqrt(gamma(1 / alpha) / gamma(3 / alpha));
  return { alpha, betaLeft: leftStd * scale, betaRight: rightStd * scale };
}

/**
 * GGD fit of `values` (MATLAB's `estimateggdparam`): mean(x^2) / mean|x|^2 matched against
 * 1 / rho on the grid by least absolute difference; sigma = sqrt(mean(x^2)).
 */
export function ggdFit(values: ArrayLike<number>): GgdFit {
  let sq = 0, abs = 0;
  for (let i = 0; i < values.length; i++) { sq += values[i] * values[i]; abs += Math.abs(values[i]); }
  const n = values.length;
  const ratio = sq / n / (abs / n) ** 2;
  const { shapes, inverseRho } = shapeTable();
  const alpha = shapes[nearest(inverseRho, ratio)];
  return { alpha, sigma: Math.sqrt(sq / n) };
}
