/** Broadcast views for the addon's strided element-wise loops (size-1 dims dropped, contiguous dims merged). */
import { backend_util } from "@tensorflow/tfjs-core";
import type { KernelConfig } from "@tensorflow/tfjs-core";
import { f32, nativeKernel, sizeOf, outputF32 } from "./util.js";

export interface BroadcastView {
  outShape: number[];
  shape: Int32Array;
  sa: Int32Array;
  sb: Int32Array;
}

function denseStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let st = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = st;
    st *= shape[i];
  }
  return s;
}

export function broadcastView(aShape: readonly number[], bShape: readonly number[]): BroadcastView {
  const outShape = backend_util.assertAndGetBroadcastShape(aShape as number[], bShape as number[]);
  const R = outShape.length;
  const da = denseStrides(aShape), db = denseStrides(bShape);
  const dims: number[] = [], sa: number[] = [], sb: number[] = [];
  for (let i = 0; i < R; i++) {
    const n = outShape[i];
    if (n === 1) continue;
    const ia = i - (R - aShape.length), ib = i - (R - bShape.length);
    const stA = ia >= 0 && aShape[ia] !== 1 ? da[ia] : 0;
    const stB = ib >= 0 && bShape[ib] !== 1 ? db[ib] : 0;
    const k = dims.length - 1;
    if (k >= 0 && sa[k] === stA * n && sb[k] === stB * n) {
      dims[k] *= n; // merge with the previous dim
      sa[k] = stA;
      sb[k] = stB;
    } else {
      dims.push(n);
      sa.push(stA);
      sb.push(stB);
    }
  }
  return { outShape, shape: Int32Array.from(dims), sa: Int32Array.from(sa), sb: Int32Array.from(sb) };
}

/**
 * A kernel over two broadcast float32 inputs: `run(a, b, out, shape, strideA, strideB)` fills
 * `out` (float32 or bool/uint8). Declines (cpu takes over) for non-float32 inputs or rank > 8.
 */
export function broadcastingKernel(
  name: string, dtype: "float32" | "bool",
  run: (a: Float32Array, b: Float32Array, out: Float32Array | Uint8Array, shape: Int32Array, sa: Int32Array, sb: Int32Array) => void,
): KernelConfig {
  return nativeKernel(name, ({ inputs, backend }) => {
    const { a, b } = inputs;
    const av = f32(backend, a), bv = f32(backend, b);
    if (!av || !bv) return null;
    const v = broadcastView(a.shape, b.shape);
    if (v.shape.length > 8) return null;
    const size = sizeOf(v.outShape);
    const out = dtype === "bool" ? new Uint8Array(size) : outputF32(backend, size);
    if (size > 0) run(av, bv, out, v.shape, v.sa, v.sb);
    return backend.makeTensorInfo(v.outShape, dtype, out);
  });
}
