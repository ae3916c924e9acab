/** Float32 reductions over any axes without transposing: Sum, Mean, Max, Min, Prod. */
import { Max, Mean, Min, Prod, Sum, util } from "@tensorflow/tfjs-core";
import type { KernelConfig } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { f32, nativeKernel, sizeOf, outputF32 } from "./util.js";

/** Max names its axes `reductionIndices`; the others `axis`. */
function reduceKernel(name: string, op: number, axisAttr = "axis"): KernelConfig {
  return nativeKernel(name, ({ inputs, backend, attrs }) => {
    const { x } = inputs;
    const xv = f32(backend, x);
    if (!xv || x.shape.length > 8) return null;
    const a = attrs as unknown as Record<string, number | number[] | undefined>;
    const axis = a[axisAttr] ?? null;
    const keepDims = Boolean(a.keepDims);
    const axes = util.parseAxisParam(axis as number | number[], x.shape);
    const keep = Int32Array.from(x.shape.map((_, i) => (axes.includes(i) ? 0 : 1)));
    const outShape = keepDims ? x.shape.map((d, i) => (keep[i] ? d : 1)) : x.shape.filter((_, i) => keep[i]);
    const out = outputF32(backend, sizeOf(outShape));
    if (out.length > 0) addon().reduce(op, xv, out, Int32Array.from(x.shape), keep);
    return backend.makeTensorInfo(outShape, "float32", out);
  });
}

export const reduceConfigs: KernelConfig[] = [
  reduceKernel(Sum, 0),
  reduceKernel(Mean, 1),
  reduceKernel(Max, 2, "reductionIndices"),
  reduceKernel(Min, 3),
  reduceKernel(Prod, 4),
];
