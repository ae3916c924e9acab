/**
 * Source: every file in a folder now (the backlog) and every file added or changed later, each
 * reported once it has stopped growing (chokidar's awaitWriteFinish). Hidden files, clutter,
 * partial downloads and temp files are never reported; nor is anything under `exclude`.
 */
import { watch } from "chokidar";
import { join, resolve } from "node:path";
import { Observable } from "rxjs";
import { isIgnoredPath } from "./ignored-name.js";
import { isInside } from "./list-files.js";
import type { Step } from "./steps.js";

export interface WatchFilesOptions {
  /** Watch subfolders too (default false: only files directly in the folder). */
  readonly recursive?: boolean;
  /** Folders never reported (OUT and the move folder when they sit inside IN). */
  readonly exclude?: readonly string[];
  /** How long a file's size must stay the same before it counts as written (ms, default 1000). */
  readonly stabilityMs?: number;
  /** How often a growing file's size is checked (ms, default 100). */
  readonly pollMs?: number;
}

/** Files (not folders) in chokidar's `getWatched()`: folder -> names, folders being keys too. */
function watchedFiles(watched: Record<string, string[]>): number {
  let files = 0;
  for (const [dir, names] of Object.entries(watched)) for (const name of names) if (!(join(dir, name) in watched)) files += 1;
  return files;
}

/**
 * Emits `pending` steps for files, one `watching` step once the backlog has been scanned, and
 * `warning` steps for watcher errors. Never completes by itself; unsubscribing closes the watcher.
 */
export function watchFiles(dir: string, options: WatchFilesOptions = {}): Observable<Step> {
  const root = resolve(dir);
  const exclude = (options.exclude ?? []).map((d) => resolve(d));
  return new Observable<Step>((subscriber) => {
    const watcher = watch(root, {
      ignoreInitial: false,
      persistent: true,
      depth: options.recursive ? undefined : 0,
      awaitWriteFinish: { stabilityThreshold: options.stabilityMs ?? 1000, pollInterval: options.pollMs ?? 100 },
      ignored: (path: string) => {
        const abs = resolve(path);
        return isIgnoredPath(root, abs) || exclude.some((d) => isInside(d, abs));
      },
    });
    const found = (path: string): void => subscriber.next({ type: "pending", file: resolve(path), root });
    watcher.on("add", found);
    watcher.on("change", found);
    watcher.on("ready", () => subscriber.next({ type: "watching", dir: root, backlog: watchedFiles(watcher.getWatched()) }));
    watcher.on("error", (err: unknown) => subscriber.next({ type: "warning", message: `watching ${root}: ${err instanceof Error ? err.message : String(err)}` }));
    return () => {
      void watcher.close();
    };
  });
}
