/**
 * Moore-Penrose pseudo-inverse of a real symmetric matrix, in float64 (MATLAB's `pinv` for the
 * case NIQE needs: the mean of two covariance matrices).
 *
 * A = V diag(lambda) V^T by cyclic Jacobi rotations (accurate to a few ulps for small matrices),
 * then A^+ = V diag(1 / lambda) V^T over the eigenvalues with |lambda| > n * max|lambda| * eps,
 * MATLAB's default tolerance (its singular values are the |lambda| of a symmetric matrix).
 *
 * @example
 * ```ts
 * import { pinvSymmetric } from "./symmetric-pinv.js";
 * pinvSymmetric(Float64Array.of(2, 0, 0, 0), 2); // [0.5, 0, 0, 0]
 * ```
 */
import { assertOp } from "./op-assert.js";

/** Eigenvalues and eigenvectors (columns of the row-major `vectors`) of a symmetric n x n matrix. */
export function symmetricEigen(a: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  assertOp(a.length === n * n, "symmetricEigen", () => `expected ${n}x${n} = ${n * n} values, got ${a.length}`);
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < m.length; i++) total += m[i] * m[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off <= 1e-32 * total || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        // The rotation that zeroes m[p][q] (Golub & Van Loan, Alg. 8.4.1), the smaller angle.
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p], mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k], mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i];
  return { values, vectors: v };
}

/** The pseudo-inverse of the symmetric n x n matrix `a` (row-major), row-major. */
export function pinvSymmetric(a: ArrayLike<number>, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(a, n);
  let largest = 0;
  for (const l of values) largest = Math.max(largest, Math.abs(l));
  const tolerance = n * largest * Number.EPSILON;
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    if (!(Math.abs(values[k]) > tolerance)) continue;
    const inv = 1 / values[k];
    for (let i = 0; i < n; i++) {
      const vik = vectors[i * n + k] * inv;
      for (let j = 0; j < n; j++) out[i * n + j] += vik * vectors[j * n + k];
    }
  }
  return out;
}
