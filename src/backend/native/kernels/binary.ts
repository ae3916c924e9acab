/** Broadcasting float32 binary kernels: Add, Sub, Multiply, RealDiv, Maximum, Minimum, SquaredDifference, Pow. */
import { Add, Maximum, Minimum, Multiply, Pow, RealDiv, SquaredDifference, Sub } from "@tensorflow/tfjs-core";
import type { KernelConfig } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { broadcastingKernel } from "./broadcast.js";

const binaryKernel = (name: string, op: number): KernelConfig =>
  broadcastingKernel(name, "float32", (a, b, out, shape, sa, sb) => addon().binary(op, a, b, out as Float32Array, shape, sa, sb));

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
