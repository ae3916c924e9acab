/**
 * The residual connection x + scale * y with a gradient that keeps nothing: tfjs's Add and Mul
 * gradients save their inputs (for broadcasting shapes and the product rule), which on a residual
 * network keeps one more activation per block alive until the backward pass. Here both inputs
 * have the same shape and the scale is a constant, so dx = dy and dy_y = scale * dy.
 */
import * as tf from "@tensorflow/tfjs-core";
import { assertOp, assertSameShape } from "./op-assert.js";

const addScaled = (scale: number) => tf.customGrad(((x: tf.Tensor, y: tf.Tensor) => ({
  value: scale === 1 ? tf.add(x, y) : tf.add(x, tf.mul(y, scale)),
  gradFunc: (dy: tf.Tensor) => [tf.clone(dy), scale === 1 ? tf.clone(dy) : tf.mul(dy, scale)],
})) as unknown as Parameters<typeof tf.customGrad<tf.Tensor>>[0]);

/** One op per scale (a network uses one or two: 1, and EDSR-large's 0.1), made on first use. */
const byScale = new Map<number, ReturnType<typeof addScaled>>();
const opFor = (scale: number) => {
  let op = byScale.get(scale);
  if (!op) byScale.set(scale, (op = addScaled(scale)));
  return op;
};

/**
 * x + scale * y for tensors of one shape.
 *
 * ```ts
 * const out = residualAdd(x, body(x));       // EDSR / RCAN skip
 * const out2 = residualAdd(x, body(x), 0.1); // EDSR-large's residual scaling
 * ```
 */
export function residualAdd<T extends tf.Tensor>(x: T, y: T, scale = 1): T {
  assertSameShape(x, y, "residualAdd", "x and y");
  assertOp(Number.isFinite(scale), "residualAdd", () => `scale must be finite, got ${scale}`);
  return opFor(scale)(x, y) as T;
}
