/** FusedConv2D: conv + bias + activation in one pass (linear/relu/relu6/leakyrelu/sigmoid); prelu etc. run on cpu. */
import { FusedConv2D } from "@tensorflow/tfjs-core";
import type { FusedConv2DAttrs, TensorInfo } from "@tensorflow/tfjs-core";
import { conv2dNative } from "./Conv2D.js";
import { activationCode, nativeKernel } from "./util.js";

export const fusedConv2DConfig = nativeKernel(FusedConv2D, (args) => {
  const { activation, leakyreluAlpha } = args.attrs as unknown as FusedConv2DAttrs;
  const act = activationCode(activation);
  if (act === null) return null;
  const bias = (args.inputs.bias as TensorInfo | undefined) ?? null;
  // a bias of one value broadcast over channels is left to cpu (the shape check in conv2dNative)
  return conv2dNative(args, bias, act, leakyreluAlpha ?? 0.2);
});
