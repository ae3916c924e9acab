/** Broadcasting float32 comparisons (bool output): Greater, GreaterEqual, Less, LessEqual, Equal, NotEqual. */
import { Equal, Greater, GreaterEqual, Less, LessEqual, NotEqual } from "@tensorflow/tfjs-core";
import type { KernelConfig } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { broadcastView } from "./broadcast.js";
import { f32, nativeKernel, sizeOf } from "./util.js";

function compareKernel(name: string, op: number): KernelConfig {
  return nativeKernel(name, ({ inputs, backend }) => {
    const { a, b } = inputs;
    const av = f32(backend, a), bv = f32(backend, b);
    if (!av || !bv) return null;
    const v = broadcastView(a.shape, b.shape);
    if (v.shape.length > 8) return null;
    const out = new Uint8Array(sizeOf(v.outShape));
    if (out.length > 0) addon().compare(op, av, bv, out, v.shape, v.sa, v.sb);
    return backend.makeTensorInfo(v.outShape, "bool", out);
  });
}

export const compareConfigs: KernelConfig[] = [
  compareKernel(Greater, 0),
  compareKernel(GreaterEqual, 1),
  compareKernel(Less, 2),
  compareKernel(LessEqual, 3),
  compareKernel(Equal, 4),
  compareKernel(NotEqual, 5),
];
