/**
 * One file through a model: decode (EXIF orientation applied), upscale RGB band by band and the
 * alpha plane on its own, encode (16-bit kept where the format allows), write atomically.
 * Gray stays gray, RGBA stays RGBA; the model always sees RGB.
 */
import { encodeImageAtomic, keeps16Bit, readImage, type BitDepth, type DecodedImage, type OutputFormat, type RgbImage } from "../io/image.js";
import type { Upscaler } from "../model/upscaler.js";
import { DEFAULT_TILE, defaultOverlap as tiledDefaultOverlap, upscaleTiled } from "../ops/tiled-upscale.js";
import { writeUpscaledAlpha } from "./upscale-alpha.js";
import { forEachUpscaledBand, planBands, writeRgbRows, type UpscaleRgb } from "./upscale-in-bands.js";

export interface TileOptions {
  /** LR tile size, context included (default 128). */
  readonly tile?: number;
  /** LR context each tile reads past its cell (default: the model's receptive radius, at most 32 and tile / 4). */
  readonly overlap?: number;
  /** Most bytes one band's float output may take (default 96 MiB; `upscaleTiled` adds a third for its weights). */
  readonly maxBandBytes?: number;
}

/** The overlap `upscaleTiled` picks when none is given; at least the receptive radius unless the tile is too small. */
export const defaultOverlap = (upscaler: Pick<Upscaler, "receptiveRadius">, tile: number): number => tiledDefaultOverlap(upscaler.receptiveRadius, tile);

/** The model with tiling: any RGB image in, its upscaled copy out, one tile batch at a time. */
export function tiledUpscaleRgb(upscaler: Upscaler, options: TileOptions = {}): UpscaleRgb {
  const tile = options.tile ?? DEFAULT_TILE;
  const overlap = options.overlap ?? defaultOverlap(upscaler, tile);
  return (lr: RgbImage) => upscaleTiled(upscaler, lr, { tile, overlap });
}

/**
 * Upscales a decoded image into an 8- or 16-bit image with the same channels. The RGB part goes
 * through `upscaleRgb` in bands (see `forEachUpscaledBand`); alpha is resized bilinearly.
 */
export async function upscaleDecoded(
  img: DecodedImage,
  upscaleRgb: UpscaleRgb,
  model: { readonly scale: number; readonly receptiveRadius: number },
  bitDepth: BitDepth,
  options: TileOptions & { readonly overlap: number; readonly tile: number },
): Promise<Omit<DecodedImage, "format">> {
  const { scale } = model;
  const width = img.width * scale, height = img.height * scale;
  const length = width * height * img.channels;
  const data = bitDepth === 16 ? new Uint16Array(length) : new Uint8Array(length);
  const plan = planBands(img.width, { scale, receptiveRadius: model.receptiveRadius, tile: options.tile, overlap: options.overlap, maxBandBytes: options.maxBandBytes ?? 96 * 2 ** 20 });
  await forEachUpscaledBand(img, upscaleRgb, scale, plan, (band, outRow) => writeRgbRows(data, img.channels, band, outRow));
  if (img.channels === 2 || img.channels === 4) writeUpscaledAlpha(img, scale, data, img.channels);
  return { width, height, channels: img.channels, bitDepth, data };
}

export interface UpscaleFileOptions extends TileOptions {
  /** Output format (default: from the output's extension, else png). */
  readonly format: OutputFormat;
  /** Stamp the output with this mtime (the input's, so "output up to date" can be checked exactly). */
  readonly mtimeMs?: number;
}

/** Reads `input`, upscales it, writes `output` atomically. Returns the input and output sizes. */
export async function upscaleFile(input: string, output: string, upscaler: Upscaler, options: UpscaleFileOptions): Promise<{ width: number; height: number; outWidth: number; outHeight: number }> {
  const img = await readImage(input);
  const bitDepth: BitDepth = img.bitDepth === 16 && keeps16Bit(options.format) ? 16 : 8;
  const tile = options.tile ?? DEFAULT_TILE;
  const overlap = options.overlap ?? defaultOverlap(upscaler, tile);
  const out = await upscaleDecoded(img, tiledUpscaleRgb(upscaler, { tile, overlap }), upscaler, bitDepth, { ...options, tile, overlap });
  await encodeImageAtomic(output, out, options.format, options.mtimeMs === undefined ? undefined : { mtime: options.mtimeMs / 1000 });
  return { width: img.width, height: img.height, outWidth: out.width, outHeight: out.height };
}
