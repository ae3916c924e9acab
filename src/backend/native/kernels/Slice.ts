/**
 * Slice as a strided copy on the addon (the output is a window of x: axis k of size[k] at stride
 * of x along k, starting at begin). tfjs-backend-cpu copies element by element with index math in
 * JS, which took ~0.5 s per call on the Pad gradient of a stride-2 conv's padded input (a
 * [144,50,50,32] window). Slices that are one contiguous run stay with the cpu kernel (it returns a
 * view without copying). Declines for non-float32 and rank > 8.
 */
import { Slice, slice_util } from "@tensorflow/tfjs-core";
import type { SliceAttrs } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { f32, nativeKernel, outputF32, sizeOf } from "./util.js";

const ZERO = new Float32Array(1);
const COPY_A = 8;

export const sliceConfig = nativeKernel(Slice, ({ inputs, backend, attrs }) => {
  const { x } = inputs;
  const { begin, size } = attrs as unknown as SliceAttrs;
  const xv = f32(backend, x);
  if (!xv || x.shape.length > 8) return null;
  const [b, s] = slice_util.parseSliceParams(x as never, begin, size);
  if (slice_util.isSliceContinous(x.shape, b, s)) return null;
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
  return backend.makeTensorInfo(s, "float32", out);
});
