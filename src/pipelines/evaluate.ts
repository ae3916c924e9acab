/**
 * Evaluation the way the published SR tables do it, as an RxJS stage: image sets in, one result per
 * image and then one summary per set out.
 *
 * For each set (an HR folder, listed recursively and sorted):
 * 1. HR is read and cropped (top-left) to a multiple of the scale;
 * 2. LR is made from it with MATLAB's uint8 bicubic `imresize(HR, 1/scale)`, or read from `lrDir`,
 *    where `baby.png` pairs with `baby.png` or `babyx4.png` (the LR must be exactly HR / scale);
 * 3. the upscaler runs tiled (`upscaleTiled`), optionally as a self-ensemble of the 8 flips/transposes;
 * 4. SR is clipped to [0, 1] and rounded to 8 bits (`quantize8`), as a saved PNG would be; this is what
 *    the tables measure. Y-PSNR and SSIM (BT.601 Y, `scale` pixels cropped from every border) and RGB
 *    PSNR (same crop) compare it with the HR;
 * 5. with `metrics` listing "niqe": NIQE (no-reference, lower is more natural; same border crop) of
 *    the 8-bit SR, of the HR, and of MATLAB's bicubic upscaling of the LR (float path, 8-bit), the
 *    last two for reference; an image without a NIQE (fewer than two 96x96 blocks after the crop)
 *    gets NaN and is left out of the set's NIQE means (`SetSummary.niqe.images` counts those measured);
 * 6. optionally the 8-bit SR is written to `saveDir/<set>/<relative path>.png`.
 *
 * Reading and writing files happen in this stage's `concatMap`s; the math is in `src/ops`. Images go
 * one at a time, and every tensor is freed inside `upscaleTiled`, which reads the model's output with
 * `await data()` (no synchronous device reads).
 *
 * ```ts
 * from([{ hrDir: "../shared/data/set5/HR" }]).pipe(evaluate(bicubicUpscaler(4), { scale: 4 }))
 *   .subscribe((e) => console.log(e)); // 5 x { kind: "image", ... }, then { kind: "set", set: "set5", ... }
 * ```
 */
import { basename, dirname, extname, join, relative } from "node:path";
import { concatMap, connect, defer, from, map, merge, toArray, type OperatorFunction } from "rxjs";
import type { MetricName } from "../dsl/index.js";
import { fromRgb, quantize, readRgb, writeImage, type RgbImage } from "../io/image.js";
import type { Upscaler } from "../model/upscaler.js";
import { imresizeRgb } from "../ops/imresize.js";
import { niqeOrNaN } from "../ops/niqe.js";
import { psnrRgb, psnrY } from "../ops/psnr.js";
import { selfEnsemble } from "../ops/self-ensemble.js";
import { ssimY } from "../ops/ssim.js";
import { upscaleTiled, type TileOptions } from "../ops/tiled-upscale.js";
import { cropToScale } from "./data/crop-to-scale.js";
import { NoReadableImagesError } from "./data/errors.js";
import { listImages } from "./data/list-images.js";
import { pairFiles, type FilePair } from "./data/pair-files.js";

/** One set to evaluate: an HR folder, and optionally the folder of its ready-made LR images. */
export interface EvalSet {
  readonly hrDir: string;
  readonly lrDir?: string;
}

/** How `evaluate` measures: the scale, and optionally self-ensemble, saving the SR images, tiling. */
export interface EvaluateOptions {
  readonly scale: number;
  /** Average the 8 flip/transpose variants (each transformed back). Default false. */
  readonly selfEnsemble?: boolean;
  /** Write each 8-bit SR image as PNG under `saveDir/<set>/`. */
  readonly saveDir?: string;
  /** Tiling of the upscaler (tile size, overlap, batching). */
  readonly tiles?: TileOptions;
  /** What to measure: PSNR and SSIM always are; "niqe" adds NIQE of SR, HR and bicubic. Default ["psnr", "ssim"]. */
  readonly metrics?: readonly MetricName[];
}

/** NIQE of one image's SR, HR and bicubic upscaling (NaN where the image has none). */
export interface NiqeScores {
  readonly niqe: number;
  readonly niqeHr: number;
  readonly niqeBicubic: number;
}

