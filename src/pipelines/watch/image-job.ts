/**
 * The job each image in the pipeline runs: `upscaleFile` with the model and tiling, into the
 * planned output, stamped with the input's mtime. The output is renamed into place only if the
 * input is still the version that was read; a job that fails on an input that changed or vanished
 * meanwhile throws `InputChangedError` (the version is dropped, not recorded as failed).
 */
import type { Upscaler } from "../../model/upscaler.js";
import { upscaleFile, type MemoryOptions, type TileOptions } from "../upscale-file.js";
import { checkUnchanged, InputChangedError } from "./input-changed.js";
import type { ImageJob } from "./upscale-each.js";

export const imageJob = (upscaler: Upscaler, tiling: TileOptions & MemoryOptions = {}): ImageJob => async (image) => {
  const unchanged = (): Promise<void> => checkUnchanged(image.file, image);
  try {
    return await upscaleFile(image.file, image.output, upscaler, { ...tiling, format: image.outputFormat, mtimeMs: image.mtimeMs, beforeCommit: unchanged });
  } catch (err) {
    if (!(err instanceof InputChangedError)) await unchanged(); // a decode error from a file rewritten or deleted mid-read is that, not a bad file
    throw err;
  }
};
