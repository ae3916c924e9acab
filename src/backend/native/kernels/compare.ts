/** Broadcasting float32 comparisons (bool output): Greater, GreaterEqual, Less, LessEqual, Equal, NotEqual. */
import { Equal, Greater, GreaterEqual, Less, LessEqual, NotEqual } from "@tensorflow/tfjs-core";
import type { KernelConfig } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { broadcastingKernel } from "./broadcast.js";

const compareKernel = (name: string, op: number): KernelConfig =>
  broadcastingKernel(name, "bool", (a, b, out, shape, sa, sb) => addon().compare(op, a, b, out as Uint8Array, shape, sa, sb));

export const compareConfigs: KernelConfig[] = [
  compareKernel(Greater, 0),
  compareKernel(GreaterEqual, 1),
  compareKernel(Less, 2),
  compareKernel(LessEqual, 3),
  compareKernel(Equal, 4),
  compareKernel(NotEqual, 5),
];
