/**
 * A model for inference from its name: `bicubic` is the MATLAB bicubic baseline, anything else a
 * checkpoint folder written by training (`runs/x/best`, `runs/x/latest`).
 */
import { backendInUse } from "../backend/select.js";
import { loadCheckpointUpscaler } from "../checkpoint/load.js";
import { bicubicUpscaler } from "../model/bicubic.js";
import type { Upscaler } from "../model/upscaler.js";
import { checkOptions, isPositiveInt, isString } from "../option-check.js";

/** `loadUpscaler`'s options. */
export interface LoadUpscalerOptions {
  /** The upscaling factor: bicubic's (default 4), or the one a checkpoint must have (checked when given). */
  readonly scale?: number;
}

/**
 * Loads an Upscaler: the checkpoint's generator (its EMA weights when it has them) or, for
 * "bicubic", the bicubic baseline. Selects a backend (inference) if none is in use; the weights live
 * on it. Dispose the upscaler when done.
 *
 * ```ts
 * import { loadUpscaler, upscaleFile } from "pcl-stream/serve";
 * const model = await loadUpscaler("runs/edsr-tiny/best");
 * await upscaleFile("photo.png", "photo_x4.png", model);
 * model.dispose();
 * ```
 *
 * @throws OptionError for bad options; rejects with CheckpointError when `model` is not a checkpoint
 *   folder, RangeError when the checkpoint's scale is not `scale`.
 */
export async function loadUpscaler(model: string, options: LoadUpscalerOptions = {}): Promise<Upscaler> {
  if (!isString(model)) throw new TypeError(`loadUpscaler: model must be "bicubic" or a checkpoint folder, got ${String(model)}`);
  checkOptions("loadUpscaler", options, [["scale", isPositiveInt, "a positive integer"]]);
  await backendInUse("inference");
  if (model === "bicubic") return bicubicUpscaler(options.scale ?? 4);
  const upscaler = await loadCheckpointUpscaler(model);
  if (options.scale !== undefined && upscaler.scale !== options.scale) {
    upscaler.dispose();
    throw new RangeError(`${model}: the checkpoint upscales x${upscaler.scale}, but the scale asked for is ${options.scale}`);
  }
  return upscaler;
}
