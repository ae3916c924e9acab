/**
 * Concat and Pack (stack) of float32 tensors by block copies: for each index over the axes before
 * `axis`, each input contributes one contiguous run, copied with TypedArray.set (memcpy).
 * tfjs-backend-cpu copies element by element for any axis but 0 (a [16,96,96,3] x 8 stack
 * along axis 1: 21 ms there). Declines (cpu takes over) for other dtypes, one input, and runs
 * shorter than 64 floats, where per-run calls would cost more than the element loop.
 */
import { Concat, Pack, backend_util, util } from "@tensorflow/tfjs-core";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import type { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { f32, nativeKernel, outputF32, sizeOf } from "./util.js";

const MIN_RUN = 64;

/** Concatenates along `axis` (inputs already checked to agree elsewhere); null to decline. */
function concatRuns(backend: MathBackendCPU, inputs: readonly TensorInfo[], axis: number, outShape: number[]): TensorInfo | null {
  const parts = inputs.filter((t) => sizeOf(t.shape) > 0);
  if (parts.length < 2) return null;
  const values = parts.map((t) => f32(backend, t));
  if (values.some((v) => v === null)) return null;
  const runs = parts.map((t) => sizeOf(t.shape.slice(axis)));
  if (Math.min(...runs) < MIN_RUN) return null;
  const outer = sizeOf(outShape.slice(0, axis));
  const rowLength = runs.reduce((a, b) => a + b, 0);
  const out = outputF32(backend, outer * rowLength);
  for (let o = 0; o < outer; o++) {
    let at = o * rowLength;
    for (let i = 0; i < parts.length; i++) {
      const run = runs[i];
      out.set((values[i] as Float32Array).subarray(o * run, (o + 1) * run), at);
      at += run;
    }
  }
  return backend.makeTensorInfo(outShape, "float32", out);
}

export const concatConfig = nativeKernel(Concat, ({ inputs, backend, attrs }) => {
  const list = inputs as unknown as TensorInfo[];
  if (list.length < 2 || list.some((t) => t.dtype !== "float32")) return null;
  const axis = util.parseAxisParam((attrs as { axis: number }).axis, list[0].shape)[0];
  backend_util.assertParamsConsistent(list.map((t) => t.shape), axis);
  return concatRuns(backend, list, axis, backend_util.computeOutShape(list.map((t) => t.shape), axis));
});

export const packConfig = nativeKernel(Pack, ({ inputs, backend, attrs }) => {
  const list = inputs as unknown as TensorInfo[];
  if (list.length < 2 || list.some((t) => t.dtype !== "float32")) return null;
  const shape = list[0].shape;
  for (const t of list) util.assertShapesMatch(shape, t.shape, "All tensors passed to stack must have matching shapes");
  const axis = (attrs as { axis: number }).axis;
  const ax = axis < 0 ? axis + shape.length + 1 : axis;
  // Stacking along ax is concatenating [.., 1, ..] views along ax: the same runs.
  const expanded = list.map((t) => ({ ...t, shape: [...shape.slice(0, ax), 1, ...shape.slice(ax)] }));
  return concatRuns(backend, expanded, ax, [...shape.slice(0, ax), list.length, ...shape.slice(ax)]);
});
