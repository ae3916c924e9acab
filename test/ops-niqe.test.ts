import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import test from "ava";
import { readNpz } from "../scripts/npz.js";
import { readRgb, type RgbImage } from "../src/io/image.js";
import { aggdFit } from "../src/ops/generalized-gaussian-fit.js";
import { imresizeRgb } from "../src/ops/imresize.js";
import { niqe, niqePlane, NiqeSizeError, NiqeUndefinedError } from "../src/ops/niqe.js";
import { niqeBlockFeatures } from "../src/ops/niqe-block-features.js";
import { niqePristineModel } from "../src/ops/niqe-pristine-model.js";
import { cropPlane, rgbToY8, type Plane } from "../src/ops/ycbcr.js";
import { seededRandom } from "./helpers/ops-testing.js";

// baboon.png (492x480, BasicSR's test image): MATLAB R2021a's niqe gives 5.72957338 on its Y channel.
const BABOON = fileURLToPath(new URL("fixtures/baboon.png", import.meta.url));
const MATLAB_BABOON = 5.72957338;
// The team's copy of the reference data, next to the checkout or one level up (absent on a user's machine).
const SHARED = [new URL("../../shared/data/niqe/", import.meta.url), new URL("../../../shared/data/niqe/", import.meta.url)]
  .map((u) => fileURLToPath(u)).find((d) => existsSync(`${d}niqe_pris_params.npz`));

const plane = (width: number, height: number, f: (x: number, y: number) => number): Plane => {
  const data = new Float64Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = f(x, y);
  return { width, height, data };
};
/** Integer texture in [0, 255]: a ramp plus seeded noise. */
const textured = (width: number, height: number, seed: number) => {
  const rand = seededRandom(seed);
  return plane(width, height, (x, y) => Math.min(255, Math.round((x + 2 * y) % 160 + 90 * rand())));
};

let baboon: RgbImage;
test.before(async () => { baboon = await readRgb(BABOON); });

test("baboon.png: NIQE 5.72957 as MATLAB's niqe gives (within 1e-4)", (t) => {
  const q = niqe(baboon);
  t.log(`NIQE ${q}, MATLAB ${MATLAB_BABOON}, difference ${(q - MATLAB_BABOON).toExponential(2)}`);
  t.true(Math.abs(q - MATLAB_BABOON) < 1e-4);
  t.is(niqePlane(rgbToY8(baboon)), q);
});

test("the committed model equals the published .npz, and the fixture the shared baboon.png", (t) => {
  if (!SHARED) return t.pass("no shared/data/niqe next to the checkout: nothing to compare with");
  const npz = readNpz(readFileSync(`${SHARED}niqe_pris_params.npz`));
  t.deepEqual([...npz.get("mu_pris_param")!.data], [...niqePristineModel.mu]);
  t.deepEqual([...npz.get("cov_pris_param")!.data], [...niqePristineModel.cov]);
  t.deepEqual([...npz.get("gaussian_window")!.data], [...niqePristineModel.window]);
  t.true(readFileSync(`${SHARED}baboon.png`).equals(readFileSync(BABOON)));
});

test("the model: 36 means, a symmetric 36x36 covariance, a separable 7x7 window summing to 1", (t) => {
  const { mu, cov, window } = niqePristineModel;
  t.is(mu.length, 36);
  t.is(cov.length, 36 * 36);
  for (let i = 0; i < 36; i++) for (let j = 0; j < i; j++) t.is(cov[i * 36 + j], cov[j * 36 + i]);
  t.true(Math.abs(window.reduce((s, v) => s + v, 0) - 1) < 1e-15);
  const g = Array.from({ length: 7 }, (_, i) => window.slice(i * 7, i * 7 + 7).reduce((s, v) => s + v, 0));
  for (let i = 0; i < 7; i++) for (let j = 0; j < 7; j++) t.true(Math.abs(window[i * 7 + j] - g[i] * g[j]) < 1e-16);
});

