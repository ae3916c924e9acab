/**
 * `pcl-stream watch` as an Observable: the backlog of a folder, then every image added to it,
 * upscaled into another folder until stopped.
 */
import { concat, defer, finalize, from, ignoreElements, type Observable } from "rxjs";
import { backendInUse } from "../backend/select.js";
import { OptionError, isNonNegativeInt, isPositiveInt, isString } from "../option-check.js";
import type { FileEvent } from "../pipelines/watch/steps.js";
import { watchFolder as startWatching } from "../pipelines/watch/watch-folder.js";
import { checkFileJobOptions, tilingOf, type FileJobOptions } from "./file-options.js";

/** `watchFolder`'s options: the folders, the model and the `pcl-stream watch` flags as fields. */
export interface WatchFolderOptions extends FileJobOptions {
  /** The folder to watch (IN). */
  readonly inDir: string;
  /** Where outputs go (OUT), subfolders mirrored; must differ from `inDir`. Holds `failed.jsonl`. */
  readonly outDir: string;
  /** Where `then: "move"` puts inputs (default `outDir/originals`). */
  readonly moveDir?: string;
  /** Milliseconds a file's size must stay the same before it is read (default 1000). */
  readonly stabilityMs?: number;
  /** How often (ms) sizes are polled while waiting for them to settle (default 100). */
  readonly pollMs?: number;
  /** ms before a file whose output could not be written (disk full, permission denied) is tried again; doubles per failure up to 10 minutes (default 30000). */
  readonly retryMs?: number;
}

/**
 * Upscales the images already in `inDir` that have no up-to-date output in `outDir`, then every
 * image that appears in `inDir`, until `stop` emits (files in flight finish, then the stream
 * completes) or the subscriber leaves (at once; outputs in flight stay as temp files, removed on the
 * next start). Cold: subscribing starts it. Never loses or repeats a file: a file that fails is
 * recorded in `outDir/failed.jsonl` and not tried again until it changes (a later success removes
 * its lines); a file is taken only once it decodes completely; a failure to write the output (disk
 * full, permission denied) is tried again after `retryMs`; two inputs that would write one output
 * are both refused.
 *
 * Events: `watching` once the backlog is queued, then one `done` / `skipped` / `failed` per file
 * version, and `warning`s (a leftover temp file removed, an after-success action that failed).
 *
 * ```ts
 * import { Subject } from "rxjs";
 * import { loadUpscaler, watchFolder } from "pcl-stream/serve";
 * const stop = new Subject<void>();
 * watchFolder({ inDir: "inbox", outDir: "outbox", upscaler: await loadUpscaler("runs/x/best"), stop,
 *   then: async (done) => console.log(`${done.file} -> ${done.output}`) }).subscribe();
 * ```
 *
 * @throws OptionError for bad options; the stream errors with WatchError when `inDir` is not a folder or equals `outDir`.
 */
export function watchFolder(options: WatchFolderOptions): Observable<FileEvent> {
  checkFileJobOptions("watchFolder", options, [
    ["inDir", isString, "a folder path"],
    ["outDir", isString, "a folder path"],
    ["stabilityMs", isNonNegativeInt, "a non-negative integer (ms)"],
    ["pollMs", isPositiveInt, "a positive integer (ms)"],
    ["retryMs", isPositiveInt, "a positive integer (ms)"],
  ]);
  for (const field of ["inDir", "outDir"] as const) if (options[field] === undefined) throw new OptionError("watchFolder", field, "a folder path", undefined);
  return defer(() => {
    const watch = startWatching({
      ...tilingOf(options),
      inDir: options.inDir, outDir: options.outDir, upscaler: options.upscaler,
      suffix: options.suffix, format: options.format, overwrite: options.overwrite, concurrency: options.concurrency,
      recursive: options.recursive, then: options.then, moveDir: options.moveDir, stabilityMs: options.stabilityMs, pollMs: options.pollMs, retryMs: options.retryMs,
    });
    const stopWatch = options.stop === undefined ? undefined : from(options.stop).subscribe(() => watch.stop());
    return concat(defer(() => backendInUse("inference")).pipe(ignoreElements()), watch.events$).pipe(finalize(() => stopWatch?.unsubscribe()));
  });
}