/** One image's numbers. */
export interface ImageResult {
  readonly kind: "image";
  readonly set: string;
  /** The HR file, relative to the set's HR folder. */
  readonly file: string;
  readonly width: number;
  readonly height: number;
  /** Y-channel PSNR in dB (Infinity when identical). */
  readonly psnr: number;
  readonly ssim: number;
  readonly psnrRgb: number;
  /** With the "niqe" metric. */
  readonly niqe?: NiqeScores;
  /** Seconds spent upscaling this image. */
  readonly seconds: number;
  /** Its place in the set: the `index`-th (from 0) of `count` images (for progress). */
  readonly index: number;
  readonly count: number;
}

/** One set's means over its images. */
export interface SetSummary {
  readonly kind: "set";
  readonly set: string;
  readonly images: number;
  /** Means over the set's images. */
  readonly psnr: number;
  readonly ssim: number;
  readonly psnrRgb: number;
  /** With the "niqe" metric: means over the images that have a NIQE, and how many do. */
  readonly niqe?: NiqeScores & { readonly images: number };
  readonly seconds: number;
}

/** What `evaluate` emits: each image's result, then its set's summary. */
export type EvalEvent = ImageResult | SetSummary;

/** An LR file whose size is not the HR size divided by the scale. */
export class LrSizeError extends Error {
  override readonly name = "LrSizeError";
  constructor(readonly file: string, got: RgbImage, expected: { width: number; height: number }, hr: string) {
    super(`${file}: LR image is ${got.width}x${got.height}, expected ${expected.width}x${expected.height} (the HR ${hr}, cropped to a multiple of the scale, divided by the scale)`);
  }
}

