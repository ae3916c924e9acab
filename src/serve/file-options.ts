/**
 * The options `upscaleFiles` and `watchFolder` share (the `pcl-stream upscale` / `watch` flags as
 * fields), and their checks.
 */
import type { Upscaler } from "../model/upscaler.js";
import { OptionError, checkOptions, isBoolean, isNonNegativeInt, isObservableInput, isOneOf, isPositiveInt, isString, type FieldRule } from "../option-check.js";
import type { MemoryOptions, TileOptions } from "../pipelines/upscale-file.js";
import { THEN_ACTIONS, type AfterSuccessHook, type ThenAction } from "../pipelines/watch/after-success.js";
import type { FormatChoice } from "../pipelines/watch/output-path.js";
import type { ObservableInput } from "rxjs";

/** How each file is upscaled and named, and what happens to its input after. */
export interface FileJobOptions extends TileOptions, MemoryOptions {
  /** The model (from `loadUpscaler` or `bicubic`). */
  readonly upscaler: Upscaler;
  /** Added to the name before the extension (default `_x<scale>`: photo.jpg -> photo_x4.jpg). No path separators. */
  readonly suffix?: string;
  /** Output format: "same" (the input's, default), "png", "jpg", "webp" or "tiff". */
  readonly format?: FormatChoice;
  /** Redo files whose output exists and is at least as new as the input (default false). */
  readonly overwrite?: boolean;
  /** Images in flight at once (default 2). */
  readonly concurrency?: number;
  /** Include subfolders, mirrored under the output folder (default false). */
  readonly recursive?: boolean;
  /**
   * After an output is written: "keep" the input (default), "move" it to `moveDir`, "delete" it, or
   * call a function of yours with the `done` event (a failure becomes a `warning` event).
   */
  readonly then?: ThenAction | AfterSuccessHook;
  /** Where `then: "move"` puts inputs, subfolders mirrored. */
  readonly moveDir?: string;
  /** Its first value stops taking files: queued ones are skipped ("stopping"), those in flight finish, then the stream completes. */
  readonly stop?: ObservableInput<unknown>;
}

const FORMAT_CHOICES: readonly FormatChoice[] = ["same", "png", "jpg", "webp", "tiff"];
const isUpscaler = (v: unknown): boolean => typeof v === "object" && v !== null && typeof (v as Upscaler).upscale === "function" && Number.isInteger((v as Upscaler).scale);

/** Checks the shared options (and `extra` rules) of `fn`; throws an OptionError naming the field. */
export function checkFileJobOptions(fn: string, o: FileJobOptions, extra: readonly FieldRule[] = []): void {
  if (typeof o !== "object" || o === null) throw new OptionError(fn, "options", "an object with at least { upscaler }", o);
  if (!isUpscaler(o.upscaler)) throw new OptionError(fn, "upscaler", "an Upscaler (from loadUpscaler or bicubic)", o.upscaler);
  checkOptions(fn, o, [
    ["suffix", (v) => typeof v === "string" && !/[\\/]/.test(v), "a string without path separators"],
    ["format", isOneOf(FORMAT_CHOICES), `one of ${FORMAT_CHOICES.join(", ")}`],
    ["overwrite", isBoolean, "a boolean"],
    ["concurrency", isPositiveInt, "a positive integer"],
    ["recursive", isBoolean, "a boolean"],
    ["then", (v) => typeof v === "function" || (THEN_ACTIONS as readonly unknown[]).includes(v), `one of ${THEN_ACTIONS.join(", ")} or a function`],
    ["moveDir", isString, "a folder path"],
    ["stop", isObservableInput, "an Observable (or a Promise) whose first value stops"],
    ["tile", (v) => isPositiveInt(v) && (v as number) >= 2, "an integer >= 2"],
    ["overlap", isNonNegativeInt, "a non-negative integer"],
    ["maxBandBytes", isPositiveInt, "a positive integer"],
    ["maxInputPixels", isPositiveInt, "a positive integer (pixels)"],
    ["maxInMemoryBytes", isNonNegativeInt, "a non-negative integer (bytes)"],
    ...extra,
  ]);
  if (o.tile !== undefined && o.overlap !== undefined && o.tile <= 2 * o.overlap) throw new OptionError(fn, "tile", `more than twice overlap (${o.overlap})`, o.tile);
}

/** The tiling and memory fields of `o` alone (what the per-image job takes). */
export function tilingOf(o: TileOptions & MemoryOptions): TileOptions & MemoryOptions {
  return {
    ...(o.maxInputPixels === undefined ? {} : { maxInputPixels: o.maxInputPixels }),
    ...(o.maxInMemoryBytes === undefined ? {} : { maxInMemoryBytes: o.maxInMemoryBytes }),
    ...(o.tile === undefined ? {} : { tile: o.tile }),
    ...(o.overlap === undefined ? {} : { overlap: o.overlap }),
    ...(o.maxBandBytes === undefined ? {} : { maxBandBytes: o.maxBandBytes }),
  };
}
