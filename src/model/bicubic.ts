/**
 * The bicubic baseline as an `Upscaler`: MATLAB's `imresize(lr, scale, 'bicubic')` on the float LR
 * (no rounding between the passes), through the tensor resize in `src/ops/imresize.ts`.
 * Measured the way the tables do (SR rounded to 8 bits), it gives the "Bicubic" rows.
 */
import { imresize } from "../ops/imresize.js";
import type { Upscaler } from "./upscaler.js";

/**
 * The bicubic baseline as an Upscaler (MATLAB's `imresize(lr, scale, 'bicubic')`): the "Bicubic" rows of the SR tables.
 *
 * ```ts
 * const { summary } = await evaluateFolder(bicubic(4), bundledData().set5);   // 28.43 dB / 0.8113
 * ```
 */
export function bicubicUpscaler(scale: number): Upscaler {
  if (!(Number.isInteger(scale) && scale >= 1)) throw new RangeError(`bicubicUpscaler: scale must be a positive integer (got ${scale})`);
  return {
    name: "bicubic",
    scale,
    // The cubic kernel reaches 2 LR pixels on either side of the sample point.
    receptiveRadius: 2,
    // imresize frees its own intermediates (it runs inside tf.tidy).
    upscale: async (lr) => imresize(lr, scale),
    dispose: () => {},
  };
}
