/**
 * `pcl-stream watch IN OUT --queue URL` as a function: the watch folder as a producer. It finds files
 * as `watch` does (backlog first, then new and changed files once they stop growing) and publishes
 * one job per image version instead of upscaling it; workers anywhere do the work.
 */
import { mkdir, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { concat, defer, from, identity, ignoreElements, takeUntil, type Observable } from "rxjs";
import { isNonNegativeInt, isObservableInput, isPositiveInt, isString, OptionError } from "../../option-check.js";
import { classifyFiles } from "../../pipelines/watch/classify-files.js";
import { defaultSuffix } from "../../pipelines/watch/output-path.js";
import { skipUpToDate } from "../../pipelines/watch/skip-up-to-date.js";
import { watchFiles } from "../../pipelines/watch/watch-files.js";
import { WatchError } from "../../pipelines/watch/watch-folder.js";
import { withQueue } from "./open-queue.js";
import { checkProducerOptions, type ProducerOptions } from "./producer-options.js";
import { publishImages } from "./publish-images.js";
import type { QueueEvent } from "./queue-event.js";

/** `watchToQueue`'s options: the folders, the queue, how outputs are named, when to stop. */
export interface WatchToQueueOptions extends ProducerOptions {
  /** The folder to watch (IN). */
  readonly inDir: string;
  /** Where the workers write outputs (OUT), subfolders mirrored; must differ from `inDir`. */
  readonly outDir: string;
  /** Milliseconds a file's size must stay the same before it is queued (default 1000). */
  readonly stabilityMs?: number;
  /** How often (ms) sizes are polled while waiting for them to settle (default 100). */
  readonly pollMs?: number;
  /** Its first value stops watching: jobs being added are added, then the stream completes. */
  readonly stop?: Observable<unknown> | PromiseLike<unknown>;
}

/**
 * Queues a job for each image in `inDir` without an up-to-date output in `outDir`, then for each image
 * added or changed later, until `stop` emits. Cold: subscribing opens the queue and starts the watcher.
 * Events: `watching` once the backlog is queued, one `queued` / `already-queued` / `skipped` / `failed`
 * per file version, and `warning`s.
 *
 * ```ts
 * import { watchToQueue } from "pcl-stream/serve";
 * watchToQueue({ queue: "redis://10.0.0.5:6379", inDir: "/mnt/inbox", outDir: "/mnt/outbox" }).subscribe(console.log);
 * ```
 *
 * @throws OptionError for bad options; the stream errors with WatchError when `inDir` is not a folder or equals `outDir`, QueueError when Redis cannot be reached.
 */
export function watchToQueue(options: WatchToQueueOptions): Observable<QueueEvent> {
  checkProducerOptions("watchToQueue", options, [
    ["inDir", isString, "a folder path"],
    ["outDir", isString, "a folder path"],
    ["stabilityMs", isNonNegativeInt, "a non-negative integer (ms)"],
    ["pollMs", isPositiveInt, "a positive integer (ms)"],
    ["stop", isObservableInput, "an Observable (or a Promise) whose first value stops"],
  ]);
  for (const field of ["inDir", "outDir"] as const) if (options[field] === undefined) throw new OptionError("watchToQueue", field, "a folder path", undefined);
  const inDir = resolve(options.inDir), outDir = resolve(options.outDir);
  const scale = options.scale ?? 4;
  const suffix = options.suffix ?? defaultSuffix(scale);
  const checkFolders = defer(async () => {
    if (!(await stat(inDir).catch(() => undefined))?.isDirectory()) throw new WatchError(`watch: IN '${inDir}' is not a folder`);
    if (inDir === outDir) throw new WatchError(`watch: OUT must differ from IN ('${inDir}'), or outputs would be queued again`);
    await mkdir(outDir, { recursive: true });
  });
  return concat(
    checkFolders.pipe(ignoreElements()),
    withQueue(options, (queue) =>
      watchFiles(inDir, { recursive: options.recursive, exclude: [outDir], stabilityMs: options.stabilityMs, pollMs: options.pollMs }).pipe(
        options.stop === undefined ? identity : takeUntil(from(options.stop)),
        classifyFiles({ outDir, suffix, format: options.format ?? "same" }),
        skipUpToDate(false),
        publishImages(queue, { ...options, suffix, scale }),
      )),
  );
}
