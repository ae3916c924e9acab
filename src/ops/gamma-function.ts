/**
 * Euler's gamma function for positive arguments, in float64: what the NIQE fits need (MATLAB's
 * `gamma`, SciPy's `scipy.special.gamma`), JavaScript having none.
 *
 * The argument is shifted up to y >= 12 by the recurrence gamma(x) = gamma(x + 1) / x, where
 * Stirling's series with the Bernoulli terms up to B16 is accurate to float64's precision; the
 * result agrees with SciPy to about 1e-14 (relative) over the NIQE fits' range, 0.1 to 15.
 *
 * @example
 * ```ts
 * import { gamma } from "./gamma-function.js";
 * gamma(5);   // 24
 * gamma(0.5); // 1.772453850905516 (sqrt(pi))
 * ```
 */

/** B_2k / (2k (2k - 1)) for k = 1..8: the coefficients of 1/y, 1/y^3, ..., 1/y^15 in ln gamma(y). */
const STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156, -3617 / 122400];
const SHIFT_TO = 12;

/** gamma(x) for x > 0 (NaN otherwise; Infinity above about 171, where float64 overflows). */
export function gamma(x: number): number {
  if (!(x > 0)) return NaN;
  let y = x, divisor = 1;
  while (y < SHIFT_TO) { divisor *= y; y += 1; }
  const inv = 1 / y, inv2 = inv * inv;
  let series = 0;
  for (let k = STIRLING.length - 1; k >= 0; k--) series = series * inv2 + STIRLING[k];
  series *= inv;
  // sqrt(2 pi / y) (y / e)^y e^series, with (y / e)^y split in two to stay finite up to 171.
  const half = Math.pow(y / Math.E, y / 2);
  return (Math.sqrt((2 * Math.PI) / y) * half * Math.exp(series) * half) / divisor;
}
