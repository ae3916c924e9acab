/**
 * How many files `upscaleFiles` will report on: the same listing and exclusions, counted ahead
 * (listing is cheap next to upscaling), so a progress line can give an ETA.
 */
import { basename, extname, resolve } from "node:path";
import { count, lastValueFrom } from "rxjs";
import { isInside, listFiles } from "../pipelines/watch/list-files.js";
import { defaultSuffix } from "../pipelines/watch/output-path.js";
import type { UpscaleFilesOptions } from "./upscale-files.js";

/**
 * The number of files `upscaleFiles(inputs, options)` would give one event each (`done`,
 * `skipped` or `failed`), listed now: later changes to the folders are not counted.
 *
 * ```ts
 * const total = await countInputFiles(["photos/"], { upscaler, outDir: "big/" });
 * ```
 *
 * @throws InputError (rejected) when an input does not exist.
 */
export function countInputFiles(inputs: string | readonly string[], options: Pick<UpscaleFilesOptions, "upscaler" | "recursive" | "outDir" | "moveDir" | "suffix">): Promise<number> {
  const list = typeof inputs === "string" ? [inputs] : inputs;
  // The exclusions of upscaleFiles: outputs beside their inputs, and anything inside outDir or moveDir.
  const suffix = options.suffix ?? defaultSuffix(options.upscaler.scale);
  const outDir = options.outDir === undefined ? undefined : resolve(options.outDir);
  const moveDir = options.moveDir === undefined ? undefined : resolve(options.moveDir);
  const exclude = (file: string): boolean => (outDir === undefined && basename(file, extname(file)).endsWith(suffix)) || (outDir !== undefined && isInside(outDir, file)) || (moveDir !== undefined && isInside(moveDir, file));
  return lastValueFrom(listFiles(list, { recursive: options.recursive ?? false, exclude }).pipe(count()));
}
