/**
 * Turns a `--model` argument into an `Upscaler`: `bicubic` is the MATLAB bicubic baseline,
 * anything else is a checkpoint directory.
 */
import { loadCheckpointUpscaler } from "../checkpoint/load.js";
import { bicubicUpscaler } from "./bicubic.js";
import type { Upscaler } from "./upscaler.js";

export async function loadUpscaler(model: string, scale: number): Promise<Upscaler> {
  if (model === "bicubic") return bicubicUpscaler(scale);
  const upscaler = await loadCheckpointUpscaler(model);
  if (upscaler.scale !== scale) {
    upscaler.dispose();
    throw new RangeError(`${model}: the checkpoint upscales x${upscaler.scale}, but --scale is ${scale}`);
  }
  return upscaler;
}
