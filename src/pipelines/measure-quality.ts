/**
 * No-reference image quality of files, as an RxJS stage: paths in (image files, or folders listed
 * recursively and sorted), one result per image out, in order, one image at a time.
 *
 * NIQE is MATLAB's `niqe` on the 8-bit Y channel (src/ops/niqe.ts), optionally after cropping
 * `border` pixels from every side. An image without a NIQE (fewer than two 96x96 blocks, or no
 * texture at all) gives NaN with the reason; an unreadable file or folder ends the stream with its
 * error (`ImageReadError`, `ListImagesError`).
 *
 * ```ts
 * from(["../shared/data/niqe/baboon.png"]).pipe(measureQuality()).subscribe(console.log);
 * // { file: "../shared/data/niqe/baboon.png", width: 492, height: 480, niqe: 5.72957... }
 * ```
 */
import { stat } from "node:fs/promises";
import { concatMap, from, type OperatorFunction } from "rxjs";
import { readRgb } from "../io/image.js";
import { niqe, NiqeSizeError, NiqeUndefinedError } from "../ops/niqe.js";
import { listImages } from "./data/list-images.js";

/** Options of `measureQuality`. */
export interface QualityOptions {
  /** Pixels cropped from every side before measuring. Default 0. */
  readonly border?: number;
}

/** One image's no-reference quality. */
export interface QualityResult {
  readonly file: string;
  readonly width: number;
  readonly height: number;
  /** NaN when the image has none (`reason` says why). */
  readonly niqe: number;
  readonly reason?: string;
}

/** The stage. Throws a RangeError at creation for a negative or fractional border. */
export function measureQuality(options: QualityOptions = {}): OperatorFunction<string, QualityResult> {
  const border = options.border ?? 0;
  if (!(Number.isInteger(border) && border >= 0)) throw new RangeError(`measureQuality: border must be an integer >= 0, got ${border}`);
  return (paths) => paths.pipe(
    concatMap(async (path) => ((await isFolder(path)) ? listImages(path) : [path])),
    concatMap((files) => from(files)),
    concatMap(async (file) => measure(file, border)),
  );
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false; // read as a file, whose error names it
  }
}

async function measure(file: string, border: number): Promise<QualityResult> {
  const img = await readRgb(file);
  const size = { file, width: img.width, height: img.height };
  try {
    return { ...size, niqe: niqe(img, { border }) };
  } catch (err) {
    if (err instanceof NiqeSizeError || err instanceof NiqeUndefinedError) return { ...size, niqe: NaN, reason: err.message };
    throw err;
  }
}
