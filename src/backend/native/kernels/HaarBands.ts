/** PclHaarBands and its gradient (src/ops/haar.ts: haarBands) as single passes of the addon. */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { HAAR_BANDS, HAAR_BANDS_GRAD } from "../../../ops/haar.js";
import { addon } from "../addon.js";
import { f32, NATIVE, outputF32, type KernelArgs } from "./util.js";

function input(kernel: string, args: KernelArgs, name: string): Float32Array {
  const v = f32(args.backend, args.inputs[name]);
  if (!v) throw new Error(`${kernel}: ${name} must be a float32 tensor`);
  return v;
}

function haarBandsNative(args: KernelArgs): TensorInfo {
  const x = input(HAAR_BANDS, args, "x");
  const weights = Float32Array.from((args.attrs as { weights: number[] }).weights);
  const bands = weights.length / 4;
  const [n, h, w, c] = args.inputs.x.shape;
  const out = outputF32(args.backend, (x.length / 4) * bands);
  if (out.length > 0) addon().haarBands(x, weights, out, bands, n, h, w, c);
  return args.backend.makeTensorInfo([n, h / 2, w / 2, bands * c], "float32", out);
}

function haarBandsGradNative(args: KernelArgs): TensorInfo {
  const dy = input(HAAR_BANDS_GRAD, args, "dy");
  const { weights: list, height, width } = args.attrs as { weights: number[]; height: number; width: number };
  const weights = Float32Array.from(list);
  const bands = weights.length / 4;
  const [n, , , bc] = args.inputs.dy.shape;
  const c = bc / bands;
  const dx = outputF32(args.backend, n * height * width * c);
  if (dx.length > 0) addon().haarBandsGrad(dy, weights, dx, bands, n, height, width, c);
  return args.backend.makeTensorInfo([n, height, width, c], "float32", dx);
}

const config = (kernelName: string, fn: (args: KernelArgs) => TensorInfo): KernelConfig =>
  ({ kernelName, backendName: NATIVE, kernelFunc: fn as unknown as KernelFunc });

export const haarBandsConfigs: KernelConfig[] = [config(HAAR_BANDS, haarBandsNative), config(HAAR_BANDS_GRAD, haarBandsGradNative)];
