/**
 * NIQE, the Natural Image Quality Evaluator (Mittal, Soundararajan, Bovik, "Making a 'completely
 * blind' image quality analyzer", IEEE SPL 2013): a no-reference score, lower is more natural.
 * Computed as MATLAB's `niqe` and the authors' release compute it (BasicSR's `calculate_niqe` is
 * the usual port):
 *
 * 1. the Y channel of MATLAB's `rgb2ycbcr` on the 8-bit image, rounded to integers (`rgbToY8`);
 *    with `border`, that many pixels cropped from every side first;
 * 2. cropped (top-left) to whole 96x96 blocks; at least two are needed;
 * 3. at two scales (the image, then MATLAB's bicubic `imresize(I, 0.5)` of it, blocks of 48):
 *    MSCN coefficients under the model's 7x7 Gaussian window (`mscn`), and the 18 features of
 *    each block (`niqeBlockFeatures`): 36 per block;
 * 4. the blocks' mean feature vector mu, each feature's mean over the blocks where it is a number
 *    (MATLAB's `nanmean`), and their covariance C over the blocks with no NaN feature (`nancov`;
 *    normalized by N - 1, or by N = 1 when one block is left, as MATLAB's `cov` is);
 * 5. NIQE = sqrt((mu_p - mu)^T ((C_p + C) / 2)^+ (mu_p - mu)) with the pristine model's mu_p, C_p.
 *
 * Flat blocks (MSCN coefficients all 0) have NaN features and are left out of the mean and the
 * covariance; an image whose blocks are all flat has no NIQE (`NiqeUndefinedError`).
 *
 * On baboon.png (492x480) this gives 5.729573..., MATLAB R2021a 5.72957338
 * (test/ops-niqe.test.ts).
 *
 * @example
 * ```ts
 * import { niqe, niqePlane } from "./niqe.js";
 * niqe(await readRgb("baboon.png"));       // 5.7296 (RgbImage in [0, 1])
 * niqePlane({ width, height, data: y });   // a luminance plane on [0, 255]
 * ```
 */
import type { RgbImage } from "../io/image.js";
import { imresizePlane } from "./imresize.js";
import { mscn } from "./mscn.js";
import { NIQE_FEATURES_PER_SCALE, niqeBlockFeatures } from "./niqe-block-features.js";
import { niqePristineModel } from "./niqe-pristine-model.js";
import { pinvSymmetric } from "./symmetric-pinv.js";
import { cropPlane, rgbToY8, type Plane } from "./ycbcr.js";

/** Side of the blocks at the first scale (the model was fitted on 96x96 blocks). */
export const NIQE_BLOCK = 96;
const FEATURES = 2 * NIQE_FEATURES_PER_SCALE;

/** An image too small for NIQE. */
export class NiqeSizeError extends RangeError {
  override readonly name = "NiqeSizeError";
}

/** An image with no block that has texture: every block's features are NaN. */
export class NiqeUndefinedError extends Error {
  override readonly name = "NiqeUndefinedError";
}

/** Options of `niqe`. */
export interface NiqeOptions {
  /** Pixels cropped from every side before measuring (the SR convention crops the scale). Default 0. */
  readonly border?: number;
}

/** NIQE of an RGB image in [0, 1], measured on its 8-bit MATLAB Y channel. */
export function niqe(img: RgbImage, options: NiqeOptions = {}): number {
  return niqePlane(cropPlane(rgbToY8(img), options.border ?? 0));
}

/**
 * `niqe`, or NaN for an image that has none (fewer than two blocks: `NiqeSizeError`; no texture:
 * `NiqeUndefinedError`): for averaging over image sets where a few images may be too small.
 */
export function niqeOrNaN(img: RgbImage, options: NiqeOptions = {}): number {
  try {
    return niqe(img, options);
  } catch (err) {
    if (err instanceof NiqeSizeError || err instanceof NiqeUndefinedError) return NaN;
    throw err;
  }
}

/** The window's 1-D factor: the model's 7x7 window is g g^T with g its row sums. */
function windowFactor(): Float64Array {
  const w = niqePristineModel.window, n = Math.round(Math.sqrt(w.length));
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) g[i] += w[i * n + j];
  return g;
}

