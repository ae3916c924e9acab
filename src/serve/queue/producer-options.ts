/** The options both producers (`enqueueFiles`, `watchToQueue`) take, and their checks. */
import { checkOptions, isBoolean, isNonNegativeInt, isOneOf, isPositiveInt, isString, OptionError, type FieldRule } from "../../option-check.js";
import type { FormatChoice } from "../../pipelines/watch/output-path.js";
import type { QueueLocation } from "./open-queue.js";

/** How jobs are named and shaped: the `upscale` flags that decide the output, and the retry policy. */
export interface ProducerOptions extends QueueLocation {
  /** The upscaling factor (default 4): names the default suffix; workers whose model has another scale fail the job. */
  readonly scale?: number;
  /** Added to the name before the extension (default `_x<scale>`). */
  readonly suffix?: string;
  /** "same" (the input's, default), "png", "jpg", "webp" or "tiff". */
  readonly format?: FormatChoice;
  /** LR tile size and context for the workers (default: theirs). */
  readonly tile?: number;
  readonly overlap?: number;
  /** Include subfolders, mirrored under the output folder (default false). */
  readonly recursive?: boolean;
  /** Tries per job before it lands in the failed set (default 3). */
  readonly attempts?: number;
  /** First retry delay in ms, doubled for each later try (default 1000). */
  readonly backoffMs?: number;
}

const FORMAT_CHOICES: readonly FormatChoice[] = ["same", "png", "jpg", "webp", "tiff"];

/** Checks the producer options of `fn` (and `extra` rules); throws an OptionError naming the field. */
export function checkProducerOptions(fn: string, o: ProducerOptions, extra: readonly FieldRule[] = []): void {
  if (typeof o !== "object" || o === null) throw new OptionError(fn, "options", "an object with at least { queue }", o);
  if (!isString(o.queue)) throw new OptionError(fn, "queue", "a redis:// URL", o.queue);
  checkOptions(fn, o, [
    ["queueName", isString, "a queue name"],
    ["scale", isPositiveInt, "a positive integer"],
    ["suffix", (v) => typeof v === "string" && !/[\\/]/.test(v), "a string without path separators"],
    ["format", isOneOf(FORMAT_CHOICES), `one of ${FORMAT_CHOICES.join(", ")}`],
    ["tile", (v) => isPositiveInt(v) && (v as number) >= 2, "an integer >= 2"],
    ["overlap", isNonNegativeInt, "a non-negative integer"],
    ["recursive", isBoolean, "a boolean"],
    ["attempts", isPositiveInt, "a positive integer"],
    ["backoffMs", isNonNegativeInt, "a non-negative integer (ms)"],
    ...extra,
  ]);
  if (o.tile !== undefined && o.overlap !== undefined && o.tile <= 2 * o.overlap) throw new OptionError(fn, "tile", `more than twice overlap (${o.overlap})`, o.tile);
}
