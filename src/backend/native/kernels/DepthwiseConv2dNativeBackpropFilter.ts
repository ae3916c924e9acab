/** DepthwiseConv2dNativeBackpropFilter (gradient of the depthwise conv wrt its filter). */
import { backend_util, DepthwiseConv2dNativeBackpropFilter } from "@tensorflow/tfjs-core";
import type { DepthwiseConv2dNativeBackpropFilterAttrs } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { convShape, f32, nativeKernel, sizeOf, outputF32 } from "./util.js";

export const depthwiseConv2dNativeBackpropFilterConfig = nativeKernel(DepthwiseConv2dNativeBackpropFilter, ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs;
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const xv = f32(backend, x), dyv = f32(backend, dy);
  if (!xv || !dyv || x.shape.length !== 4) return null;
  const ci = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, dilations ?? 1, pad, dimRoundingMode, true);
  const shape = convShape(ci);
  if (!shape || ci.outHeight !== dy.shape[1] || ci.outWidth !== dy.shape[2]) return null;
  const dw = outputF32(backend, sizeOf(filterShape));
  if (dw.length > 0 && dyv.length > 0) addon().depthwiseBackpropFilter(xv, dyv, dw, shape, filterShape[3]);
  return backend.makeTensorInfo(filterShape, "float32", dw);
});