/** An HR file with no LR counterpart in the LR folder. */
export class MissingLrError extends Error {
  override readonly name = "MissingLrError";
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}`);
  }
}

/** A set's name in tables: the folder's name, or its parent's when the folder is called HR (`set5/HR` -> `set5`). */
export function setName(hrDir: string): string {
  const dir = hrDir.replace(/[\\/]+$/, "");
  return basename(dir).toLowerCase() === "hr" ? basename(dirname(dir)) : basename(dir);
}

/** The image as a saved 8-bit file holds it: clipped to [0, 1], rounded to k / 255. */
export function quantize8(img: RgbImage): RgbImage {
  const q = quantize(img.data, 8);
  const data = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) data[i] = q[i] / 255;
  return { width: img.width, height: img.height, data };
}

/** The stage: each set's per-image results in file order, then its summary. Sets run one after another. */
export function evaluate(upscaler: Upscaler, options: EvaluateOptions): OperatorFunction<EvalSet, EvalEvent> {
  const { scale } = options;
  if (!(Number.isInteger(scale) && scale >= 1)) throw new RangeError(`evaluate: scale must be a positive integer (got ${scale})`);
  if (upscaler.scale !== scale) throw new RangeError(`evaluate: ${upscaler.name} upscales x${upscaler.scale}, but the scale is ${scale}`);
  const withNiqe = (options.metrics ?? []).includes("niqe");
  const upscale = (lr: RgbImage): Promise<RgbImage> =>
    options.selfEnsemble ? selfEnsemble((img) => upscaleTiled(upscaler, img, options.tiles), lr) : upscaleTiled(upscaler, lr, options.tiles);
  return concatMap((set) => {
    const name = setName(set.hrDir);
    const results$ = defer(() => listPairs(set, scale)).pipe(
      concatMap((pairs) => from(pairs.map((pair, index) => ({ pair, index, count: pairs.length })))),
      concatMap(async ({ pair, index, count }) => ({ pair, index, count, ...(await readPair(pair, scale)) })),
      concatMap(async ({ pair, index, count, hr, lr }) => ({ index, count, ...(await measure(name, relative(set.hrDir, pair.hr), hr, lr, upscale, scale, withNiqe)) })),
      concatMap(async ({ result, sr, index, count }): Promise<ImageResult> => {
        if (options.saveDir) await writeImage(savePath(options.saveDir, name, result.file), fromRgb(sr));
        return { ...result, index, count };
      }),
    );
    return results$.pipe(connect((shared) => merge(shared, shared.pipe(toArray(), map((rs) => summarize(name, rs))))));
  });
}

/** The set's HR files, each with its LR file when the set has an LR folder. */
async function listPairs(set: EvalSet, scale: number): Promise<FilePair[]> {
  const hrFiles = await listImages(set.hrDir);
  if (hrFiles.length === 0) throw new NoReadableImagesError(set.hrDir, 0);
  if (set.lrDir === undefined) return hrFiles.map((hr) => ({ hr }));
  const lrFiles = await listImages(set.lrDir);
  const isHr = new Set(hrFiles);
  const missing: MissingLrError[] = [];
  const pairs = pairFiles({
    hrDir: set.hrDir, hrFiles, lrDir: set.lrDir, lrFiles, scale,
    onSkip: (file, reason) => { if (isHr.has(file)) missing.push(new MissingLrError(file, reason)); },
  });
  if (missing.length > 0) throw missing[0];
  return pairs;
}

/** HR cropped to a multiple of the scale, and its LR (made with MATLAB's uint8 bicubic, or read and checked). */
async function readPair(pair: FilePair, scale: number): Promise<{ hr: RgbImage; lr: RgbImage }> {
  const hr = cropToScale(await readRgb(pair.hr), scale);
  if (pair.lr === undefined) return { hr, lr: imresizeRgb(hr, 1 / scale, { uint8: true }) };
  const lr = await readRgb(pair.lr);
  const expected = { width: hr.width / scale, height: hr.height / scale };
  if (lr.width !== expected.width || lr.height !== expected.height) throw new LrSizeError(pair.lr, lr, expected, pair.hr);
  return { hr, lr };
}

async function measure(set: string, file: string, hr: RgbImage, lr: RgbImage, upscale: (lr: RgbImage) => Promise<RgbImage>, scale: number, withNiqe: boolean): Promise<{ result: Omit<ImageResult, "index" | "count">; sr: RgbImage }> {
  const t0 = performance.now();
  const sr = quantize8(await upscale(lr));
  const seconds = (performance.now() - t0) / 1000;
  const niqe = withNiqe ? {
    niqe: niqeOrNaN(sr, { border: scale }),
    niqeHr: niqeOrNaN(hr, { border: scale }),
    niqeBicubic: niqeOrNaN(quantize8(imresizeRgb(lr, scale)), { border: scale }),
  } : undefined;
  return {
    sr,
    result: {
      kind: "image", set, file, width: hr.width, height: hr.height,
      psnr: psnrY(sr, hr, scale), ssim: ssimY(sr, hr, scale), psnrRgb: psnrRgb(sr, hr, scale), ...(niqe ? { niqe } : {}), seconds,
    },
  };
}

function summarize(set: string, results: readonly ImageResult[]): SetSummary {
  const mean = (f: (r: ImageResult) => number) => results.reduce((s, r) => s + f(r), 0) / results.length;
  const scores = results.flatMap((r) => (r.niqe ? [r.niqe] : []));
  const niqe = scores.length ? {
    niqe: meanOfDefined(scores.map((s) => s.niqe)), niqeHr: meanOfDefined(scores.map((s) => s.niqeHr)),
    niqeBicubic: meanOfDefined(scores.map((s) => s.niqeBicubic)), images: scores.filter((s) => !Number.isNaN(s.niqe)).length,
  } : undefined;
  return {
    kind: "set", set, images: results.length,
    psnr: mean((r) => r.psnr), ssim: mean((r) => r.ssim), psnrRgb: mean((r) => r.psnrRgb), ...(niqe ? { niqe } : {}), seconds: mean((r) => r.seconds),
  };
}

/** The mean of the numbers that are not NaN (NaN when there are none). */
export function meanOfDefined(values: readonly number[]): number {
  const defined = values.filter((v) => !Number.isNaN(v));
  return defined.length ? defined.reduce((s, v) => s + v, 0) / defined.length : NaN;
}

/** `saveDir/<set>/<file without extension>.png`. */
function savePath(saveDir: string, set: string, file: string): string {
  return join(saveDir, set, `${file.slice(0, file.length - extname(file).length)}.png`);
}
