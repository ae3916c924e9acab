/** Mean Y-PSNR / SSIM (and optionally NIQE) of an upscaler on validation pairs, with the evaluation's conventions. */
import type { MetricName } from "../../dsl/index.js";
import type { RgbImage } from "../../io/image.js";
import type { Upscaler } from "../../model/upscaler.js";
import { niqeOrNaN } from "../../ops/niqe.js";
import { psnrY } from "../../ops/psnr.js";
import { ssimY } from "../../ops/ssim.js";
import { upscaleTiled } from "../../ops/tiled-upscale.js";
import type { ValidationPair } from "../data/index.js";
import { meanOfDefined, quantize8 } from "../evaluate.js";

export interface ValidationScore {
  readonly psnr: number;
  readonly ssim: number;
  /** Mean NIQE of the SR images (scale pixels cropped from every border), when `metrics` has "niqe" (images without one, too small or flat, left out). */
  readonly niqe?: number;
  readonly images: number;
}

/**
 * Upscales the pairs one after another (tiled, output read with `await data()`, never `dataSync`)
 * and resolves to the means. PSNR and SSIM are always measured; NIQE when `metrics` lists it.
 * The upscaler's weights must not change until the promise settles. `onSr` is shown each SR image
 * (8-bit quantized, as measured) with its pair's index.
 */
export async function validate(upscaler: Upscaler, pairs: readonly ValidationPair[], scale: number, metrics: readonly MetricName[] = ["psnr", "ssim"], onSr?: (index: number, sr: RgbImage) => void): Promise<ValidationScore> {
  let psnr = 0, ssim = 0;
  const niqes: number[] = [];
  for (const [index, pair] of pairs.entries()) {
    const sr = quantize8(await upscaleTiled(upscaler, pair.lr));
    onSr?.(index, sr);
    psnr += psnrY(sr, pair.hr, scale);
    ssim += ssimY(sr, pair.hr, scale);
    if (metrics.includes("niqe")) niqes.push(niqeOrNaN(sr, { border: scale }));
  }
  const score = { psnr: psnr / pairs.length, ssim: ssim / pairs.length, images: pairs.length };
  return metrics.includes("niqe") ? { ...score, niqe: meanOfDefined(niqes) } : score;
}
