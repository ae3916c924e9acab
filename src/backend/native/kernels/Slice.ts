/**
 * Slice and SplitV as strided copies on the addon (the output is a window of x: axis k of size[k] at stride
 * of x along k, starting at begin). tfjs-backend-cpu copies element by element with index math in
 * JS, which took ~0.5 s per call on the Pad gradient of a stride-2 conv's padded input (a
 * [144,50,50,32] window), and HAN's concat gradient (SplitV of 11 group outputs) 1.1 s per call.
 * Slices that are one contiguous run stay with the cpu kernel (it returns a view without copying).
 * Declines for non-float32 and rank > 8.
 */
import { backend_util, Slice, slice_util, SplitV, util } from "@tensorflow/tfjs-core";
import type { KernelConfig, KernelFunc, SliceAttrs, SplitVAttrs, TensorInfo } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { cpuKernel, f32, NATIVE, nativeKernel, outputF32, sizeOf, type KernelArgs } from "./util.js";

const ZERO = new Float32Array(1);
const COPY_A = 8;

/** The window [begin, begin + size) of x as a new float32 tensor (a strided copy), or null when not applicable. */
export function copyWindow(backend: KernelArgs["backend"], x: TensorInfo, b: readonly number[], s: readonly number[]): TensorInfo | null {
  const xv = f32(backend, x);
  if (!xv || x.shape.length > 8) return null;
  const dims: number[] = [], strides: number[] = [];
  let stride = sizeOf(x.shape), offset = 0;
  for (let k = 0; k < x.shape.length; k++) {
    stride /= x.shape[k];
    offset += b[k] * stride;
    if (s[k] === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strides[last] === stride * s[k]) { dims[last] *= s[k]; strides[last] = stride; } // merge with the previous axis
    else { dims.push(s[k]); strides.push(stride); }
  }
  const out = outputF32(backend, sizeOf(s));
  if (out.length > 0) {
    if (dims.length === 0) { dims.push(1); strides.push(0); }
    addon().binary(COPY_A, xv.subarray(offset), ZERO, out, Int32Array.from(dims), Int32Array.from(strides), new Int32Array(dims.length));
  }
  return backend.makeTensorInfo([...s], "float32", out);
}

export const sliceConfig = nativeKernel(Slice, ({ inputs, backend, attrs }) => {
  const { x } = inputs;
  const { begin, size } = attrs as unknown as SliceAttrs;
  if (x.dtype !== "float32") return null;
  const [b, s] = slice_util.parseSliceParams(x as never, begin, size);
  if (slice_util.isSliceContinous(x.shape, b, s)) return null;
  return copyWindow(backend, x, b, s);
});

/** SplitV (the gradient of a concat): one window per part (tfjs-backend-cpu slices element by element). */
export const splitVConfig: KernelConfig = {
  kernelName: SplitV, backendName: NATIVE,
  kernelFunc: ((args: KernelArgs) => {
    const { x } = args.inputs;
    const { numOrSizeSplits, axis } = args.attrs as unknown as SplitVAttrs;
    const ax = util.parseAxisParam(axis, x.shape)[0];
    const sizes = backend_util.prepareSplitSize(x as never, numOrSizeSplits, ax);
    const begin = x.shape.map(() => 0);
    const parts: TensorInfo[] = [];
    for (const n of sizes) {
      const size = [...x.shape];
      size[ax] = n;
      const part = copyWindow(args.backend, x, begin, size);
      if (!part) { parts.forEach((p) => args.backend.disposeData(p.dataId)); return cpuKernel(SplitV, args); }
      parts.push(part);
      begin[ax] += n;
    }
    return parts;
  }) as unknown as KernelFunc,
};
