/**
 * Tile (what broadcastTo runs) as a strided copy: output axis k of length reps[k] * d[k] is read
 * as two axes [reps[k], d[k]] with strides [0, stride of x along k], so the addon's broadcasting
 * loop copies x without index arithmetic per element (tfjs-backend-cpu's Tile computes an index
 * per element in JS). Declines for non-float32 and inputs of rank > 4.
 */
import { Tile } from "@tensorflow/tfjs-core";
import type { TileAttrs } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { f32, nativeKernel, outputF32, sizeOf } from "./util.js";

const ZERO = new Float32Array(1);
const COPY_A = 8;

export const tileConfig = nativeKernel(Tile, ({ inputs, backend, attrs }) => {
  const { x } = inputs;
  const { reps } = attrs as unknown as TileAttrs;
  const xv = f32(backend, x);
  const r = x.shape.length;
  if (!xv || r > 4 || reps.length !== r) return null;
  const outShape = x.shape.map((d, k) => d * reps[k]);
  const dims: number[] = [], strides: number[] = [];
  let stride = sizeOf(x.shape);
  for (let k = 0; k < r; k++) {
    stride /= x.shape[k];
    for (const [n, s] of [[reps[k], 0], [x.shape[k], stride]] as const) {
      if (n === 1) continue;
      const last = dims.length - 1;
      if (last >= 0 && strides[last] === s * n) { dims[last] *= n; strides[last] = s; } // merge with the previous axis
      else { dims.push(n); strides.push(s); }
    }
  }
  const out = outputF32(backend, sizeOf(outShape));
  if (out.length > 0) {
    const zeros = new Int32Array(dims.length);
    addon().binary(COPY_A, xv, ZERO, out, Int32Array.from(dims), Int32Array.from(strides), zeros);
  }
  return backend.makeTensorInfo(outShape, "float32", out);
});