test("a block's features: the AGGD fit of the coefficients, then of the four neighbour products", (t) => {
  const rand = seededRandom(7);
  const width = 10, coefficients = Float64Array.from({ length: 10 * 8 }, () => 2 * rand() - 1);
  const f = niqeBlockFeatures(coefficients, width, { x: 3, y: 2, size: 5 });
  const at = (i: number, j: number) => coefficients[(2 + ((i + 5) % 5)) * width + 3 + ((j + 5) % 5)];
  const block = Array.from({ length: 25 }, (_, k) => at(Math.floor(k / 5), k % 5));
  const own = aggdFit(block);
  t.deepEqual([f[0], f[1]], [own.alpha, (own.betaLeft + own.betaRight) / 2]);
  // The anti-diagonal neighbour (shift (1, -1)): pixel (i, j) times pixel (i - 1, j + 1), wrapping inside the block.
  const anti = aggdFit(Array.from({ length: 25 }, (_, k) => { const i = Math.floor(k / 5), j = k % 5; return at(i, j) * at(i - 1, j + 1); }));
  t.deepEqual([f[14], f[16], f[17]], [anti.alpha, anti.betaLeft, anti.betaRight]);
  const vertical = aggdFit(Array.from({ length: 25 }, (_, k) => { const i = Math.floor(k / 5), j = k % 5; return at(i, j) * at(i - 1, j); }));
  t.deepEqual([f[6], f[8], f[9]], [vertical.alpha, vertical.betaLeft, vertical.betaRight]);
  // A flat block: every scale NaN, every shape the grid's first (0.2), as MATLAB computes it.
  const flat = niqeBlockFeatures(new Float64Array(100), 10, { x: 0, y: 0, size: 10 });
  t.deepEqual([...flat].map((v) => (Number.isNaN(v) ? "NaN" : v)), [0.2, "NaN", ...new Array(4).fill([0.2, "NaN", "NaN", "NaN"]).flat()]);
  t.throws(() => niqeBlockFeatures(coefficients, width, { x: 6, y: 0, size: 5 }), { message: /niqeBlockFeatures: block 5x5 at \(6, 0\) is outside the 10x8 plane/ });
});

test("pixels past the last whole block change nothing; neither does a brightness offset", (t) => {
  const p = textured(192, 192, 1);
  const q = niqePlane(p);
  const rand = seededRandom(2);
  const wider = plane(192 + 95, 192 + 50, (x, y) => (x < 192 && y < 192 ? p.data[y * 192 + x] : Math.round(255 * rand())));
  t.is(niqePlane(wider), q);
  const brighter = { ...p, data: p.data.map((v) => v + 20) };
  t.true(Math.abs(niqePlane(brighter) - q) < 1e-6, `${niqePlane(brighter)} vs ${q}`);
  t.is(niqe(baboon, { border: 4 }), niqePlane(cropPlane(rgbToY8(baboon), 4)));
});

test("blur raises NIQE: baboon through x4 bicubic down and up scores far worse", (t) => {
  const blurred = imresizeRgb(imresizeRgb(baboon, 1 / 4, { uint8: true }), 4);
  const q = niqe(baboon), qBlur = niqe(blurred);
  t.log(`baboon ${q.toFixed(4)}, bicubic x4 ${qBlur.toFixed(4)}`);
  t.true(qBlur > q + 1);
});

test("an image with fewer than two blocks is an error that says so", (t) => {
  for (const [w, h] of [[95, 300], [96, 96], [191, 191], [50, 50]]) {
    const err = t.throws(() => niqePlane(textured(w, h, 3)), { instanceOf: NiqeSizeError });
    t.regex(err!.message, new RegExp(`niqe: the image is ${w}x${h}, which holds [01] blocks? of 96x96; NIQE needs at least 2 \\(2 of 48x48 at the second scale\\)`));
  }
  t.true(Number.isFinite(niqePlane(textured(192, 96, 3))));
  t.true(Number.isFinite(niqePlane(textured(96, 192, 3))));
});

test("flat blocks are left out (no NaN in the result); an image with no texture has no NIQE", (t) => {
  const rand = seededRandom(4);
  // 4x2 blocks, the left half flat: its blocks' features are NaN and drop out of the mean and the covariance.
  const half = plane(384, 192, (x, y) => (x < 192 ? 120 : Math.round((x * y) % 97 + 150 * rand())));
  const q = niqePlane(half);
  t.true(Number.isFinite(q) && q > 0, `NIQE ${q}`);
  // One textured block left (texture from x = 208 on, out of the first two blocks' reach at both scales):
  // the covariance of one row is 0 (MATLAB's cov), and the result still a number.
  const one = plane(288, 96, (x) => (x < 208 ? 7 : Math.round(255 * rand())));
  t.true(Number.isFinite(niqePlane(one)));
  const err = t.throws(() => niqePlane(plane(200, 100, () => 64)), { instanceOf: NiqeUndefinedError });
  t.regex(err!.message, /niqe: every one of the 2 blocks is flat/);
});
