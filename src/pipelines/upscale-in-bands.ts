/**
 * Upscales a decoded image band by band, so memory stays bounded for huge inputs: each band of
 * LR rows is cut with `context` extra rows above and below (more than the model's receptive
 * radius), upscaled, and the context cropped off, so the bands join without seams. Only one
 * band's float pixels exist at a time; the caller turns them into 8/16-bit rows.
 */
import { toRgb, type DecodedImage, type RgbImage } from "../io/image.js";

/** Any RGB -> RGB upscaler by an integer factor (usually `upscaleTiled` with a model). */
export type UpscaleRgb = (lr: RgbImage) => Promise<RgbImage>;

export interface BandPlan {
  /** LR rows per band (the last band may have fewer). */
  readonly bandRows: number;
  /** Extra LR rows above and below each band, cropped off after upscaling. */
  readonly context: number;
}

export class BandError extends Error {
  override readonly name = "BandError";
}

export interface BandPlanOptions {
  readonly scale: number;
  /** The model's receptive radius in LR pixels; the context is at least this + 1. */
  readonly receptiveRadius: number;
  /** The LR tile size of the tiled upscaler; a band with its context fits one tile row when possible. */
  readonly tile: number;
  /** The tile overlap; the context is at least this. */
  readonly overlap: number;
  /** Most bytes one band's float output may take (default 128 MiB). */
  readonly maxBandBytes?: number;
}

/**
 * Picks band height and context for an image `width` LR pixels wide: context = max(overlap,
 * receptiveRadius + 1); band rows = tile - 2 * context (at least 8), lowered so one band's float
 * output (rows * scale * width * scale * 3 * 4 bytes) stays under `maxBandBytes`.
 */
export function planBands(width: number, o: BandPlanOptions): BandPlan {
  const { scale, receptiveRadius, tile, overlap } = o;
  if (!(Number.isInteger(scale) && scale >= 1)) throw new BandError(`planBands: scale must be a positive integer (got ${scale})`);
  if (!(Number.isInteger(tile) && tile >= 1)) throw new BandError(`planBands: tile must be a positive integer (got ${tile})`);
  const context = Math.max(overlap, receptiveRadius + 1);
  const bytesPerLrRow = width * scale * scale * 3 * 4;
  const byBudget = Math.floor((o.maxBandBytes ?? 128 * 2 ** 20) / Math.max(1, bytesPerLrRow));
  const bandRows = Math.max(1, Math.min(Math.max(8, tile - 2 * context), byBudget));
  return { bandRows, context };
}

/** The LR rows [y0, y1) of a decoded image as RGB float (gray replicated, alpha dropped). */
export function rgbRows(img: DecodedImage, y0: number, y1: number): RgbImage {
  const rowLength = img.width * img.channels;
  return toRgb({ ...img, height: y1 - y0, data: img.data.subarray(y0 * rowLength, y1 * rowLength) });
}

/** Where the LR rows of the bands come from: a decoded image, or a file read a strip at a time (`openImageRows`). */
export interface RowSource {
  readonly width: number;
  readonly height: number;
  /** Rows [y0, y1) as a decoded image of height y1 - y0. */
  read(y0: number, y1: number): DecodedImage | Promise<DecodedImage>;
}

/** A decoded image as a `RowSource` (its rows are views, not copies). */
export const rowsOf = (img: DecodedImage): RowSource => ({
  width: img.width,
  height: img.height,
  read: (y0, y1) => ({ ...img, height: y1 - y0, data: img.data.subarray(y0 * img.width * img.channels, y1 * img.width * img.channels) }),
});

/**
 * Calls `onBand(band, outRow, lr, lrTop)` for consecutive bands of the upscaled image, top to
 * bottom, one band at a time: `band` holds output rows [outRow, outRow + band.height) at full output
 * width; `lr` the LR rows (context included) it was made from, starting at row `lrTop`. The band's
 * data is only valid during the call (awaited when it returns a promise). Resolves after the last band.
 */
export async function forEachUpscaledBand(
  img: DecodedImage | RowSource, upscaleRgb: UpscaleRgb, scale: number, plan: BandPlan,
  onBand: (band: RgbImage, outRow: number, lr: DecodedImage, lrTop: number) => void | Promise<void>,
): Promise<void> {
  const source = "read" in img ? img : rowsOf(img);
  const { width, height } = source;
  const outWidth = width * scale;
  for (let y0 = 0; y0 < height; y0 += plan.bandRows) {
    const y1 = Math.min(height, y0 + plan.bandRows);
    const c0 = Math.max(0, y0 - plan.context);
    const c1 = Math.min(height, y1 + plan.context);
    const lr = await source.read(c0, c1);
    const sr = await upscaleRgb(toRgb(lr));
    if (sr.width !== outWidth || sr.height !== (c1 - c0) * scale) {
      throw new BandError(`forEachUpscaledBand: the upscaler turned ${width}x${c1 - c0} into ${sr.width}x${sr.height} (expected ${outWidth}x${(c1 - c0) * scale} at scale ${scale})`);
    }
    const top = (y0 - c0) * scale;
    const rows = (y1 - y0) * scale;
    await onBand({ width: outWidth, height: rows, data: sr.data.subarray(top * outWidth * 3, (top + rows) * outWidth * 3) }, y0 * scale, lr, c0);
  }
}

/**
 * Writes RGB float rows (clipped to [0, 1], rounded) into an interleaved 8/16-bit image with
 * `channels` channels at row `outRow`: 3 or 4 channels take R, G, B; 1 or 2 take the mean of
 * R, G, B (gray in, gray out). An alpha channel (2 or 4) is left untouched.
 */
export function writeRgbRows(out: Uint8Array | Uint16Array, channels: 1 | 2 | 3 | 4, band: RgbImage, outRow: number): void {
  const max = out instanceof Uint16Array ? 65535 : 255;
  const q = (v: number): number => {
    const r = Math.round(v * max);
    return r < 0 ? 0 : r > max ? max : r;
  };
  const { data } = band;
  const pixels = band.width * band.height;
  let o = outRow * band.width * channels;
  if (channels >= 3) {
    for (let p = 0, s = 0; p < pixels; p++, s += 3, o += channels) {
      out[o] = q(data[s]); out[o + 1] = q(data[s + 1]); out[o + 2] = q(data[s + 2]);
    }
  } else {
    for (let p = 0, s = 0; p < pixels; p++, s += 3, o += channels) out[o] = q((data[s] + data[s + 1] + data[s + 2]) / 3);
  }
}
