/**
 * What an upscale job carries: the input (a path every worker sees) and the version it was queued
 * for, the output path, and the `upscale` options that shape the output (tile, format, suffix, scale).
 * Plain JSON, so any producer (the CLI, a web form) can make one.
 */
import { isAbsolute } from "node:path";
import type { OutputFormat } from "../../io/image.js";
import type { ImageFormat, PendingImage } from "../../pipelines/watch/steps.js";

/** The data of one upscale job, as stored in Redis. */
export interface UpscaleJobData {
  /** Absolute path of the input image. */
  readonly input: string;
  /** Its format as sniffed when queued. */
  readonly inputFormat: ImageFormat;
  /** The input version the job is for: size in bytes and mtime (ms). */
  readonly size: number;
  readonly mtimeMs: number;
  /** Absolute path of the output, written atomically and stamped with `mtimeMs`. */
  readonly output: string;
  readonly format: OutputFormat;
  /** The name suffix the output path was made with (informative). */
  readonly suffix: string;
  /** The upscaling factor asked for; a worker whose model has another fails the job. */
  readonly scale: number;
  /** LR tile size and overlap (`--tile`, `--tile-overlap`); absent: the worker's defaults. */
  readonly tile?: number;
  readonly overlap?: number;
}

/** What a finished job returns (BullMQ's return value, shown by `queue status`). */
export type UpscaleJobResult =
  | { readonly status: "done"; readonly output: string; readonly width: number; readonly height: number; readonly outWidth: number; readonly outHeight: number; readonly ms: number }
  /** `up-to-date`: an output of this input version exists (a retried job whose first run wrote it); `changed`: the input is no longer the version queued (the new version is a job of its own). */
  | { readonly status: "skipped"; readonly output: string; readonly reason: "up-to-date" | "changed" };

/** The job data for an image found by the file pipeline. */
export function jobDataOf(image: PendingImage, o: { readonly suffix: string; readonly scale: number; readonly tile?: number; readonly overlap?: number }): UpscaleJobData {
  return {
    input: image.file, inputFormat: image.format, size: image.size, mtimeMs: image.mtimeMs,
    output: image.output, format: image.outputFormat, suffix: o.suffix, scale: o.scale,
    ...(o.tile === undefined ? {} : { tile: o.tile }), ...(o.overlap === undefined ? {} : { overlap: o.overlap }),
  };
}

const OUTPUT_FORMATS: readonly string[] = ["png", "jpg", "webp", "tiff"];
const INPUT_FORMATS: readonly string[] = ["png", "jpeg", "webp", "tiff"];

/** Checks data read from Redis (written by any producer); returns a message naming the first bad field, or undefined. */
export function jobDataProblem(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return "job data must be an object";
  const d = data as Record<string, unknown>;
  const abs = (v: unknown) => typeof v === "string" && isAbsolute(v);
  const checks: [string, boolean, string][] = [
    ["input", abs(d.input), "an absolute path"],
    ["output", abs(d.output), "an absolute path"],
    ["inputFormat", INPUT_FORMATS.includes(d.inputFormat as string), INPUT_FORMATS.join(" | ")],
    ["format", OUTPUT_FORMATS.includes(d.format as string), OUTPUT_FORMATS.join(" | ")],
    ["size", Number.isInteger(d.size) && (d.size as number) >= 0, "a size in bytes"],
    ["mtimeMs", typeof d.mtimeMs === "number" && Number.isFinite(d.mtimeMs), "an mtime in ms"],
    ["suffix", typeof d.suffix === "string", "a string"],
    ["scale", Number.isInteger(d.scale) && (d.scale as number) >= 1, "a positive integer"],
    ["tile", d.tile === undefined || (Number.isInteger(d.tile) && (d.tile as number) >= 2), "an integer >= 2"],
    ["overlap", d.overlap === undefined || (Number.isInteger(d.overlap) && (d.overlap as number) >= 0), "a non-negative integer"],
  ];
  const bad = checks.find(([, ok]) => !ok);
  return bad && `job data: '${bad[0]}' must be ${bad[2]}, got ${JSON.stringify(d[bad[0]])}`;
}
