/**
 * A 3x3 (or any odd) convolution with bias and an optional ReLU / LeakyReLU in one FusedConv2D
 * kernel, forward and backward. tfjs's `tf.fused.conv2d` splits the activation off whenever a
 * gradient is being recorded (three kernels under training), and its gradient computes the
 * input, filter and bias gradients all at once even when only one is needed (a frozen E's
 * filters, the input of a network's first conv). Here the kernel runs as-is and its gradient
 * (fused-conv2d-grad.ts, registered by src/backend/gradients.ts) gives each input's gradient only
 * when the tape asks for it.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { FusedConv2DAttrs, NamedAttrMap } from "@tensorflow/tfjs-core";
import { assertNhwcFloat, assertOp, shapeText } from "./op-assert.js";

export type ConvActivation = "linear" | "relu" | "leakyRelu";

/**
 * activation(conv(x, filter, stride, pad) + bias), NHWC.
 *
 * ```ts
 * const y = conv2dBiasActivation(x, kernel, bias, { stride: 1, pad: "same", activation: "leakyRelu", alpha: 0.2 });
 * ```
 * @param x [N,H,W,C] float32.
 * @param filter [K,K,C,C_out].
 * @param bias [C_out].
 * @param o.pad "same" or "valid": the paddings every backend accepts (tfjs-node rejects numeric
 *   pads); symmetric zero padding of another width is the caller's `tf.pad` before a "valid" conv,
 *   or, where `takesNumericConvPad()`, that width as a number.
 *   o.alpha the LeakyReLU slope (> 0: the gradient reads the sign of the pre-activation off the output).
 */
export function conv2dBiasActivation(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, o: { stride: number; pad: "same" | "valid" | number; activation: ConvActivation; alpha?: number }): tf.Tensor4D {
  const op = "conv2dBiasActivation";
  assertNhwcFloat(x, op, "x");
  assertOp(filter.rank === 4 && filter.shape[2] === x.shape[3], op, () => `filter must be [K,K,${x.shape[3]},C_out] for x ${shapeText(x.shape)}, got ${shapeText(filter.shape)}`);
  assertOp(bias.rank === 1 && bias.shape[0] === filter.shape[3], op, () => `bias must be [${filter.shape[3]}], got ${shapeText(bias.shape)}`);
  assertOp(typeof o.pad === "string" || (Number.isInteger(o.pad) && o.pad >= 0), op, () => `pad must be "same", "valid" or an integer >= 0, got ${o.pad}`);
  const alpha = o.alpha ?? 0.2;
  assertOp(o.activation !== "leakyRelu" || alpha > 0, op, () => `the LeakyReLU slope must be > 0, got ${alpha}`);
  const attrs: FusedConv2DAttrs = {
    strides: o.stride, pad: o.pad, dataFormat: "NHWC", dilations: 1, dimRoundingMode: undefined as unknown as "floor",
    activation: o.activation === "leakyRelu" ? "leakyrelu" : o.activation, leakyreluAlpha: alpha,
  };
  return tf.engine().runKernel("FusedConv2D", { x, filter, bias }, attrs as unknown as NamedAttrMap) as tf.Tensor4D;
}

/**
 * Whether the active backend takes a numeric (symmetric, explicit) conv padding in its conv kernels
 * and their gradients: pcl-stream's native addon pads inside the kernel, which saves the tf.pad
 * copy and, in the backward pass, the slice of its gradient (E's stride-2 convs: the edsr-tiny
 * `d-step` bench went from 39.9 to 35.8-38.0 ms; the whole PCL iteration did not move beyond this
 * VM's noise). tfjs-node throws on numeric pads; the other tfjs backends get the portable form
 * (tf.pad, then "valid").
 */
export function takesNumericConvPad(): boolean {
  return tf.getBackend() === "native";
}
