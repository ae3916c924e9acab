/** DepthwiseConv2dNative (NHWC, filter [KH,KW,C,M]). */
import { backend_util, DepthwiseConv2dNative } from "@tensorflow/tfjs-core";
import type { DepthwiseConv2dNativeAttrs } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { convShape, f32, nativeKernel, sizeOf, outputF32 } from "./util.js";

export const depthwiseConv2dNativeConfig = nativeKernel(DepthwiseConv2dNative, ({ inputs, backend, attrs }) => {
  const { x, filter } = inputs;
  const { strides, pad, dilations, dimRoundingMode } = attrs as unknown as DepthwiseConv2dNativeAttrs;
  const xv = f32(backend, x), wv = f32(backend, filter);
  if (!xv || !wv || x.shape.length !== 4) return null;
  const ci = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    strides, dilations ?? 1, pad, dimRoundingMode, true);
  const shape = convShape(ci);
  if (!shape) return null;
  const out = outputF32(backend, sizeOf(ci.outShape));
  if (out.length > 0) addon().depthwiseConv2d(xv, wv, out, shape, filter.shape[3]);
  return backend.makeTensorInfo(ci.outShape, "float32", out);
});
