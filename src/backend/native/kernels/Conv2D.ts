/** Conv2D (NHWC, any stride / dilation / padding) on the addon's direct convolution. */
import { backend_util, Conv2D } from "@tensorflow/tfjs-core";
import type { Conv2DAttrs, TensorInfo } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { convShape, f32, nativeKernel, sizeOf, outputF32 } from "./util.js";
import type { KernelArgs } from "./util.js";

export function conv2dNative({ inputs, backend, attrs }: KernelArgs, bias: TensorInfo | null = null, act = 0, alpha = 0): TensorInfo | null {
  const { x, filter } = inputs;
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as Conv2DAttrs;
  if (dataFormat === "NCHW" || x.shape.length !== 4) return null;
  const xv = f32(backend, x), wv = f32(backend, filter);
  if (!xv || !wv) return null;
  const ci = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    strides, dilations, pad, dimRoundingMode, false, "channelsLast");
  const shape = convShape(ci);
  if (!shape) return null;
  let bv: Float32Array | null = null;
  if (bias) {
    bv = f32(backend, bias);
    if (!bv || sizeOf(bias.shape) !== ci.outChannels) return null;
  }
  const out = outputF32(backend, sizeOf(ci.outShape));
  if (out.length > 0) addon().conv2d(xv, wv, bv, out, shape, act, alpha);
  return backend.makeTensorInfo(ci.outShape, "float32", out);
}

export const conv2DConfig = nativeKernel(Conv2D, (args) => conv2dNative(args));
