/**
 * Reflect padding of the two spatial axes, with a correct gradient: `tf.mirrorPad`, whose
 * broken tfjs 4.22 gradient (it drops what flowed through the reflected border cells) is
 * replaced by mirror-pad-grad.ts when src/backend/gradients.ts loads.
 */
import * as tf from "@tensorflow/tfjs-core";
import { assertNhwcFloat, assertOp, shapeText } from "./op-assert.js";

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
  return tf.tidy(() => (pad === 0 ? tf.clone(x) : tf.mirrorPad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]], "reflect")));
}
