/**
 * One file through a model: decode (EXIF orientation applied), upscale RGB band by band and the
 * alpha plane on its own, encode (16-bit kept where the format allows), write atomically.
 * Gray stays gray, RGBA stays RGBA; the model always sees RGB.
 */
import { encodeRowsAtomic } from "../io/encode-rows.js";
import { encodeImageAtomic, keeps16Bit, type BitDepth, type DecodedImage, type OutputFormat, type RgbImage } from "../io/image.js";
import { DEFAULT_MAX_INPUT_PIXELS, openImageRows, readImageHeader, type ImageRows } from "../io/image-rows.js";
import type { Upscaler } from "../model/upscaler.js";
import { DEFAULT_TILE, defaultOverlap as tiledDefaultOverlap, upscaleTiled } from "../ops/tiled-upscale.js";
import { alphaRowsWriter, writeUpscaledAlpha } from "./upscale-alpha.js";
import { forEachUpscaledBand, planBands, writeRgbRows, type UpscaleRgb } from "./upscale-in-bands.js";

export interface TileOptions {
  /** LR tile size, context included (default 128). */
  readonly tile?: number;
  /** LR context each tile reads past its cell (default: the model's receptive radius, at most 32 and tile / 4). */
  readonly overlap?: number;
  /** Most bytes one band's float output may take (default 96 MiB; `upscaleTiled` adds a third for its weights). */
  readonly maxBandBytes?: number;
}

/** How much of an image may be in memory at once. */
export interface MemoryOptions {
  /** Refuse inputs with more pixels than this, from the header, before decoding (default 2^28, 16384 x 16384). */
  readonly maxInputPixels?: number;
  /**
   * Outputs of more raw bytes than this (width x height x channels x bytes per sample) are made in
   * bands and streamed to disk: the input decoded a strip at a time, the output written row by row
   * (default 128 MiB). Smaller ones are made whole in memory. Both give the same file.
   */
  readonly maxInMemoryBytes?: number;
}

/** The default `maxInMemoryBytes`: outputs above 128 MiB of raw pixels are streamed. */
export const DEFAULT_MAX_IN_MEMORY_BYTES = 128 * 2 ** 20;

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

export interface UpscaleFileOptions extends TileOptions, MemoryOptions {
  /** Output format (default: from the output's extension, else png). */
  readonly format: OutputFormat;
  /** Stamp the output with this mtime (the input's, so "output up to date" can be checked exactly). */
  readonly mtimeMs?: number;
  /** Called when the output is complete, before it is renamed into place; throwing keeps it out (the watch checks the input did not change meanwhile). */
  readonly beforeCommit?: () => Promise<void>;
}

/**
 * Upscales an image read a strip at a time into `output`, band by band, each band's 8/16-bit rows
 * (RGB from `upscaleRgb`, alpha resized bilinearly) written to disk before the next is made.
 * Peak memory: one input strip, one band's float output, and the encoder's few strips.
 */
export async function upscaleRowsToFile(
  rows: ImageRows,
  output: string,
  upscaleRgb: UpscaleRgb,
  model: { readonly scale: number; readonly receptiveRadius: number },
  bitDepth: BitDepth,
  options: TileOptions & { readonly overlap: number; readonly tile: number; readonly format: OutputFormat; readonly mtimeMs?: number; readonly beforeCommit?: () => Promise<void> },
): Promise<void> {
  const { scale } = model;
  const { channels } = rows;
  const outWidth = rows.width * scale, outHeight = rows.height * scale;
  const plan = planBands(rows.width, { scale, receptiveRadius: model.receptiveRadius, tile: options.tile, overlap: options.overlap, maxBandBytes: options.maxBandBytes ?? 96 * 2 ** 20 });
  const alpha = channels === 2 || channels === 4 ? alphaRowsWriter(rows.width, rows.height, scale) : undefined;
  await encodeRowsAtomic(output, { width: outWidth, height: outHeight, channels, bitDepth }, options.format, (write) =>
    forEachUpscaledBand(rows, upscaleRgb, scale, plan, async (band, outRow, lr, lrTop) => {
      const length = band.width * band.height * channels;
      const data = bitDepth === 16 ? new Uint16Array(length) : new Uint8Array(length);
      writeRgbRows(data, channels, band, 0);
      alpha?.(lr, lrTop, data, channels as 2 | 4, outRow, outRow + band.height);
      await write(data);
    }),
  { ...(options.mtimeMs === undefined ? {} : { mtime: options.mtimeMs / 1000 }), ...(options.beforeCommit ? { beforeRename: options.beforeCommit } : {}) });
}

/**
 * Reads `input`, upscales it, writes `output` atomically. Returns the input and output sizes.
 * Small outputs are made whole in memory; those above `maxInMemoryBytes` are streamed
 * (`upscaleRowsToFile`). Inputs above `maxInputPixels` fail with an `InputTooLargeError` before decoding.
 */
export async function upscaleFile(input: string, output: string, upscaler: Upscaler, options: UpscaleFileOptions): Promise<{ width: number; height: number; outWidth: number; outHeight: number }> {
  const maxInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  const header = await readImageHeader(input, { maxInputPixels });
  const { scale } = upscaler;
  const tile = options.tile ?? DEFAULT_TILE;
  const overlap = options.overlap ?? defaultOverlap(upscaler, tile);
  const sizes = { width: header.width, height: header.height, outWidth: header.width * scale, outHeight: header.height * scale };
  // The largest the output can be (4 channels, 16 bits): what decides between the two paths, before decoding.
  const outBytes = sizes.outWidth * sizes.outHeight * 4 * 2;
  const streamed = outBytes > (options.maxInMemoryBytes ?? DEFAULT_MAX_IN_MEMORY_BYTES);
  const rows = await openImageRows(input, { maxInputPixels, ...(streamed ? {} : { stripBytes: Infinity }) });
  const bitDepth: BitDepth = rows.bitDepth === 16 && keeps16Bit(options.format) ? 16 : 8;
  const upscaleRgb = tiledUpscaleRgb(upscaler, { tile, overlap });
  if (streamed) {
    await upscaleRowsToFile(rows, output, upscaleRgb, upscaler, bitDepth, { ...options, tile, overlap });
  } else {
    const img = { ...(await rows.read(0, rows.height)), format: rows.format };
    const out = await upscaleDecoded(img, upscaleRgb, upscaler, bitDepth, { ...options, tile, overlap });
    await encodeImageAtomic(output, out, options.format, { ...(options.mtimeMs === undefined ? {} : { mtime: options.mtimeMs / 1000 }), ...(options.beforeCommit ? { beforeRename: options.beforeCommit } : {}) });
  }
  return sizes;
}
