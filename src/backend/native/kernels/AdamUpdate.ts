/** pcl-stream's fused Adam step (src/ops/adam-update.ts) as one pass of the addon over w, g, m, v. */
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { ADAM_UPDATE, adamConstants, type AdamConstants } from "../../../ops/adam-update.js";
import { addon } from "../addon.js";
import { f32, NATIVE, outputF32, sizeOf, type KernelArgs } from "./util.js";

function adamUpdateNative({ inputs, backend, attrs }: KernelArgs): TensorInfo[] {
  const { w, g, m, v } = inputs;
  const arrays = [w, g, m, v].map((t) => f32(backend, t));
  if (arrays.some((a) => a === null)) throw new Error(`${ADAM_UPDATE}: w, g, m and v must be float32 tensors`);
  const [wv, gv, mv, vv] = arrays as Float32Array[];
  const n = sizeOf(w.shape);
  const outs = [outputF32(backend, n), outputF32(backend, n), outputF32(backend, n)];
  addon().adamUpdate(wv, gv, mv, vv, outs[0], outs[1], outs[2], adamConstants(attrs as unknown as AdamConstants));
  return outs.map((o) => backend.makeTensorInfo(w.shape, "float32", o));
}

export const adamUpdateConfig: KernelConfig = { kernelName: ADAM_UPDATE, backendName: NATIVE, kernelFunc: adamUpdateNative as unknown as KernelFunc };
