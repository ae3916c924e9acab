/**
 * The flags `pcl-stream upscale` and `pcl-stream watch` share, parsed with node's util.parseArgs,
 * and the one-line-per-file printing both use.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { loadUpscaler, THEN_ACTIONS, type FileEvent, type FormatChoice, type OutputFormat, type ThenAction, type Upscaler } from "../src/serve/index.js";
import { BACKEND_CHOICES, startBackend } from "./backend-flag.js";

export const COMMON_USAGE = `  --model MODEL        'bicubic' or a checkpoint directory from training (required)
  --scale N            upscaling factor (default 4; a checkpoint must match it)
  --tile N             LR tile size, context included (default 128)
  --tile-overlap N     LR context pixels per tile side (default: the model's receptive radius, at most 32)
  --max-input-pixels N refuse inputs of more pixels than N, from the header (default 268435456 = 16384x16384)
  --format F           same | png | jpg | webp | tiff (default same: the input's format)
  --suffix S           added to the name before the extension (default _x<scale>: photo.jpg -> photo_x4.jpg)
  --overwrite          redo files whose output exists and is up to date
  --concurrency N      images in flight at once (default 2)
  --recursive          include subfolders, mirrored under the output folder
  --then ACTION        keep | move | delete the input after its output is written (default keep)
  --move-to DIR        where --then move puts inputs (watch default: OUT/originals)
  --backend NAME       ${BACKEND_CHOICES} (default: the best available)
  --json               one JSON object per event on stdout instead of text lines
  --log-format F       text (default: a progress line on a terminal: count, rate, ETA) or json: --json's
                       events plus {"type":"progress","done","total","rate","etaSeconds",...} lines
  -h, --help           this text`;

export const COMMON_OPTIONS = {
  model: { type: "string" },
  scale: { type: "string", default: "4" },
  tile: { type: "string" },
  "tile-overlap": { type: "string" },
  "max-input-pixels": { type: "string" },
  format: { type: "string", default: "same" },
  suffix: { type: "string" },
  overwrite: { type: "boolean", default: false },
  concurrency: { type: "string", default: "2" },
  recursive: { type: "boolean", default: false },
  then: { type: "string", default: "keep" },
  "move-to": { type: "string" },
  backend: { type: "string" },
  json: { type: "boolean", default: false },
  "log-format": { type: "string", default: "text" },
  help: { type: "boolean", short: "h", default: false },
} as const;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** node's parseArgs (strict, positionals allowed) with its errors as UsageError (exit status 2). */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig["options"]>>(
  argv: readonly string[], options: O,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

export function integerFlag(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag}: expected an integer >= ${min}, got '${value}'`);
  return n;
}

const FORMATS: readonly FormatChoice[] = ["same", "png", "jpg", "webp", "tiff"];

export interface CommonFlags {
  readonly model: string;
  readonly scale: number;
  readonly tiling: { readonly tile?: number; readonly overlap?: number; readonly maxInputPixels?: number };
  readonly format: FormatChoice;
  readonly suffix?: string;
  readonly overwrite: boolean;
  readonly concurrency: number;
  readonly recursive: boolean;
  readonly then: ThenAction;
  readonly moveTo?: string;
  readonly backend?: string;
  readonly json: boolean;
  /** --log-format: json implies --json and adds progress events. */
  readonly logFormat: "text" | "json";
}

type CommonValues = { [K in keyof typeof COMMON_OPTIONS]?: (typeof COMMON_OPTIONS)[K]["type"] extends "boolean" ? boolean : string };

export function commonFlags(values: CommonValues): CommonFlags {
  if (!values.model) throw new UsageError("--model is required ('bicubic' or a checkpoint directory)");
  const logFormat = values["log-format"] ?? "text";
  if (logFormat !== "text" && logFormat !== "json") throw new UsageError(`--log-format: expected text or json, got '${logFormat}'`);
  const format = (values.format ?? "same").toLowerCase().replace(/^jpeg$/, "jpg").replace(/^tif$/, "tiff");
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format: expected one of ${FORMATS.join(", ")}, got '${values.format}'`);
  const then = values.then ?? "keep";
  if (!(THEN_ACTIONS as readonly string[]).includes(then)) throw new UsageError(`--then: expected one of ${THEN_ACTIONS.join(", ")}, got '${then}'`);
  const tile = integerFlag("tile", values.tile, 2);
  const overlap = integerFlag("tile-overlap", values["tile-overlap"], 0);
  const maxInputPixels = integerFlag("max-input-pixels", values["max-input-pixels"], 1);
  if (tile !== undefined && overlap !== undefined && tile <= 2 * overlap) throw new UsageError(`--tile ${tile} must be more than twice --tile-overlap ${overlap}`);
  if (values.suffix !== undefined && /[\\/]/.test(values.suffix)) throw new UsageError(`--suffix: must not contain a path separator, got '${values.suffix}'`);
  return {
    model: values.model,
    scale: integerFlag("scale", values.scale, 1)!,
    tiling: { ...(tile === undefined ? {} : { tile }), ...(overlap === undefined ? {} : { overlap }), ...(maxInputPixels === undefined ? {} : { maxInputPixels }) },
    format: format as OutputFormat | "same",
    suffix: values.suffix,
    overwrite: values.overwrite ?? false,
    concurrency: integerFlag("concurrency", values.concurrency, 1)!,
    recursive: values.recursive ?? false,
    then: then as ThenAction,
    moveTo: values["move-to"],
    backend: values.backend,
    json: (values.json ?? false) || values["log-format"] === "json",
    logFormat: values["log-format"] === "json" ? "json" : "text",
  };
}

