/** Conv2DBackpropInput (gradient of Conv2D wrt its input), NHWC, dilation 1. */
import { backend_util, Conv2DBackpropInput } from "@tensorflow/tfjs-core";
import type { Conv2DBackpropInputAttrs } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { convShape, f32, nativeKernel, sizeOf, outputF32 } from "./util.js";

export const conv2DBackpropInputConfig = nativeKernel(Conv2DBackpropInput, ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs;
  const { inputShape, strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as Conv2DBackpropInputAttrs;
  if (dataFormat === "NCHW") return null;
  const dyv = f32(backend, dy), wv = f32(backend, filter);
  if (!dyv || !wv) return null;
  const ci = backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, "channelsLast");
  const shape = convShape(ci);
  if (!shape || ci.outHeight !== dy.shape[1] || ci.outWidth !== dy.shape[2]) return null;
  const dx = outputF32(backend, sizeOf(inputShape));
  if (dx.length > 0 && dyv.length > 0) addon().conv2dBackpropInput(dyv, wv, dx, shape);
  return backend.makeTensorInfo(inputShape, "float32", dx);
});
