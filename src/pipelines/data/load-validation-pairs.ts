/**
 * Whole validation images (e.g. Set5) for the trainer: HR cropped to a multiple of the scale and its LR.
 *
 * Sorted by file name, each decoded once (no cache is kept). Unusable files are reported through
 * `onSkip` and left out; when none is usable the promise rejects with NoReadableImagesError naming the
 * folder. With `lrDir` the LR images are read from the folder (paired names, `babyx4.png` accepted)
 * instead of made by `makeLr`.
 *
 * ```ts
 * const set5 = await loadValidationPairs("data/set5/HR", 4, imresizeDown);
 * for (const { name, hr, lr } of set5) psnr(model(lr), hr);
 * ```
 */
import { extname, relative } from "node:path";
import type { RgbImage } from "../../io/image.js";
import { DataOptionsError, NoReadableImagesError, positiveInteger } from "./errors.js";
import { warnOnSkip, type OnSkip } from "./list-images.js";
import { openTrainingImages, type MakeLr } from "./training-images.js";

export interface ValidationPair {
  /** The HR file. */
  readonly file: string;
  /** Its path relative to the HR folder, without extension (e.g. "baby"). */
  readonly name: string;
  /** HR cropped to a multiple of the scale. */
  readonly hr: RgbImage;
  /** LR, HR's size divided by the scale. */
  readonly lr: RgbImage;
}

export interface LoadValidationOptions {
  /** Told about each file left out. Default: a line on stderr. */
  readonly onSkip?: OnSkip;
  /** Read LR from this folder instead of making it (makeLr may then be undefined). */
  readonly lrDir?: string;
}

export function loadValidationPairs(hrDir: string, scale: number, makeLr: MakeLr | undefined, options: LoadValidationOptions = {}): Promise<ValidationPair[]> {
  positiveInteger("scale", scale);
  if (typeof hrDir !== "string" || hrDir === "") throw new DataOptionsError("hrDir", "a folder path", hrDir);
  if (options.lrDir === undefined && typeof makeLr !== "function") throw new DataOptionsError("makeLr", "a function (hr, scale) => lr, or options.lrDir", makeLr);
  const onSkip = options.onSkip ?? warnOnSkip;
  const source = options.lrDir !== undefined ? { lrDir: options.lrDir } : { makeLr: makeLr! };
  return (async () => {
    const images = await openTrainingImages({ ...source, hrDir, scale, minLrSize: 1, cacheBytes: 0, onSkip });
    const pairs: ValidationPair[] = [];
    for (let i = 0; i < images.count; i++) {
      const pair = await images.load(i);
      if (pair === undefined) continue;
      const rel = relative(hrDir, pair.file);
      pairs.push({ file: pair.file, name: rel.slice(0, rel.length - extname(rel).length), hr: pair.hr, lr: pair.lr });
    }
    if (pairs.length === 0) throw new NoReadableImagesError(hrDir, images.count);
    return pairs;
  })();
}
