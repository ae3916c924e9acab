/**
 * `pcl-stream upscale` as a function: image files and folders in, one event per file out, through
 * the file pipeline (content sniffing, up-to-date skipping, bounded concurrency, atomic writes).
 */
import { basename, extname, resolve } from "node:path";
import { concat, defer, finalize, from, ignoreElements, type Observable } from "rxjs";
import { backendInUse } from "../backend/select.js";
import { OptionError, isString } from "../option-check.js";
import { imageJob } from "../pipelines/watch/image-job.js";
import { isInside, listFiles } from "../pipelines/watch/list-files.js";
import { defaultSuffix } from "../pipelines/watch/output-path.js";
import type { FileEvent } from "../pipelines/watch/steps.js";
import { upscaleFiles as upscaleFileSteps } from "../pipelines/watch/upscale-files.js";
import { checkFileJobOptions, tilingOf, type FileJobOptions } from "./file-options.js";

/** `upscaleFiles`' options: the model and the `pcl-stream upscale` flags as fields. */
export interface UpscaleFilesOptions extends FileJobOptions {
  /** Write outputs under this folder, subfolders mirrored (default: beside each input). */
  readonly outDir?: string;
}

/**
 * Upscales image files and the images in folders (recognized by content; hidden files, Thumbs.db,
 * partial downloads and temp files are left out of folders). Outputs are `<name><suffix>.<ext>`,
 * written atomically; an output at least as new as its input is skipped unless `overwrite`.
 * Cold: subscribing starts it. One event per file: `done`, `skipped` (with the reason) or `failed`
 * (with the error; the others go on), plus `warning`s; completes when every file is handled.
 * Outputs written beside their inputs (no `outDir`) are not taken as inputs by a later call.
 *
 * ```ts
 * import { loadUpscaler, upscaleFiles } from "pcl-stream/serve";
 * upscaleFiles(["photos/"], { upscaler: await loadUpscaler("bicubic"), outDir: "big/" })
 *   .subscribe((e) => console.log(e.type, "file" in e ? e.file : ""));
 * ```
 *
 * @throws OptionError for bad options; the stream errors with InputError when an input does not exist.
 */
export function upscaleFiles(inputs: string | readonly string[], options: UpscaleFilesOptions): Observable<FileEvent> {
  const list = typeof inputs === "string" ? [inputs] : inputs;
  if (!Array.isArray(list) || list.length === 0 || !list.every(isString)) throw new OptionError("upscaleFiles", "inputs", "a file or folder path, or a non-empty array of them", inputs);
  checkFileJobOptions("upscaleFiles", options, [["outDir", isString, "a folder path"]]);
  if (options.then === "move" && options.moveDir === undefined) throw new OptionError("upscaleFiles", "moveDir", "a folder path when then is \"move\"", options.moveDir);
  const suffix = options.suffix ?? defaultSuffix(options.upscaler.scale);
  const outDir = options.outDir === undefined ? undefined : resolve(options.outDir);
  const moveDir = options.moveDir === undefined ? undefined : resolve(options.moveDir);
  // Outputs written beside inputs (no outDir) must not be picked up as inputs by a later run.
  const looksLikeOutput = (file: string): boolean => outDir === undefined && basename(file, extname(file)).endsWith(suffix);
  const exclude = (file: string): boolean => looksLikeOutput(file) || (outDir !== undefined && isInside(outDir, file)) || (moveDir !== undefined && isInside(moveDir, file));
  return defer(() => {
    let stopping = false;
    const stopWatch = options.stop === undefined ? undefined : from(options.stop).subscribe(() => { stopping = true; });
    return concat(defer(() => backendInUse("inference")).pipe(ignoreElements()), listFiles(list, { recursive: options.recursive ?? false, exclude })).pipe(
      upscaleFileSteps(imageJob(options.upscaler, tilingOf(options)), {
        naming: { outDir, suffix, format: options.format ?? "same" },
        overwrite: options.overwrite ?? false,
        concurrency: options.concurrency ?? 2,
        then: options.then ?? "keep",
        moveDir,
        isStopping: () => stopping,
      }),
      finalize(() => stopWatch?.unsubscribe()),
    );
  });
}
