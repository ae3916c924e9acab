/**
 * The alpha channel of an upscaled image: the input's alpha plane resized by bilinear
 * interpolation (pixel centres aligned, edges clamped) straight into the output's last channel,
 * one output row at a time, so no float plane of the output size is ever made.
 */
import type { DecodedImage } from "../io/image.js";

/** Source index pairs and weights for one axis: out i reads (1 - w) * src[i0] + w * src[i1]. */
function axisTaps(inSize: number, scale: number): { i0: Int32Array; i1: Int32Array; w: Float32Array } {
  const n = inSize * scale;
  const i0 = new Int32Array(n), i1 = new Int32Array(n), w = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = Math.min(inSize - 1, Math.max(0, (i + 0.5) / scale - 0.5));
    i0[i] = Math.floor(x);
    i1[i] = Math.min(inSize - 1, i0[i] + 1);
    w[i] = x - i0[i];
  }
  return { i0, i1, w };
}

/**
 * Writes `img`'s alpha (its last channel; `img` must have 2 or 4 channels), upscaled by `scale`,
 * into channel `channels - 1` of `out` (interleaved, `channels` per pixel, width*scale x height*scale).
 * 16-bit alpha into an 8-bit output is divided by 257 (and 8 into 16 multiplied by 257).
 */
export function writeUpscaledAlpha(img: DecodedImage, scale: number, out: Uint8Array | Uint16Array, channels: 2 | 4): void {
  alphaRowsWriter(img.width, img.height, scale)(img, 0, out, channels, 0, img.height * scale);
}

/**
 * Writes output rows [oy0, oy1) of the upscaled alpha into `out`, which holds those rows only.
 * `src` holds LR rows from `srcTop` on and must cover the rows they interpolate from.
 */
export type AlphaRowsWriter = (src: DecodedImage, srcTop: number, out: Uint8Array | Uint16Array, channels: 2 | 4, oy0: number, oy1: number) => void;

/**
 * `writeUpscaledAlpha` a band of rows at a time, for an image `width` x `height` (LR) upscaled by
 * `scale`: the interpolation taps are those of the whole image, so bands give the same values as
 * one call over the whole image. A band of output rows [oy0, oy1) reads LR rows
 * floor(oy0 / scale) - 1 to ceil(oy1 / scale) (clamped to the image).
 */
export function alphaRowsWriter(width: number, height: number, scale: number): AlphaRowsWriter {
  const xs = axisTaps(width, scale), ys = axisTaps(height, scale);
  const outWidth = width * scale;
  const row0 = new Float32Array(outWidth), row1 = new Float32Array(outWidth);
  return (img, srcTop, out, channels, oy0, oy1) => {
    if (img.channels !== 2 && img.channels !== 4) throw new RangeError(`writeUpscaledAlpha: the image has ${img.channels} channels (expected 2 or 4, with alpha)`);
    if (img.width !== width) throw new RangeError(`writeUpscaledAlpha: rows ${img.width} wide for an image ${width} wide`);
    const { data } = img;
    const inC = img.channels;
    const inMax = img.bitDepth === 16 ? 65535 : 255;
    const outMax = out instanceof Uint16Array ? 65535 : 255;
    const k = outMax / inMax;
    const fillRow = (row: Float32Array, y: number): void => {
      if (y < srcTop || y >= srcTop + img.height) throw new RangeError(`writeUpscaledAlpha: LR row ${y} is outside the rows given (${srcTop}..${srcTop + img.height})`);
      const base = (y - srcTop) * width * inC + inC - 1;
      for (let x = 0; x < outWidth; x++) {
        const a = data[base + xs.i0[x] * inC], b = data[base + xs.i1[x] * inC];
        row[x] = a + (b - a) * xs.w[x];
      }
    };
    let have0 = -1, have1 = -1;
    for (let oy = oy0; oy < oy1; oy++) {
      if (have0 !== ys.i0[oy]) { fillRow(row0, ys.i0[oy]); have0 = ys.i0[oy]; }
      if (have1 !== ys.i1[oy]) { fillRow(row1, ys.i1[oy]); have1 = ys.i1[oy]; }
      const wy = ys.w[oy];
      let o = (oy - oy0) * outWidth * channels + channels - 1;
      for (let x = 0; x < outWidth; x++, o += channels) {
        const v = Math.round((row0[x] + (row1[x] - row0[x]) * wy) * k);
        out[o] = v < 0 ? 0 : v > outMax ? outMax : v;
      }
    }
  };
}
