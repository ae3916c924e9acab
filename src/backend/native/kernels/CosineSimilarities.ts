/**
 * PclCosineSimilarities and its anchor gradient (src/ops/feature-similarity.ts:
 * featureSimilaritiesToConstants) as single reads of the stacked maps by the addon.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { COSINE_SIMILARITIES, COSINE_SIMILARITIES_GRAD } from "../../../ops/feature-similarity.js";
import { addon } from "../addon.js";
import { f32, NATIVE, outputF32, type KernelArgs } from "./util.js";

function arrays(kernel: string, args: KernelArgs, names: string[]): Float32Array[] {
  return names.map((name) => {
    const v = f32(args.backend, args.inputs[name]);
    if (!v) throw new Error(`${kernel}: ${name} must be a float32 tensor`);
    return v;
  });
}

function sizes(args: KernelArgs): { n: number; k: number; pixels: number; channels: number; eps: number } {
  const [n, h, w, channels] = args.inputs.anchor.shape;
  return { n, k: args.inputs.others.shape[1], pixels: h * w, channels, eps: (args.attrs as { eps: number }).eps };
}

function cosineSimilaritiesNative(args: KernelArgs): TensorInfo {
  const [anchor, others] = arrays(COSINE_SIMILARITIES, args, ["anchor", "others"]);
  const { n, k, pixels, channels, eps } = sizes(args);
  const out = outputF32(args.backend, n * k);
  addon().cosineSimilarities(anchor, others, out, n, k, pixels, channels, eps);
  return args.backend.makeTensorInfo([n, k], "float32", out);
}

function cosineSimilaritiesGradNative(args: KernelArgs): TensorInfo {
  const [anchor, others, dy] = arrays(COSINE_SIMILARITIES_GRAD, args, ["anchor", "others", "dy"]);
  const { n, k, pixels, channels, eps } = sizes(args);
  const da = outputF32(args.backend, anchor.length);
  addon().cosineSimilaritiesGrad(anchor, others, dy, da, n, k, pixels, channels, eps);
  return args.backend.makeTensorInfo(args.inputs.anchor.shape, "float32", da);
}

const config = (kernelName: string, fn: (args: KernelArgs) => TensorInfo): KernelConfig =>
  ({ kernelName, backendName: NATIVE, kernelFunc: fn as unknown as KernelFunc });

export const cosineSimilaritiesConfigs: KernelConfig[] = [
  config(COSINE_SIMILARITIES, cosineSimilaritiesNative),
  config(COSINE_SIMILARITIES_GRAD, cosineSimilaritiesGradNative),
];
