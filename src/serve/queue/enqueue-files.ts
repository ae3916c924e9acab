/**
 * `pcl-stream enqueue` as a function: image files and folders in, one job per image version on the
 * queue, one event per file out. Files are found and named as `upscale` finds and names them.
 */
import { basename, extname, resolve } from "node:path";
import type { Observable } from "rxjs";
import { isString, OptionError } from "../../option-check.js";
import { classifyFiles } from "../../pipelines/watch/classify-files.js";
import { isInside, listFiles } from "../../pipelines/watch/list-files.js";
import { defaultSuffix } from "../../pipelines/watch/output-path.js";
import { skipUpToDate } from "../../pipelines/watch/skip-up-to-date.js";
import { withQueue } from "./open-queue.js";
import { checkProducerOptions, type ProducerOptions } from "./producer-options.js";
import { publishImages } from "./publish-images.js";
import type { QueueEvent } from "./queue-event.js";

/** `enqueueFiles`' options: the queue, how outputs are named, the retry policy. */
export interface EnqueueFilesOptions extends ProducerOptions {
  /** Write outputs under this folder, subfolders mirrored (default: beside each input). */
  readonly outDir?: string;
}

/**
 * Queues an upscale job for each image in `inputs` (files, and folders as `upscaleFiles` reads them)
 * whose output is not up to date. Paths are absolute: workers must see the same storage at the same
 * paths. Cold: subscribing opens the queue; completes once every file is handled, then closes it.
 * One event per file: `queued`, `already-queued` (this version has a job), `skipped` or `failed`.
 *
 * ```ts
 * import { enqueueFiles } from "pcl-stream/serve";
 * enqueueFiles(["/mnt/photos"], { queue: "redis://10.0.0.5:6379", outDir: "/mnt/big" })
 *   .subscribe((e) => console.log(e.type, "file" in e ? e.file : ""));
 * ```
 *
 * @throws OptionError for bad options; the stream errors with QueueError when Redis cannot be reached, InputError when an input does not exist.
 */
export function enqueueFiles(inputs: string | readonly string[], options: EnqueueFilesOptions): Observable<QueueEvent> {
  const list = typeof inputs === "string" ? [inputs] : inputs;
  if (!Array.isArray(list) || list.length === 0 || !list.every(isString)) throw new OptionError("enqueueFiles", "inputs", "a file or folder path, or a non-empty array of them", inputs);
  checkProducerOptions("enqueueFiles", options, [["outDir", isString, "a folder path"]]);
  const scale = options.scale ?? 4;
  const suffix = options.suffix ?? defaultSuffix(scale);
  const outDir = options.outDir === undefined ? undefined : resolve(options.outDir);
  // As `upscale`: outputs written beside inputs, or under an outDir inside an input folder, are not inputs.
  const exclude = (file: string): boolean => (outDir === undefined ? basename(file, extname(file)).endsWith(suffix) : isInside(outDir, file));
  return withQueue(options, (queue) =>
    listFiles(list, { recursive: options.recursive ?? false, exclude }).pipe(
      classifyFiles({ outDir, suffix, format: options.format ?? "same" }),
      skipUpToDate(false),
      publishImages(queue, { ...options, suffix, scale }),
    ));
}