/** NIQE of a luminance plane on [0, 255] (no rounding or cropping is applied to it). */
export function niqePlane(y: Plane): number {
  const rows = Math.floor(y.height / NIQE_BLOCK), cols = Math.floor(y.width / NIQE_BLOCK);
  if (rows * cols < 2) {
    throw new NiqeSizeError(`niqe: the image is ${y.width}x${y.height}, which holds ${rows * cols} block${rows * cols === 1 ? "" : "s"} of ${NIQE_BLOCK}x${NIQE_BLOCK}; `
      + `NIQE needs at least 2 (2 of ${NIQE_BLOCK / 2}x${NIQE_BLOCK / 2} at the second scale) for the blocks' covariance, e.g. ${2 * NIQE_BLOCK}x${NIQE_BLOCK}`);
  }
  const features = blockFeatures(y, rows, cols);
  return distance(features, rows * cols);
}

/** Block-major [blocks, 36]: the 18 features of each block at the first scale, then at the second. */
function blockFeatures(y: Plane, rows: number, cols: number): Float64Array {
  const g = windowFactor();
  const features = new Float64Array(rows * cols * FEATURES);
  let plane = cropTopLeft(y, cols * NIQE_BLOCK, rows * NIQE_BLOCK);
  for (let scale = 1; scale <= 2; scale++) {
    const coefficients = mscn(plane, g);
    const size = NIQE_BLOCK / scale;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const f = niqeBlockFeatures(coefficients, plane.width, { x: c * size, y: r * size, size });
        features.set(f, (r * cols + c) * FEATURES + (scale - 1) * NIQE_FEATURES_PER_SCALE);
      }
    }
    if (scale === 1) plane = imresizePlane(plane, 0.5);
  }
  return features;
}

function cropTopLeft(p: Plane, width: number, height: number): Plane {
  if (width === p.width && height === p.height) return p;
  const data = new Float64Array(width * height);
  for (let y = 0; y < height; y++) data.set(p.data.subarray(y * p.width, y * p.width + width), y * width);
  return { width, height, data };
}

/** The NIQE distance of the blocks' features from the pristine model. */
function distance(features: Float64Array, blocks: number): number {
  const mean = new Float64Array(FEATURES);
  for (let k = 0; k < FEATURES; k++) {
    let s = 0, n = 0;
    for (let b = 0; b < blocks; b++) { const v = features[b * FEATURES + k]; if (!Number.isNaN(v)) { s += v; n++; } }
    mean[k] = s / n;
  }
  const complete: number[] = [];
  for (let b = 0; b < blocks; b++) if (features.subarray(b * FEATURES, (b + 1) * FEATURES).every((v) => !Number.isNaN(v))) complete.push(b);
  if (complete.length === 0) throw new NiqeUndefinedError(`niqe: every one of the ${blocks} blocks is flat at one of the two scales (no texture to measure), so NIQE is undefined`);
  const cov = covariance(features, complete);
  const { mu, cov: covP } = niqePristineModel;
  const pooled = new Float64Array(FEATURES * FEATURES);
  for (let i = 0; i < pooled.length; i++) pooled[i] = (covP[i] + cov[i]) / 2;
  const inv = pinvSymmetric(pooled, FEATURES);
  const d = new Float64Array(FEATURES);
  for (let k = 0; k < FEATURES; k++) d[k] = mu[k] - mean[k];
  let q = 0;
  for (let i = 0; i < FEATURES; i++) {
    let row = 0;
    for (let j = 0; j < FEATURES; j++) row += inv[i * FEATURES + j] * d[j];
    q += d[i] * row;
  }
  return Math.sqrt(q);
}

/** Sample covariance of the listed blocks' features (normalized by N - 1; by N when N = 1, as MATLAB's `cov`). */
function covariance(features: Float64Array, blocks: readonly number[]): Float64Array {
  const n = blocks.length;
  const mean = new Float64Array(FEATURES);
  for (const b of blocks) for (let k = 0; k < FEATURES; k++) mean[k] += features[b * FEATURES + k];
  for (let k = 0; k < FEATURES; k++) mean[k] /= n;
  const cov = new Float64Array(FEATURES * FEATURES);
  for (const b of blocks) {
    const row = features.subarray(b * FEATURES, (b + 1) * FEATURES);
    for (let i = 0; i < FEATURES; i++) {
      const di = row[i] - mean[i];
      for (let j = 0; j < FEATURES; j++) cov[i * FEATURES + j] += di * (row[j] - mean[j]);
    }
  }
  const norm = n > 1 ? n - 1 : 1;
  for (let i = 0; i < cov.length; i++) cov[i] /= norm;
  return cov;
}
