/** DepthwiseConv2dNativeBackpropInput (gradient of the depthwise conv wrt its input). */
import { backend_util, DepthwiseConv2dNativeBackpropInput } from "@tensorflow/tfjs-core";
import type { DepthwiseConv2dNativeBackpropInputAttrs } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { convShape, f32, nativeKernel, sizeOf, outputF32 } from "./util.js";

export const depthwiseConv2dNativeBackpropInputConfig = nativeKernel(DepthwiseConv2dNativeBackpropInput, ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs;
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const dyv = f32(backend, dy), wv = f32(backend, filter);
  if (!dyv || !wv) return null;
  const ci = backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, dilations ?? 1, pad, dimRoundingMode, true);
  const shape = convShape(ci);
  if (!shape || ci.outHeight !== dy.shape[1] || ci.outWidth !== dy.shape[2]) return null;
  const dx = outputF32(backend, sizeOf(inputShape));
  if (dx.length > 0 && dyv.length > 0) addon().depthwiseBackpropInput(dyv, wv, dx, shape, filter.shape[3]);
  return backend.makeTensorInfo(inputShape, "float32", dx);
});
