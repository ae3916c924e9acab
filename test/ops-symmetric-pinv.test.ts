import test from "ava";
import { pinvSymmetric, symmetricEigen } from "../src/ops/symmetric-pinv.js";
import { maxAbsDiff, seededRandom } from "./helpers/ops-testing.js";

const matmul = (a: ArrayLike<number>, b: ArrayLike<number>, n: number) => {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) out[i * n + j] += a[i * n + k] * b[k * n + j];
  return out;
};

/** A random symmetric positive definite n x n matrix B B^T + n I / 100, row-major. */
function randomSpd(n: number, seed: number): Float64Array {
  const rand = seededRandom(seed);
  const b = Float64Array.from({ length: n * n }, () => 2 * rand() - 1);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { for (let k = 0; k < n; k++) a[i * n + j] += b[i * n + k] * b[j * n + k]; if (i === j) a[i * n + j] += n / 100; }
  return a;
}

test("the eigen decomposition of a 36x36 symmetric matrix reconstructs it", (t) => {
  const n = 36, a = randomSpd(n, 1);
  const { values, vectors } = symmetricEigen(a, n);
  const scaled = new Float64Array(n * n), vt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { scaled[i * n + j] = vectors[i * n + j] * values[j]; vt[i * n + j] = vectors[j * n + i]; }
  t.true(maxAbsDiff(matmul(scaled, vt, n), a) < 1e-11);
  const identity = Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
  t.true(maxAbsDiff(matmul(vt, vectors, n), identity) < 1e-13);
});

test("the pseudo-inverse of a definite matrix is its inverse", (t) => {
  const n = 36, a = randomSpd(n, 2);
  const identity = Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
  t.true(maxAbsDiff(matmul(a, pinvSymmetric(a, n), n), identity) < 1e-10);
});

test("the pseudo-inverse of a rank-1 matrix v v^T is v v^T / |v|^4; of zero, zero", (t) => {
  const v = [1, -2, 0.5, 3], n = 4, norm2 = v.reduce((s, x) => s + x * x, 0);
  const a = Float64Array.from({ length: 16 }, (_, i) => v[Math.floor(i / n)] * v[i % n]);
  t.true(maxAbsDiff(pinvSymmetric(a, n), a.map((x) => x / norm2 ** 2)) < 1e-14);
  t.deepEqual([...pinvSymmetric(new Float64Array(9), 3)], new Array(9).fill(0));
  t.throws(() => pinvSymmetric(new Float64Array(8), 3), { message: /symmetricEigen: expected 3x3 = 9 values, got 8/ });
});
