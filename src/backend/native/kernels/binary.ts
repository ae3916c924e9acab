/** Broadcasting float32 binary kernels: Add, Sub, Multiply, RealDiv, Maximum, Minimum, SquaredDifference, Pow. */
import { Add, Maximum, Minimum, Multiply, Pow, RealDiv, SquaredDifference, Sub } from "@tensorflow/tfjs-core";
import type { KernelConfig } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { broadcastView } from "./broadcast.js";
import { f32, nativeKernel, sizeOf } from "./util.js";

function binaryKernel(name: string, op: number): KernelConfig {
  return nativeKernel(name, ({ inputs, backend }) => {
    const { a, b } = inputs;
    const av = f32(backend, a), bv = f32(backend, b);
    if (!av || !bv) return null;
    const v = broadcastView(a.shape, b.shape);
    if (v.shape.length > 8) return null;
    const out = new Float32Array(sizeOf(v.outShape));
    if (out.length > 0) addon().binary(op, av, bv, out, v.shape, v.sa, v.sb);
    return backend.makeTensorInfo(v.outShape, "float32", out);
  });
}

export const binaryConfigs: KernelConfig[] = [
  binaryKernel(Add, 0),
  binaryKernel(Sub, 1),
  binaryKernel(Multiply, 2),
  binaryKernel(RealDiv, 3),
  binaryKernel(Maximum, 4),
  binaryKernel(Minimum, 5),
  binaryKernel(SquaredDifference, 6),
  binaryKernel(Pow, 7),
];
