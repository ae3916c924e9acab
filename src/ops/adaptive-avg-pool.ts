import * as tf from "@tensorflow/tfjs-core";
import { assertNhwcFloat, assertOp } from "./op-assert.js";

/** Row i of PyTorch's AdaptiveAvgPool bins over `n` inputs into `size` outputs: [floor(i n / size), ceil((i+1) n / size)). */
export function adaptivePoolMatrix(n: number, size: number): Float32Array {
  const m = new Float32Array(size * n);
  for (let i = 0; i < size; i++) {
    const start = Math.floor((i * n) / size), end = Math.ceil(((i + 1) * n) / size);
    for (let j = start; j < end; j++) m[i * n + j] = 1 / (end - start);
  }
  return m;
}

/**
 * Average pooling to a fixed `size` x `size` grid with PyTorch's AdaptiveAvgPool2d bins
 * (overlapping when the input does not divide evenly). Differentiable.
 *
 * ```js
 * adaptiveAvgPool(tf.ones([1, 6, 6, 2]), 4).shape // [1, 4, 4, 2]
 * ```
 */
export function adaptiveAvgPool(x: tf.Tensor4D, size: number): tf.Tensor4D {
  assertNhwcFloat(x, "adaptiveAvgPool", "x");
  assertOp(Number.isInteger(size) && size >= 1, "adaptiveAvgPool", () => `size must be a positive integer, got ${size}`);
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    if (h % size === 0 && w % size === 0) return tf.avgPool(x, [h / size, w / size], [h / size, w / size], "valid");
    const ph = tf.tensor2d(adaptivePoolMatrix(h, size), [size, h]);
    const pw = tf.tensor2d(adaptivePoolMatrix(w, size), [size, w]);
    // Height: [size, h] x [h, n*w*c]; width: [size, w] x [w, n*size*c].
    const xh = tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [h, n * w * c]);
    const yh = tf.reshape(tf.matMul(ph, xh), [size, n, w, c]);
    const yw = tf.matMul(pw, tf.reshape(tf.transpose(yh, [2, 1, 0, 3]), [w, n * size * c]));
    return tf.transpose(tf.reshape(yw, [size, n, size, c]), [1, 2, 0, 3]) as tf.Tensor4D;
  });
}
