/**
 * An image file read a band of rows at a time, for inputs too large to decode whole: sharp
 * decodes with sequential access and crops each strip (`extract`), so only one strip of decoded
 * rows (about `stripBytes`) is held. Strips are cut top to bottom; a band that runs past the cached
 * strip starts a new one at the band's first row, so bands that overlap (context rows) cost no
 * second decode of the rows they share. The pixels are those `readImage` returns, row for row.
 */
import type { Metadata } from "sharp";
import { asStoredPixels, ImageReadError, isSixteenBit, storedPixels, type BitDepth, type ChannelCount, type DecodedImage } from "./image.js";
import { loadSharp } from "./sharp.js";

/** The largest input (width x height) pcl-stream decodes unless told otherwise: 2^28 pixels (16384 x 16384). */
export const DEFAULT_MAX_INPUT_PIXELS = 2 ** 28;

/** An input whose header declares more pixels than the limit (a decompression bomb, or just too big). */
export class InputTooLargeError extends ImageReadError {
  constructor(file: string, readonly width: number, readonly height: number, readonly maxInputPixels: number) {
    super(file, `${width}x${height} is ${(width * height / 1e6).toFixed(1)} Mpx, above the limit of ${(maxInputPixels / 1e6).toFixed(1)} Mpx; raise --max-input-pixels (maxInputPixels) to read it`);
  }
}

/** What an image file's header says, orientation applied (no pixels decoded). */
export interface ImageHeader {
  readonly width: number;
  readonly height: number;
  readonly format: string;
  readonly meta: Metadata;
}

/** A file's rows on demand: `read(y0, y1)` resolves rows [y0, y1) as a `DecodedImage` of height y1 - y0. */
export interface ImageRows {
  readonly width: number;
  readonly height: number;
  /** Channels of the decoded pixels, as `readImage` gives them (8-bit gray + alpha decodes to 4, CMYK to 3). */
  readonly channels: ChannelCount;
  readonly bitDepth: BitDepth;
  readonly format: string;
  read(y0: number, y1: number): Promise<DecodedImage>;
}

export interface ImageRowsOptions {
  /** Refuse inputs with more pixels than this (checked on the header, before any decoding). Default `DEFAULT_MAX_INPUT_PIXELS`. */
  readonly maxInputPixels?: number;
  /** Bytes of decoded pixels one strip may hold (default 64 MiB; a band taller than that is one strip). */
  readonly stripBytes?: number;
}

/** Reads the header of `file` and checks it against the pixel limit. */
export async function readImageHeader(file: string, options: Pick<ImageRowsOptions, "maxInputPixels"> = {}): Promise<ImageHeader> {
  const limit = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  const sharp = await loadSharp();
  let meta: Metadata;
  try {
    meta = await sharp(file, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new ImageReadError(file, err instanceof Error ? err.message : String(err));
  }
  if (!meta.width || !meta.height) throw new ImageReadError(file, "no width or height");
  if (meta.width * meta.height > limit) throw new InputTooLargeError(file, meta.width, meta.height, limit);
  const swap = (meta.orientation ?? 1) >= 5;
  return { width: swap ? meta.height : meta.width, height: swap ? meta.width : meta.height, format: meta.format ?? "unknown", meta };
}

/** Opens `file` for reading by rows: the header is read and checked, and the first strip decoded (which fixes the channels). */
export async function openImageRows(file: string, options: ImageRowsOptions = {}): Promise<ImageRows> {
  const { meta, width, height, format } = await readImageHeader(file, options);
  const limit = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  const sharp = await loadSharp();
  const bitDepth: BitDepth = isSixteenBit(meta) ? 16 : 8;
  // Rows per strip from the widest case (4 channels); the first strip then tells the real channel count.
  const stripRows = Math.max(1, Math.floor((options.stripBytes ?? 64 * 2 ** 20) / (width * 4 * (bitDepth / 8))));
  let channels: ChannelCount | undefined;

  const decode = async (top: number, rows: number): Promise<DecodedImage> => {
    try {
      const pipe = sharp(file, { limitInputPixels: Math.max(limit, 1), sequentialRead: true }).rotate().extract({ left: 0, top, width, height: rows });
      const { data, info } = await asStoredPixels(pipe, meta).toBuffer({ resolveWithObject: true });
      const img = storedPixels(data, info, meta);
      if (img.width !== width || img.height !== rows || (channels !== undefined && img.channels !== channels)) {
        throw new Error(`rows ${top}..${top + rows} decoded as ${img.width}x${img.height}x${img.channels} (expected ${width}x${rows}x${channels ?? img.channels}); did the file change while being read?`);
      }
      return img;
    } catch (err) {
      if (err instanceof ImageReadError) throw err;
      throw new ImageReadError(file, err instanceof Error ? err.message : String(err));
    }
  };

  let stripTop = 0;
  let strip: DecodedImage | undefined = await decode(0, Math.min(height, stripRows));
  channels = strip.channels;
  const rowLength = width * channels;
  return {
    width, height, channels, bitDepth, format,
    async read(y0: number, y1: number): Promise<DecodedImage> {
      if (!(Number.isInteger(y0) && Number.isInteger(y1) && 0 <= y0 && y0 < y1 && y1 <= height)) throw new RangeError(`ImageRows.read: rows [${y0}, ${y1}) of an image ${height} rows high`);
      if (!strip || y0 < stripTop || y1 > stripTop + strip.height) {
        strip = undefined; // let the old strip go before the next is decoded
        strip = await decode(y0, Math.min(height - y0, Math.max(y1 - y0, stripRows)));
        stripTop = y0;
      }
      return { ...strip, height: y1 - y0, data: strip.data.subarray((y0 - stripTop) * rowLength, (y1 - stripTop) * rowLength) };
    },
  };
}
