/** PclReflectSeparableFilter (src/ops/reflect-separable-filter.ts) as one pass of the addon over NHWC images. */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { REFLECT_SEPARABLE_FILTER } from "../../../ops/reflect-separable-filter.js";
import { addon } from "../addon.js";
import { f32, NATIVE, outputF32, type KernelArgs } from "./util.js";

function reflectSeparableFilterNative(args: KernelArgs): TensorInfo {
  const [x, scale, vertical, horizontal] = ["x", "scale", "vertical", "horizontal"].map((name) => {
    const v = f32(args.backend, args.inputs[name]);
    if (!v) throw new Error(`${REFLECT_SEPARABLE_FILTER}: ${name} must be a float32 tensor`);
    return v;
  });
  const shape = args.inputs.x.shape;
  const [n, h, w, c] = shape;
  const taps = args.inputs.vertical.shape[1];
  const out = outputF32(args.backend, x.length);
  if (out.length > 0) addon().reflectSeparableFilter(x, scale, vertical, horizontal, out, n, h, w, c, taps);
  return args.backend.makeTensorInfo(shape, "float32", out);
}

export const reflectSeparableFilterConfig: KernelConfig = {
  kernelName: REFLECT_SEPARABLE_FILTER, backendName: NATIVE, kernelFunc: reflectSeparableFilterNative as unknown as KernelFunc,
};
