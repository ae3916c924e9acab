/**
 * BT.601 luma as the SR tables measure it: MATLAB's `rgb2ycbcr` Y, in float, not rounded.
 *
 * Y = 16 + 65.481 R + 128.553 G + 24.966 B with R, G, B in [0, 1], so Y is in [16, 235] for inputs in
 * [0, 1]. PSNR and SSIM in `psnr.ts` / `ssim.ts` work on this plane (peak 255).
 *
 * @example
 * ```ts
 * import { rgbToY } from "./ycbcr.js";
 * const y = rgbToY({ width: 1, height: 1, data: new Float32Array([1, 1, 1]) }); // y.data[0] = 235
 * ```
 */
import type { RgbImage } from "../io/image.js";

/** One float channel, row-major. */
export interface Plane {
  readonly width: number;
  readonly height: number;
  readonly data: Float64Array;
}

/** The BT.601 Y plane of an RGB image (values of `img` in [0, 1]; the result is not rounded). */
export function rgbToY(img: RgbImage): Plane {
  const { width, height, data } = img;
  if (data.length !== width * height * 3) throw new RangeError(`rgbToY: data has ${data.length} values, expected ${height}x${width}x3`);
  const y = new Float64Array(width * height);
  for (let p = 0, i = 0; p < y.length; p++, i += 3) y[p] = 16 + 65.481 * data[i] + 128.553 * data[i + 1] + 24.966 * data[i + 2];
  return { width, height, data: y };
}

const KR = 65.481 / 255, KG = 128.553 / 255, KB = 24.966 / 255;

/**
 * MATLAB's `rgb2ycbcr` Y of the image as an 8-bit file holds it, as NIQE's reference measures it:
 * R, G, B rounded to 8 bits (clipped to [0, 255]), then Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255
 * rounded to an integer (half away from zero), as MATLAB's uint8 result is.
 */
export function rgbToY8(img: RgbImage): Plane {
  const { width, height, data } = img;
  if (data.length !== width * height * 3) throw new RangeError(`rgbToY8: data has ${data.length} values, expected ${height}x${width}x3`);
  const byte = (v: number) => (v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255));
  const y = new Float64Array(width * height);
  for (let p = 0, i = 0; p < y.length; p++, i += 3) {
    // In MATLAB's order (imlincomb): the coefficients divided by 255 first, the offset last.
    y[p] = Math.round(KR * byte(data[i]) + KG * byte(data[i + 1]) + KB * byte(data[i + 2]) + 16);
  }
  return { width, height, data: y };
}

/** The plane without `border` pixels on every side (the SR convention crops `scale` pixels). */
export function cropPlane(p: Plane, border: number): Plane {
  if (border === 0) return p;
  const width = p.width - 2 * border, height = p.height - 2 * border;
  if (!(Number.isInteger(border) && border > 0 && width > 0 && height > 0)) {
    throw new RangeError(`cropPlane: cannot crop ${border} pixels from every side of ${p.width}x${p.height}`);
  }
  const data = new Float64Array(width * height);
  for (let y = 0; y < height; y++) data.set(p.data.subarray((y + border) * p.width + border, (y + border) * p.width + border + width), y * width);
  return { width, height, data };
}
