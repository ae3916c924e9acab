/** Conv2DBackpropFilter (gradient of Conv2D wrt its filter), NHWC. */
import { backend_util, Conv2DBackpropFilter } from "@tensorflow/tfjs-core";
import type { Conv2DBackpropFilterAttrs } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { convShape, f32, nativeKernel, sizeOf, outputF32 } from "./util.js";

export const conv2DBackpropFilterConfig = nativeKernel(Conv2DBackpropFilter, ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  if (dataFormat === "NCHW") return null;
  const xv = f32(backend, x), dyv = f32(backend, dy);
  if (!xv || !dyv) return null;
  const ci = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, "channelsLast");
  const shape = convShape(ci);
  if (!shape || ci.outHeight !== dy.shape[1] || ci.outWidth !== dy.shape[2]) return null;
  const dw = outputF32(backend, sizeOf(filterShape));
  if (dw.length > 0 && dyv.length > 0) addon().conv2dBackpropFilter(xv, dyv, dw, shape);
  return backend.makeTensorInfo(filterShape, "float32", dw);
});