/** One line per event: `done  in -> out (WxH -> WxH, N ms)`, `skip  in (reason)`, `FAIL  in: error`. */
export function eventLine(event: FileEvent): string {
  switch (event.type) {
    case "done": return `done  ${event.file} -> ${event.output} (${event.width}x${event.height} -> ${event.outWidth}x${event.outHeight}, ${event.ms} ms)${event.clearedFailure === undefined ? "" : "; its earlier failure is cleared from failed.jsonl"}`;
    case "skipped": return `skip  ${event.file} (${event.reason}${event.output ? `: ${event.output}` : ""})`;
    case "failed": return `FAIL  ${event.file}: ${event.error}${event.retryInMs === undefined ? "" : ` (trying again in ${Math.round(event.retryInMs / 1000)} s)`}`;
    case "watching": return `watching ${event.dir} (Ctrl-C to stop)`;
    case "warning": return `warning: ${event.message}`;
  }
}

/** Prints an event as a text line (failures and warnings to stderr) or as one JSON object per line. */
export function printEvent(event: FileEvent, json: boolean): void {
  if (json) console.log(JSON.stringify({ ...event, time: new Date().toISOString() }));
  else if (event.type === "failed" || event.type === "warning") console.error(eventLine(event));
  else console.log(eventLine(event));
}

/**
 * The shared start of `upscale` and `watch`: parse the flags (usage errors print USAGE, exit 2;
 * --help prints it, exit 0), pick the backend and load the model (failures exit 2).
 * Returns the flags and the upscaler, or the exit code to return.
 */
export async function startUpscaleCommand<F extends CommonFlags>(
  command: string, usage: string, parse: () => F | undefined,
): Promise<{ flags: F; upscaler: Upscaler } | number> {
  let flags: F | undefined;
  try {
    flags = parse();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`pcl-stream ${command}: ${err.message}\n\n${usage}`);
    return 2;
  }
  if (!flags) {
    console.log(usage);
    return 0;
  }
  try {
    await startBackend(flags.backend, "inference");
    return { flags, upscaler: await loadUpscaler(flags.model, { scale: flags.scale }) };
  } catch (err) {
    console.error(`pcl-stream ${command}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}
