/**
 * PSNR as the SR tables report it: 10 log10(255^2 / MSE) on the BT.601 Y channel after cropping
 * `border` (= the scale) pixels from every side; identical images give Infinity.
 *
 * The published numbers are measured on the SR image as saved: clipped to [0, 1] and rounded to 8 bits,
 * with Y then computed in float from those 8-bit values. These functions measure what they are given;
 * quantize the SR first (`quantize8` in `src/pipelines/evaluate.ts` does) to match the tables.
 *
 * @example
 * ```ts
 * import { psnrY, psnrRgb } from "./psnr.js";
 * const db = psnrY(sr, hr, 4);      // sr, hr: RgbImage in [0, 1], same size
 * const dbRgb = psnrRgb(sr, hr, 4); // on R, G, B scaled to [0, 255]
 * ```
 */
import type { RgbImage } from "../io/image.js";
import { cropPlane, rgbToY, type Plane } from "./ycbcr.js";

/** PSNR of two same-sized planes in [0, peak]. */
export function psnrPlane(a: Plane, b: Plane, peak = 255): number {
  assertSameSize(a, b, "psnrPlane");
  let se = 0;
  for (let i = 0; i < a.data.length; i++) { const d = a.data[i] - b.data[i]; se += d * d; }
  const mse = se / a.data.length;
  return mse === 0 ? Infinity : 10 * Math.log10((peak * peak) / mse);
}

/** Y-channel PSNR (BT.601, peak 255) after cropping `border` pixels from every side. */
export function psnrY(sr: RgbImage, hr: RgbImage, border: number): number {
  assertSameSize(sr, hr, "psnrY");
  return psnrPlane(cropPlane(rgbToY(sr), border), cropPlane(rgbToY(hr), border));
}

/** PSNR over R, G and B scaled to [0, 255], after cropping `border` pixels from every side. */
export function psnrRgb(sr: RgbImage, hr: RgbImage, border: number): number {
  assertSameSize(sr, hr, "psnrRgb");
  const channel = (img: RgbImage, c: number): Plane => {
    const data = new Float64Array(img.width * img.height);
    for (let p = 0; p < data.length; p++) data[p] = img.data[p * 3 + c] * 255;
    return cropPlane({ width: img.width, height: img.height, data }, border);
  };
  let se = 0, n = 0;
  for (let c = 0; c < 3; c++) {
    const a = channel(sr, c), b = channel(hr, c);
    for (let i = 0; i < a.data.length; i++) { const d = a.data[i] - b.data[i]; se += d * d; }
    n += a.data.length;
  }
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255) / (se / n));
}

export function assertSameSize(a: { width: number; height: number }, b: { width: number; height: number }, op: string): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`${op}: images differ in size (${a.width}x${a.height} vs ${b.width}x${b.height})`);
  }
}
