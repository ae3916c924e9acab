/**
 * PIL-style sharpness enhancement: how the release makes PCL's extra positives, sharpened
 * copies of HR (method.md part 3). PIL's `ImageEnhance.Sharpness` blends the image with its
 * SMOOTH-filtered copy; here the border is reflect-padded (PIL leaves the 1-pixel border
 * unfiltered) and nothing is clipped (PIL rounds to uint8).
 */
import * as tf from "@tensorflow/tfjs-core";
import { assertNhwcFloat, assertOp, shapeText } from "./op-assert.js";
import { reflectPad } from "./reflect-pad.js";
import { hasFusedReflectFilter, reflectSeparableFilter } from "./reflect-separable-filter.js";
import { isRecording } from "./tape-gradients.js";

/** PIL's ImageFilter.SMOOTH: [[1,1,1],[1,5,1],[1,1,1]] / 13, row-major. */
export const SMOOTH_KERNEL_3X3: readonly number[] = [1, 1, 1, 1, 5, 1, 1, 1, 1].map((v) => v / 13);
/** Sharpen factors are drawn from [SHARPEN_FACTOR_MIN, SHARPEN_FACTOR_MAX) (the release's range). */
export const SHARPEN_FACTOR_MIN = 0.5;
/** The bound of the sharpen factors positives draw (excluded). */
export const SHARPEN_FACTOR_MAX = 3.0;

/**
 * out_n = s_n + f_n * (x_n - s_n), s = smooth3x3(x) with reflect padding, per sample n.
 * f = 1 returns x exactly, f = 0 the smoothed image, f > 1 sharpens. Computed as
 * x + (f - 1) * (x - s), which is why f = 1 is bit-exact; on a backend with the fused reflect
 * filter (native), outside gradient recording, as (1 + 9g/13) x - (g/13) box3x3(x) with g = f - 1
 * in one pass (f = 1 still exact). Differentiable in `x`.
 *
 * ```ts
 * const positives = sharpen(hr, [sampleSharpenFactor(Math.random), 2.5]); // hr: [2,H,W,3]
 * ```
 * @param x [N,H,W,C] float32, H and W >= 2.
 * @param factors one per sample (length N), finite.
 */
export function sharpen(x: tf.Tensor4D, factors: readonly number[]): tf.Tensor4D {
  assertNhwcFloat(x, "sharpen", "x");
  const [n, h, w, c] = x.shape;
  assertOp(factors.length === n, "sharpen", () => `need one factor per sample: ${n} for x ${shapeText(x.shape)}, got ${factors.length}`);
  assertOp(factors.every(Number.isFinite), "sharpen", () => `factors must be finite, got [${factors.join(", ")}]`);
  assertOp(h >= 2 && w >= 2, "sharpen", () => `height and width must be >= 2 for the 3x3 reflect-padded smooth, got ${shapeText(x.shape)}`);
  if (!isRecording() && hasFusedReflectFilter()) {
    // x + g (x - (box3x3 * x + 4 x) / 13) = (1 + 9g/13) x - (g/13) box3x3 * x, g = f - 1: one fused
    // pass (SMOOTH is a 3x3 box plus 4 at the center, over 13). g = 0 gives x exactly (x + -0).
    return reflectSeparableFilter(x, factors.map((f) => {
      const g = f - 1;
      return { scale: 1 + (9 * g) / 13, vertical: [1, 1, 1], horizontal: [-g / 13, -g / 13, -g / 13] };
    }));
  }
  return tf.tidy(() => {
    const filter = tf.tensor4d(SMOOTH_KERNEL_3X3.flatMap((v) => new Array<number>(c).fill(v)), [3, 3, c, 1]);
    const smooth = tf.depthwiseConv2d(reflectPad(x, 1), filter, 1, "valid");
    const gain = tf.tensor4d(factors.map((f) => f - 1), [n, 1, 1, 1]);
    return tf.add(x, tf.mul(gain, tf.sub(x, smooth)));
  });
}

/**
 * Draws one positive's sharpen factor uniformly from [0.5, 3.0); calls `rand` (numbers in
 * [0, 1)) once.
 *
 * ```ts
 * sampleSharpenFactor(Math.random); // e.g. 1.87
 * ```
 */
export function sampleSharpenFactor(rand: () => number): number {
  return SHARPEN_FACTOR_MIN + (SHARPEN_FACTOR_MAX - SHARPEN_FACTOR_MIN) * rand();
}
