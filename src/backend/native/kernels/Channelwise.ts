/**
 * pcl-stream's per-channel backward-pass kernels (src/ops/bias-activation-grad.ts,
 * src/ops/channel-gate.ts) as single passes of the addon over NHWC maps.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { BIAS_ACTIVATION_GRAD } from "../../../ops/bias-activation-grad.js";
import { CHANNEL_DOT, SCALE_SHIFT_CHANNELS } from "../../../ops/channel-gate.js";
import { addon } from "../addon.js";
import { f32, NATIVE, outputF32, sizeOf, type KernelArgs } from "./util.js";

function arrays(kernel: string, args: KernelArgs, names: string[]): Float32Array[] {
  return names.map((name) => {
    const v = f32(args.backend, args.inputs[name]);
    if (!v) throw new Error(`${kernel}: ${name} must be a float32 tensor`);
    return v;
  });
}

function biasActivationGradNative(args: KernelArgs): TensorInfo[] {
  const [dy, y] = arrays(BIAS_ACTIVATION_GRAD, args, ["dy", "y"]);
  const shape = args.inputs.dy.shape;
  const channels = shape[shape.length - 1];
  const g = outputF32(args.backend, dy.length), dbias = outputF32(args.backend, channels);
  addon().biasActivationGrad(dy, y, g, dbias, dy.length / channels, channels, (args.attrs as { slope: number }).slope);
  return [args.backend.makeTensorInfo(shape, "float32", g), args.backend.makeTensorInfo([channels], "float32", dbias)];
}

function channelDotNative(args: KernelArgs): TensorInfo {
  const [dy, x] = arrays(CHANNEL_DOT, args, ["dy", "x"]);
  const [n, h, w, c] = args.inputs.dy.shape;
  const out = outputF32(args.backend, n * c);
  addon().channelDot(dy, x, out, n, h * w, c);
  return args.backend.makeTensorInfo([n, 1, 1, c], "float32", out);
}

function scaleShiftChannelsNative(args: KernelArgs): TensorInfo {
  const [dy, s, b] = arrays(SCALE_SHIFT_CHANNELS, args, ["dy", "s", "b"]);
  const shape = args.inputs.dy.shape;
  const [n, h, w, c] = shape;
  const out = outputF32(args.backend, sizeOf(shape));
  addon().scaleShiftChannels(dy, s, b, out, n, h * w, c);
  return args.backend.makeTensorInfo(shape, "float32", out);
}

const config = (kernelName: string, fn: (args: KernelArgs) => TensorInfo | TensorInfo[]): KernelConfig =>
  ({ kernelName, backendName: NATIVE, kernelFunc: fn as unknown as KernelFunc });

export const channelwiseConfigs: KernelConfig[] = [
  config(BIAS_ACTIVATION_GRAD, biasActivationGradNative),
  config(CHANNEL_DOT, channelDotNative),
  config(SCALE_SHIFT_CHANNELS, scaleShiftChannelsNative),
];
