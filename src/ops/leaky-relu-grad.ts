/**
 * LeakyRelu's gradient as dy * step(x, alpha): two element-wise kernels. tfjs's own is
 * where(x > 0, dy, dy * alpha): three, plus a bool mask, on every LeakyReLU of E (the largest
 * activations of a PCL iteration). Equal for every finite x (step(0) = alpha, as x > 0 is false
 * there); a NaN x gives a NaN gradient instead of dy * alpha.
 * Registered by src/backend/gradients.ts after tfjs's own gradients.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { GradConfig, LeakyReluAttrs, NamedAttrMap } from "@tensorflow/tfjs-core";

export const leakyReluGradConfig: GradConfig = {
  kernelName: "LeakyRelu",
  inputsToSave: ["x"],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: NamedAttrMap) => {
    const [x] = saved;
    const { alpha } = attrs as unknown as LeakyReluAttrs;
    return { x: () => tf.mul(dy as tf.Tensor, tf.step(x, alpha)) };
  },
};
