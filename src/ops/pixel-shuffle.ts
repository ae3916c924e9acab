/**
 * Sub-pixel upsampling, PyTorch's `nn.PixelShuffle(r)` channel order, for the SR upsampler
 * (conv C -> C*r*r, then shuffle; method.md part 1).
 */
import * as tf from "@tensorflow/tfjs-core";
import { assertNhwcFloat, assertOp, shapeText } from "./op-assert.js";

/**
 * Rearranges [N,H,W,C*r*r] into [N,H*r,W*r,C]: input channel `c*r*r + i*r + j` at (y, x)
 * becomes output channel `c` at (y*r + i, x*r + j). Same order as PyTorch's pixel_shuffle
 * (NCHW), unlike `tf.depthToSpace` (which puts the channel index last and has no gradient).
 * Built from reshape and transpose, so it is differentiable.
 *
 * ```ts
 * const x = tf.tensor4d([0, 1, 2, 3], [1, 1, 1, 4]);
 * pixelShuffle(x, 2); // [1, 2, 2, 1]: [[0, 1], [2, 3]]
 * ```
 * @param x [N,H,W,C*r*r] float32.
 * @param r the integer upscaling factor (>= 1).
 */
export function pixelShuffle(x: tf.Tensor4D, r: number): tf.Tensor4D {
  assertNhwcFloat(x, "pixelShuffle", "x");
  assertOp(Number.isInteger(r) && r >= 1, "pixelShuffle", () => `r must be an integer >= 1, got ${r}`);
  const [n, h, w, depth] = x.shape;
  assertOp(depth % (r * r) === 0, "pixelShuffle", () => `channels must be a multiple of r*r = ${r * r}, got ${shapeText(x.shape)}`);
  const c = depth / (r * r);
  return tf.tidy(() => {
    const split = tf.reshape(x, [n, h, w, c, r, r]); // [n, y, x, c, i, j]
    const interleaved = tf.transpose(split, [0, 1, 4, 2, 5, 3]); // [n, y, i, x, j, c]
    return tf.reshape(interleaved, [n, h * r, w * r, c]);
  });
}
