/**
 * SSIM as the SR tables report it (Wang et al.'s reference `ssim_index`): on the BT.601 Y channel
 * (peak 255) after cropping `border` (= the scale) pixels from every side, with an 11x11 Gaussian
 * window (sigma 1.5), 'valid' filtering, C1 = (0.01*255)^2, C2 = (0.03*255)^2; the mean of the map.
 *
 * As with PSNR, the tables measure the SR image clipped and rounded to 8 bits; quantize before calling
 * (`src/pipelines/evaluate.ts` does).
 *
 * @example
 * ```ts
 * import { ssimY } from "./ssim.js";
 * const s = ssimY(sr, hr, 4); // sr, hr: RgbImage in [0, 1], same size; 1 when identical
 * ```
 */
import type { RgbImage } from "../io/image.js";
import { assertSameSize } from "./psnr.js";
import { cropPlane, rgbToY, type Plane } from "./ycbcr.js";

const WINDOW = 11;
const SIGMA = 1.5;

/** The normalized 1-D Gaussian whose outer product is MATLAB's `fspecial('gaussian', 11, 1.5)`. */
export function gaussianWindow(size = WINDOW, sigma = SIGMA): Float64Array {
  const g = new Float64Array(size);
  const c = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) { g[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma)); sum += g[i]; }
  for (let i = 0; i < size; i++) g[i] /= sum;
  return g;
}

/** Separable 'valid' filtering of a row-major plane: [h, w] -> [h - n + 1, w - n + 1]. */
function filterValid(src: Float64Array, h: number, w: number, g: Float64Array): Float64Array {
  const n = g.length, oh = h - n + 1, ow = w - n + 1;
  const tmp = new Float64Array(h * ow);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += g[k] * src[y * w + x + k];
      tmp[y * ow + x] = s;
    }
  }
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let k = 0; k < n; k++) {
      const gk = g[k], row = (y + k) * ow;
      for (let x = 0; x < ow; x++) out[y * ow + x] += gk * tmp[row + x];
    }
  }
  return out;
}

/** Mean SSIM of two same-sized planes in [0, peak], at least 11x11. */
export function ssimPlane(a: Plane, b: Plane, peak = 255): number {
  assertSameSize(a, b, "ssimPlane");
  if (a.width < WINDOW || a.height < WINDOW) throw new RangeError(`ssimPlane: ${a.width}x${a.height} is smaller than the ${WINDOW}x${WINDOW} window`);
  const { width: w, height: h } = a;
  const c1 = (0.01 * peak) ** 2, c2 = (0.03 * peak) ** 2;
  const g = gaussianWindow();
  const aa = new Float64Array(w * h), bb = new Float64Array(w * h), ab = new Float64Array(w * h);
  for (let i = 0; i < aa.length; i++) { aa[i] = a.data[i] * a.data[i]; bb[i] = b.data[i] * b.data[i]; ab[i] = a.data[i] * b.data[i]; }
  const mu1 = filterValid(a.data, h, w, g), mu2 = filterValid(b.data, h, w, g);
  const s11 = filterValid(aa, h, w, g), s22 = filterValid(bb, h, w, g), s12 = filterValid(ab, h, w, g);
  let sum = 0;
  for (let i = 0; i < mu1.length; i++) {
    const m1 = mu1[i], m2 = mu2[i];
    const v1 = s11[i] - m1 * m1, v2 = s22[i] - m2 * m2, cov = s12[i] - m1 * m2;
    sum += ((2 * m1 * m2 + c1) * (2 * cov + c2)) / ((m1 * m1 + m2 * m2 + c1) * (v1 + v2 + c2));
  }
  return sum / mu1.length;
}

/** Y-channel SSIM (BT.601, peak 255) after cropping `border` pixels from every side. */
export function ssimY(sr: RgbImage, hr: RgbImage, border: number): number {
  assertSameSize(sr, hr, "ssimY");
  return ssimPlane(cropPlane(rgbToY(sr), border), cropPlane(rgbToY(hr), border));
}
