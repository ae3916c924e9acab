/**
 * Reflect padding of the two spatial axes, with a correct gradient. tfjs-core 4.22's
 * `tf.mirrorPad` computes the right values, but its gradient only slices the centre back out
 * and drops what flowed through the reflected border cells; this op is built from slice,
 * reverse and concat, whose gradients are exact.
 */
import * as tf from "@tensorflow/tfjs-core";
import { assertNhwcFloat, assertOp, shapeText } from "./op-assert.js";

function reflectAxis(x: tf.Tensor4D, pad: number, axis: 1 | 2): tf.Tensor4D {
  const n = x.shape[axis];
  const cut = (start: number): tf.Tensor4D => {
    const begin = [0, 0, 0, 0], size = [-1, -1, -1, -1];
    begin[axis] = start;
    size[axis] = pad;
    return tf.reverse(tf.slice(x, begin, size), axis);
  };
  // Position -k reflects to k, position n-1+k to n-1-k (the edge row is not repeated).
  return tf.concat([cut(1), x, cut(n - 1 - pad)], axis);
}

/**
 * Pads height and width by `pad` on each side, reflecting about the edge pixels without
 * repeating them (PyTorch's 'reflect', TF's 'REFLECT'). H and W must be greater than `pad`.
 *
 * ```ts
 * const x = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
 * reflectPad(tf.tile(x, [1, 2, 1, 1]), 1); // rows and columns: 2 1 2 3 2
 * ```
 */
export function reflectPad(x: tf.Tensor4D, pad: number): tf.Tensor4D {
  assertNhwcFloat(x, "reflectPad", "x");
  assertOp(Number.isInteger(pad) && pad >= 0, "reflectPad", () => `pad must be an integer >= 0, got ${pad}`);
  assertOp(pad < x.shape[1] && pad < x.shape[2], "reflectPad", () =>
    `pad ${pad} needs height and width > ${pad}, got ${shapeText(x.shape)}`);
  return tf.tidy(() => (pad === 0 ? tf.clone(x) : reflectAxis(reflectAxis(x, pad, 1), pad, 2)));
}
