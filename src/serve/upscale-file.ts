/** One image file through a model, from code: `upscaleFile` of the file pipeline with its format picked from the output's name. */
import { backendInUse } from "../backend/select.js";
import { formatOfPath, type OutputFormat } from "../io/image.js";
import type { Upscaler } from "../model/upscaler.js";
import { checkOptions, isOneOf, isPositiveInt, isNonNegativeInt } from "../option-check.js";
import { upscaleFile as upscaleFileInFormat, type MemoryOptions, type TileOptions } from "../pipelines/upscale-file.js";

/** `upscaleFile`'s options: the tiling, and the output format. */
export interface UpscaleFileOptions extends TileOptions, MemoryOptions {
  /** Output format (default: from the output's extension: .png, .jpg/.jpeg, .webp, .tif/.tiff; else png). */
  readonly format?: OutputFormat;
  /** Stamp the output with this modification time (ms since the epoch). */
  readonly mtimeMs?: number;
}

/** Sizes in pixels of the input and the written output. */
export interface UpscaledFile {
  readonly width: number;
  readonly height: number;
  readonly outWidth: number;
  readonly outHeight: number;
}

const FORMATS: readonly OutputFormat[] = ["png", "jpg", "webp", "tiff"];

/**
 * Reads `input`, upscales it tiled (alpha and 16-bit kept where the format allows; gray stays
 * gray), and writes `output` atomically (a temp file renamed into place).
 *
 * ```ts
 * const size = await upscaleFile("photo.jpg", "photo_x4.png", await loadUpscaler("runs/x/best"));
 * ```
 *
 * Outputs above `maxInMemoryBytes` of raw pixels (default 128 MiB) are made in bands and streamed
 * to disk, so memory stays bounded by the model and a few bands of rows, not by the image.
 *
 * @throws OptionError for bad options; rejects with ImageReadError when `input` is not a readable
 *   image (InputTooLargeError, a subclass, when it has more than `maxInputPixels` pixels),
 *   ImageWriteError when `output` cannot be written.
 */
export async function upscaleFile(input: string, output: string, upscaler: Upscaler, options: UpscaleFileOptions = {}): Promise<UpscaledFile> {
  for (const [name, v] of [["input", input], ["output", output]] as const) if (typeof v !== "string" || v.length === 0) throw new TypeError(`upscaleFile: ${name} must be a file path, got ${String(v)}`);
  if (typeof upscaler !== "object" || upscaler === null || typeof upscaler.upscale !== "function") throw new TypeError("upscaleFile: upscaler must be an Upscaler (from loadUpscaler or bicubic)");
  checkOptions("upscaleFile", options, [
    ["format", isOneOf(FORMATS), `one of ${FORMATS.join(", ")}`],
    ["mtimeMs", (v) => typeof v === "number" && Number.isFinite(v), "a time in ms"],
    ["tile", (v) => isPositiveInt(v) && (v as number) >= 2, "an integer >= 2"],
    ["overlap", isNonNegativeInt, "a non-negative integer"],
    ["maxBandBytes", isPositiveInt, "a positive integer"],
    ["maxInputPixels", isPositiveInt, "a positive integer (pixels)"],
    ["maxInMemoryBytes", isNonNegativeInt, "a non-negative integer (bytes)"],
  ]);
  await backendInUse("inference");
  return upscaleFileInFormat(input, output, upscaler, { ...options, format: options.format ?? formatOfPath(output) ?? "png" });
}
