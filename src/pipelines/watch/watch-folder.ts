/**
 * `pcl-stream watch` as a function: upscales the backlog of IN, then every image added to IN,
 * into OUT, until `stop()`; returns the events as an Observable. On subscribe it first removes
 * leftover temp files in OUT and reads OUT/failed.jsonl. `stop()` takes no new files, lets the
 * ones in flight finish, then completes the Observable.
 */
import { mkdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { concat, defer, from, merge, ReplaySubject, Subject, switchMap, takeUntil, type Observable } from "rxjs";
import type { Upscaler } from "../../model/upscaler.js";
import type { MemoryOptions, TileOptions } from "../upscale-file.js";
import type { AfterSuccessHook, ThenAction } from "./after-success.js";
import { cleanTempFiles } from "./clean-temp-files.js";
import { FAILED_LOG_NAME, loggedFiles, readFailedLog } from "./failed-log.js";
import { imageJob } from "./image-job.js";
import { defaultSuffix, type FormatChoice } from "./output-path.js";
import type { FileEvent, PendingFile } from "./steps.js";
import type { ImageJob } from "./upscale-each.js";
import { upscaleFiles } from "./upscale-files.js";
import { watchFiles } from "./watch-files.js";

export interface WatchFolderOptions extends TileOptions, MemoryOptions {
  readonly inDir: string;
  readonly outDir: string;
  readonly upscaler: Upscaler;
  /** Name suffix before the extension (default `_x<scale>`). */
  readonly suffix?: string;
  /** Output format (default `same`). */
  readonly format?: FormatChoice;
  readonly overwrite?: boolean;
  /** Images upscaled at once (default 2). */
  readonly concurrency?: number;
  /** Watch subfolders and mirror them in OUT. */
  readonly recursive?: boolean;
  readonly then?: ThenAction | AfterSuccessHook;
  /** Where `then: move` puts inputs (default OUT/originals). */
  readonly moveDir?: string;
  /** ms a file's size must stay the same before it is read (default 1000). */
  readonly stabilityMs?: number;
  readonly pollMs?: number;
  /** ms before a failure of the output folder (disk full, permission denied) is tried again; doubles per failure up to 10 minutes (default 30000). */
  readonly retryMs?: number;
  /** ms a file that does not decode completely may take to change before it counts as failed (default 5 x stabilityMs). */
  readonly incompleteGraceMs?: number;
  /** Replaces the per-image work (tests, benchmarks); default `imageJob(upscaler, tiling)`. */
  readonly job?: ImageJob;
}

export interface WatchHandle {
  /** Cold: subscribing starts the watcher. One event per file version, plus `watching` and `warning`. */
  readonly events$: Observable<FileEvent>;
  /** Stops taking new files; in-flight ones finish, then `events$` completes. */
  stop(): void;
}

/** A watch that cannot start: IN is not a folder, or OUT is IN. */
export class WatchError extends Error {
  override readonly name = "WatchError";
}

async function checkFolders(inDir: string, outDir: string): Promise<void> {
  const info = await stat(inDir).catch(() => undefined);
  if (!info?.isDirectory()) throw new WatchError(`watch: IN '${inDir}' is not a folder`);
  if (inDir === outDir) throw new WatchError(`watch: OUT must differ from IN ('${inDir}'), or outputs would be upscaled again`);
  await mkdir(outDir, { recursive: true });
}

export function watchFolder(o: WatchFolderOptions): WatchHandle {
  const inDir = resolve(o.inDir), outDir = resolve(o.outDir);
  const moveDir = resolve(o.moveDir ?? join(outDir, "originals"));
  const concurrency = o.concurrency ?? 2;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new WatchError(`watch: concurrency must be a positive integer (got ${concurrency})`);
  const stop$ = new ReplaySubject<void>(1);
  let stopping = false;

  const events$ = defer(async () => {
    await checkFolders(inDir, outDir);
    const removed = await cleanTempFiles(outDir, o.recursive ?? false);
    const logFile = join(outDir, FAILED_LOG_NAME);
    return { removed, logFile, known: await readFailedLog(logFile), logged: await loggedFiles(logFile) };
  }).pipe(
    switchMap(({ removed, logFile, known, logged }) => {
      const retries = new Subject<PendingFile>();
      const stabilityMs = o.stabilityMs ?? 1000, pollMs = o.pollMs ?? 100;
      return concat(
        from(removed.map((file): FileEvent => ({ type: "warning", message: `removed leftover temp file ${file}` }))),
        merge(watchFiles(inDir, { recursive: o.recursive, exclude: [outDir, moveDir], stabilityMs, pollMs }), retries).pipe(
          takeUntil(stop$),
          upscaleFiles(o.job ?? imageJob(o.upscaler, o), {
            naming: { outDir, suffix: o.suffix ?? defaultSuffix(o.upscaler.scale), format: o.format ?? "same" },
            overwrite: o.overwrite ?? false,
            concurrency,
            then: o.then,
            moveDir,
            moveRoot: inDir,
            failures: { logFile, known, logged },
            collisions: "siblings",
            awaitComplete: { graceMs: o.incompleteGraceMs ?? 5 * stabilityMs, pollMs, maxInputPixels: o.maxInputPixels },
            retry: { retryMs: o.retryMs ?? 30_000, retry: (file) => retries.next(file), root: inDir, isStopping: () => stopping },
            isStopping: () => stopping,
          }),
        ),
      );
    }),
  );
  return {
    events$,
    stop: () => {
      stopping = true;
      stop$.next();
    },
  };
}
