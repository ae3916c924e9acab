/** Transpose (float32 / int32, rank <= 8): the 6-D transposes of pixel shuffle and friends. */
import { Transpose } from "@tensorflow/tfjs-core";
import type { TransposeAttrs } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { nativeKernel, outputF32 } from "./util.js";

export const transposeConfig = nativeKernel(Transpose, ({ inputs, backend, attrs }) => {
  const { x } = inputs;
  const { perm } = attrs as unknown as TransposeAttrs;
  if (x.dtype !== "float32" && x.dtype !== "int32") return null;
  if (x.shape.length > 8) return null;
  const xv = backend.data.get(x.dataId).values;
  if (!(xv instanceof Float32Array) && !(xv instanceof Int32Array)) return null;
  const outShape = perm.map((p) => x.shape[p]);
  const out = xv instanceof Float32Array ? outputF32(backend, xv.length) : new Int32Array(xv.length);
  if (out.length > 0) addon().transpose(xv, out, Int32Array.from(x.shape), Int32Array.from(perm));
  return backend.makeTensorInfo(outShape, x.dtype, out);
});
