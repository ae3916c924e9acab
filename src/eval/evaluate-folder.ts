/**
 * One folder evaluated the way the published SR tables are, as a Promise: the `evaluate` stage on
 * one set, its per-image results and the set's means collected.
 */
import { from, lastValueFrom, toArray } from "rxjs";
import { backendInUse } from "../backend/select.js";
import type { Upscaler } from "../model/upscaler.js";
import type { TileOptions } from "../ops/tiled-upscale.js";
import { checkOptions, isBoolean, isPositiveInt, isString } from "../option-check.js";
import { evaluate, type ImageResult, type SetSummary } from "../pipelines/evaluate.js";

/** How `evaluateFolder` measures. Every field is optional. */
export interface EvaluateFolderOptions {
  /** The upscaling factor (default: the upscaler's). */
  readonly scale?: number;
  /** Ready-made LR images (`baby.png` or `babyx4.png` for HR `baby.png`) instead of MATLAB bicubic LR made from HR. */
  readonly lrDir?: string;
  /** Average the 8 flip/transpose variants (default false). */
  readonly selfEnsemble?: boolean;
  /** Write each 8-bit SR image as PNG under `saveDir/<set name>/`. */
  readonly saveDir?: string;
  /** Tiling of the upscaler (tile size, overlap, batching). */
  readonly tiles?: TileOptions;
}

/** What `evaluateFolder` measured: the set's means and each image's numbers, in file order. */
export interface FolderEvaluation {
  readonly summary: SetSummary;
  readonly images: readonly ImageResult[];
}

const isUpscaler = (v: unknown): v is Upscaler => typeof v === "object" && v !== null && typeof (v as Upscaler).upscale === "function" && Number.isInteger((v as Upscaler).scale);

/**
 * Y-PSNR and SSIM of `upscaler` on the HR images in `hrDir` (listed recursively), with the published
 * tables' conventions: LR by MATLAB's bicubic `imresize`, SR rounded to 8 bits, BT.601 Y channel,
 * `scale` pixels cropped from every border, SSIM with an 11x11 Gaussian window (sigma 1.5).
 * Selects a backend (inference) if none is in use.
 *
 * ```ts
 * import { bicubic, evaluateFolder } from "pcl-stream/eval";
 * const { summary } = await evaluateFolder(bicubic(4), "data/set5/HR");   // summary.psnr: 28.43 dB
 * ```
 *
 * @throws OptionError for bad options; rejects with NoReadableImagesError when the folder has no
 *   image, LrSizeError / MissingLrError when `lrDir` does not match, ImageReadError for a broken file.
 */
export async function evaluateFolder(upscaler: Upscaler, hrDir: string, options: EvaluateFolderOptions = {}): Promise<FolderEvaluation> {
  if (!isUpscaler(upscaler)) throw new TypeError("evaluateFolder: upscaler must be an Upscaler (from loadUpscaler or bicubic)");
  if (!isString(hrDir)) throw new TypeError(`evaluateFolder: hrDir must be a folder path, got ${String(hrDir)}`);
  checkOptions("evaluateFolder", options, [
    ["scale", isPositiveInt, "a positive integer"],
    ["lrDir", isString, "a folder path"],
    ["selfEnsemble", isBoolean, "a boolean"],
    ["saveDir", isString, "a folder path"],
    ["tiles", (v) => typeof v === "object" && v !== null, "an object ({ tile, overlap, batch, batchPixels })"],
  ]);
  await backendInUse("inference");
  const stage = evaluate(upscaler, {
    scale: options.scale ?? upscaler.scale,
    ...(options.selfEnsemble === undefined ? {} : { selfEnsemble: options.selfEnsemble }),
    ...(options.saveDir === undefined ? {} : { saveDir: options.saveDir }),
    ...(options.tiles === undefined ? {} : { tiles: options.tiles }),
  });
  const events = await lastValueFrom(from([{ hrDir, ...(options.lrDir === undefined ? {} : { lrDir: options.lrDir }) }]).pipe(stage, toArray()));
  const images = events.filter((e): e is ImageResult => e.kind === "image");
  const summary = events.find((e): e is SetSummary => e.kind === "set")!;
  return { summary, images };
}
