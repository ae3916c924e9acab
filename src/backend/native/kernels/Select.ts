/** Select (where) with a bool condition of the same shape as float32 a and b. */
import { Select } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { f32, nativeKernel, outputF32 } from "./util.js";

export const selectConfig = nativeKernel(Select, ({ inputs, backend }) => {
  const { condition, t, e } = inputs;
  const tv = f32(backend, t), ev = f32(backend, e);
  if (!tv || !ev || condition.dtype !== "bool") return null;
  const cv = backend.data.get(condition.dataId).values;
  if (!(cv instanceof Uint8Array) || cv.length !== tv.length || ev.length !== tv.length) return null;
  if (condition.shape.length !== t.shape.length) return null;
  const out = outputF32(backend, tv.length);
  if (out.length > 0) addon().select(cv, tv, ev, out);
  return backend.makeTensorInfo(t.shape, "float32", out);
});
