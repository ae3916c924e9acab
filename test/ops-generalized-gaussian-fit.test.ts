import test from "ava";
import { gamma } from "../src/ops/gamma-function.js";
import { aggdFit, ggdFit, shapeGrid } from "../src/ops/generalized-gaussian-fit.js";
import { seededRandom } from "./helpers/ops-testing.js";

const close = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.abs(b);

test("gamma: factorials, sqrt(pi) at 1/2, and the recurrence over the fits' range", (t) => {
  let factorial = 1;
  for (let n = 1; n <= 20; n++) {
    t.true(close(gamma(n), factorial, 1e-14), `gamma(${n}) = ${gamma(n)}, expected ${factorial}`);
    factorial *= n;
  }
  t.true(close(gamma(0.5), Math.sqrt(Math.PI), 1e-14));
  t.true(close(gamma(1.5), Math.sqrt(Math.PI) / 2, 1e-14));
  // Values a reference library gives (SciPy 1.17, scipy.special.gamma), at the ends of 1/a..3/a for a in [0.2, 10].
  t.true(close(gamma(0.1), 9.513507698668732, 1e-14));
  t.true(close(gamma(15), 87178291200, 1e-14));
  for (let x = 0.1; x < 15; x += 0.37) t.true(close(gamma(x + 1), x * gamma(x), 1e-14), `recurrence at ${x}`);
  t.true(Number.isNaN(gamma(0)) && Number.isNaN(gamma(-1)));
});

/** The reference's search as written: the first index of least squared difference, over the whole grid. */
function bruteForceAggdShape(values: ArrayLike<number>): number {
  let leftSq = 0, left = 0, rightSq = 0, right = 0, abs = 0, sq = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < 0) { leftSq += v * v; left++; } else if (v > 0) { rightSq += v * v; right++; }
    abs += Math.abs(v); sq += v * v;
  }
  const g = Math.sqrt(leftSq / left) / Math.sqrt(rightSq / right);
  const r = (abs / values.length) ** 2 / (sq / values.length);
  const target = (r * (g ** 3 + 1) * (g + 1)) / (g ** 2 + 1) ** 2;
  const shapes = shapeGrid();
  let best = 0, bestValue = Infinity;
  for (let i = 0; i < shapes.length; i++) {
    const a = shapes[i];
    const d = (gamma(2 / a) ** 2 / (gamma(1 / a) * gamma(3 / a)) - target) ** 2;
    if (d < bestValue) { bestValue = d; best = i; }
  }
  return shapes[best];
}

/**
 * n samples of the AGGD with shape `alpha` (2: Box-Muller, 1: exponentials), right scale 1 and left
 * scale `left`: density ~ exp(-(|x| / beta)^alpha), so a side is drawn with probability proportional to its scale.
 */
function ggdSamples(n: number, alpha: 1 | 2, seed: number, left = 1): Float64Array {
  const rand = seededRandom(seed);
  return Float64Array.from({ length: n }, () => {
    const x = alpha === 2 ? Math.abs(Math.sqrt(-Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())) : -Math.log(1 - rand());
    return rand() < left / (1 + left) ? -left * x : x;
  });
}

test("the grid is MATLAB's 0.2:0.001:10", (t) => {
  const s = shapeGrid();
  t.is(s.length, 9801);
  t.is(s[0], 0.2);
  t.true(Math.abs(s[9800] - 10) < 1e-12);
  t.true(Math.abs(s[1234] - 1.434) < 1e-12);
});

/** MATLAB's estimateggdparam search as written: least |mean(x^2) / mean|x|^2 - gamma(1/a) gamma(3/a) / gamma(2/a)^2|. */
function bruteForceGgdShape(values: ArrayLike<number>): number {
  let sq = 0, abs = 0;
  for (let i = 0; i < values.length; i++) { sq += values[i] ** 2; abs += Math.abs(values[i]); }
  const ratio = sq / values.length / (abs / values.length) ** 2;
  const shapes = shapeGrid();
  let best = 0, bestValue = Infinity;
  for (let i = 0; i < shapes.length; i++) {
    const a = shapes[i], d = Math.abs(ratio - (gamma(1 / a) * gamma(3 / a)) / gamma(2 / a) ** 2);
    if (d < bestValue) { bestValue = d; best = i; }
  }
  return shapes[best];
}

test("the fits' bisection picks the same shape as the reference's search over the whole grid", (t) => {
  const rand = seededRandom(3);
  for (let trial = 0; trial < 40; trial++) {
    const n = 50 + Math.floor(rand() * 500), skew = 0.3 + 2 * rand(), power = 0.5 + 4 * rand();
    const v = Float64Array.from({ length: n }, () => { const u = 2 * rand() - 1; return Math.sign(u) * Math.abs(u) ** power * (u < 0 ? skew : 1); });
    t.is(aggdFit(v).alpha, bruteForceAggdShape(v), `AGGD, trial ${trial}`);
    t.is(ggdFit(v).alpha, bruteForceGgdShape(v), `GGD, trial ${trial}`);
  }
});

test("fits recover the shape of Gaussian (2), Laplacian (1) and asymmetric samples", (t) => {
  const gauss = ggdSamples(200_000, 2, 1), laplace = ggdSamples(200_000, 1, 2), skewed = ggdSamples(200_000, 1, 4, 2);
  const g = aggdFit(gauss), l = aggdFit(laplace), s = aggdFit(skewed);
  t.true(Math.abs(g.alpha - 2) < 0.03, `Gaussian: alpha ${g.alpha}`);
  // p(x) ~ exp(-x^2) has beta 1 in the AGGD's parameterization exp(-(|x|/beta)^alpha).
  t.true(Math.abs(g.betaLeft - 1) < 0.01 && Math.abs(g.betaRight - 1) < 0.01, `Gaussian: betas ${g.betaLeft}, ${g.betaRight}`);
  t.true(Math.abs(l.alpha - 1) < 0.03, `Laplacian: alpha ${l.alpha}`);
  t.true(Math.abs(s.alpha - 1) < 0.03 && Math.abs(s.betaLeft / s.betaRight - 2) < 0.03, `asymmetric: ${JSON.stringify(s)}`);
  const gg = ggdFit(gauss), gl = ggdFit(laplace);
  t.true(Math.abs(gg.alpha - 2) < 0.03 && Math.abs(gg.sigma - Math.SQRT1_2) < 0.005, `GGD Gaussian: ${JSON.stringify(gg)}`);
  t.true(Math.abs(gl.alpha - 1) < 0.03 && Math.abs(gl.sigma - Math.SQRT2) < 0.01, `GGD Laplacian: ${JSON.stringify(gl)}`);
});

test("samples without a ratio give NaN scales and the grid's first shape, as MATLAB's min and NumPy's argmin do", (t) => {
  const zeros = aggdFit(new Float64Array(100));
  t.is(zeros.alpha, 0.2);
  t.true(Number.isNaN(zeros.betaLeft) && Number.isNaN(zeros.betaRight));
  const positive = aggdFit(Float64Array.from({ length: 100 }, (_, i) => i + 1));
  t.is(positive.alpha, 0.2);
  t.true(Number.isNaN(positive.betaLeft));
  t.is(ggdFit(new Float64Array(10)).alpha, 0.2);
});
