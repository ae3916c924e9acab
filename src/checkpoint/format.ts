/**
 * The checkpoint layout: a directory holding `checkpoint.json` (format, graph spec, iteration,
 * seed, best validation, optimizer steps, tensor manifest) and `weights.bin` (float32 values).
 * Version 2 adds checksums: `weightsBytes` and `weightsSha256` (weights.bin's size and SHA-256), and
 * `manifestSha256`, the SHA-256 of checkpoint.json's own JSON with that field left out, so a
 * truncated or corrupted weights file and an edited manifest are both caught when loading.
 * Version 1 checkpoints (no checksums) still load.
 * Tensor names: `generator/<path>`, `embedding/<path>` (the variables' own paths),
 * `adam/generator/m/<path>`, `adam/generator/v/<path>`, the same for `embedding`, and `ema/<path>`.
 */
import type { TensorEntry } from "./tensor-file.js";

export const CHECKPOINT_FORMAT = "pcl-stream-checkpoint";
export const CHECKPOINT_VERSION = 2;
/** The oldest version this code reads. */
export const OLDEST_CHECKPOINT_VERSION = 1;
export const MANIFEST_FILE = "checkpoint.json";
export const WEIGHTS_FILE = "weights.bin";

export interface BestValidation {
  readonly iteration: number;
  readonly psnr: number;
  readonly ssim: number;
}

export interface CheckpointManifest {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: number;
  readonly spec: unknown;
  /** Iterations completed: a resumed run continues with this iteration index. */
  readonly iteration: number;
  readonly seed: number;
  readonly best: BestValidation | null;
  readonly optimizers: { readonly generator: { readonly step: number }; readonly embedding: { readonly step: number } | null };
  readonly ema: boolean;
  readonly tensors: readonly TensorEntry[];
  readonly createdAt: string;
  readonly backend: string;
  /** Size of weights.bin in bytes (version 2 on). */
  readonly weightsBytes?: number;
  /** SHA-256 of weights.bin, hex (version 2 on). */
  readonly weightsSha256?: string;
  /** SHA-256 (hex) of this manifest's JSON with `manifestSha256` left out (version 2 on). */
  readonly manifestSha256?: string;
}
