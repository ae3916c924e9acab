/** Mean Y-PSNR / SSIM of an upscaler on validation pairs, with the evaluation's conventions. */
import type { Upscaler } from "../../model/upscaler.js";
import { psnrY } from "../../ops/psnr.js";
import { ssimY } from "../../ops/ssim.js";
import { upscaleTiled } from "../../ops/tiled-upscale.js";
import type { ValidationPair } from "../data/index.js";
import { quantize8 } from "../evaluate.js";

export interface ValidationScore {
  readonly psnr: number;
  readonly ssim: number;
  readonly images: number;
}

/**
 * Upscales the pairs one after another (tiled, output read with `await data()`, never `dataSync`)
 * and resolves to the means. The upscaler's weights must not change until the promise settles.
 */
export async function validate(upscaler: Upscaler, pairs: readonly ValidationPair[], scale: number): Promise<ValidationScore> {
  let psnr = 0, ssim = 0;
  for (const pair of pairs) {
    const sr = quantize8(await upscaleTiled(upscaler, pair.lr));
    psnr += psnrY(sr, pair.hr, scale);
    ssim += ssimY(sr, pair.hr, scale);
  }
  return { psnr: psnr / pairs.length, ssim: ssim / pairs.length, images: pairs.length };
}
