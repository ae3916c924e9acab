/** MirrorPad and PadV2 for rank-4 float32 tensors (reflect padding of images before blurs). */
import { MirrorPad, PadV2 } from "@tensorflow/tfjs-core";
import type { MirrorPadAttrs, PadV2Attrs } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { f32, nativeKernel, sizeOf, outputF32 } from "./util.js";
import type { KernelArgs } from "./util.js";

function pad4({ inputs, backend }: KernelArgs, paddings: Array<[number, number]>, mode: number, value: number) {
  const { x } = inputs;
  const xv = f32(backend, x);
  if (!xv || x.shape.length !== 4 || paddings.length !== 4) return null;
  if (paddings.some(([b, a]) => b < 0 || a < 0)) return null;
  const outShape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  const out = outputF32(backend, sizeOf(outShape));
  if (out.length > 0 && xv.length > 0) {
    addon().pad4(xv, out, Int32Array.from(x.shape), Int32Array.from(paddings.map((p) => p[0])), Int32Array.from(paddings.map((p) => p[1])), mode, value);
  } else if (out.length > 0) {
    out.fill(value);
  }
  return backend.makeTensorInfo(outShape, "float32", out);
}

export const mirrorPadConfig = nativeKernel(MirrorPad, (args) => {
  const { paddings, mode } = args.attrs as unknown as MirrorPadAttrs;
  if (mode !== "reflect" && mode !== "symmetric") return null;
  const x = args.inputs.x;
  // reflect needs pad < size, symmetric pad <= size: leave anything else to cpu (it validates)
  if (paddings.some(([b, a], i) => Math.max(b, a) > (mode === "reflect" ? x.shape[i] - 1 : x.shape[i]))) return null;
  return pad4(args, paddings, mode === "reflect" ? 1 : 2, 0);
});

export const padV2Config = nativeKernel(PadV2, (args) => {
  const { paddings, constantValue } = args.attrs as unknown as PadV2Attrs;
  return pad4(args, paddings, 0, constantValue);
});
