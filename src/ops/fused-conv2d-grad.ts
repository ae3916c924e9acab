/**
 * The gradient of the FusedConv2D kernel as conv2dBiasActivation runs it (NHWC, dilation 1, bias,
 * linear / relu / leakyrelu with a positive slope). Each input's gradient is a separate closure,
 * so the engine computes only those on a path to what is differentiated. The activation's
 * derivative is read off the output: y > 0 exactly where the pre-activation is > 0 (slope > 0),
 * giving 1 there and 0 (relu) or the slope (leakyrelu) elsewhere, as the unfused ops' gradients.
 * Registered by src/backend/gradients.ts.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { FusedConv2DAttrs, GradConfig, NamedAttrMap } from "@tensorflow/tfjs-core";
import { biasActivationGrad } from "./bias-activation-grad.js";

export const fusedConv2dGradConfig: GradConfig = {
  kernelName: "FusedConv2D",
  inputsToSave: ["x", "filter", "bias"],
  outputsToSave: [true],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: NamedAttrMap) => {
    const [x, filter, , y] = saved;
    const a = attrs as unknown as FusedConv2DAttrs;
    const dilations = Array.isArray(a.dilations) ? a.dilations : [a.dilations, a.dilations];
    if (a.dataFormat !== "NHWC" || dilations.some((d) => d !== 1)) throw new Error("FusedConv2D gradient: only NHWC with dilation 1 is supported");
    const up = dy as tf.Tensor4D;
    // dy through the activation, and the bias gradient in the same pass. Made here, not in a
    // closure: the engine runs each closure in its own tidy, and this node is on the tape only
    // because some input needs it (an unused bias gradient is freed with the node's scope).
    let dyPre: tf.Tensor;
    let dbias: tf.Tensor | undefined;
    if (a.activation === "linear") dyPre = up;
    else if (a.activation === "relu" || (a.activation === "leakyrelu" && (a.leakyreluAlpha ?? 0.2) > 0)) {
      ({ g: dyPre, dbias } = biasActivationGrad(up, y, a.activation === "relu" ? 0 : a.leakyreluAlpha ?? 0.2));
    } else throw new Error(`FusedConv2D gradient: activation ${a.activation}${a.activation === "leakyrelu" ? ` with slope ${a.leakyreluAlpha}` : ""} is not supported`);
    const conv = { strides: a.strides, pad: a.pad, dataFormat: "NHWC", dimRoundingMode: a.dimRoundingMode };
    return {
      x: () => tf.engine().runKernel("Conv2DBackpropInput", { dy: dyPre, filter }, { ...conv, inputShape: x.shape } as unknown as NamedAttrMap) as tf.Tensor,
      filter: () => tf.engine().runKernel("Conv2DBackpropFilter", { x, dy: dyPre }, { ...conv, filterShape: filter.shape } as unknown as NamedAttrMap) as tf.Tensor,
      bias: () => dbias ?? tf.sum(dyPre, [0, 1, 2]),
    };
  },
};
