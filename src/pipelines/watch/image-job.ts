/**
 * The job each image in the pipeline runs: `upscaleFile` with the model and tiling, into the
 * planned output, stamped with the input's mtime.
 */
import type { Upscaler } from "../../model/upscaler.js";
import { upscaleFile, type MemoryOptions, type TileOptions } from "../upscale-file.js";
import type { ImageJob } from "./upscale-each.js";

export const imageJob = (upscaler: Upscaler, tiling: TileOptions & MemoryOptions = {}): ImageJob => (image) =>
  upscaleFile(image.file, image.output, upscaler, { ...tiling, format: image.outputFormat, mtimeMs: image.mtimeMs });
