/**
 * Source for `pcl-stream upscale`: the files named on the command line, and the files in the
 * folders named there (subfolders when `recursive`), as `pending` steps. Inside folders, ignored
 * names (hidden, clutter, partial, temp) are left out; a file named explicitly is always looked at.
 */
import { readdir, stat } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { concatMap, from, type Observable } from "rxjs";
import { isIgnoredName } from "./ignored-name.js";
import type { Step } from "./steps.js";

export interface ListFilesOptions {
  readonly recursive?: boolean;
  /** Files inside folders for which this is true are left out (e.g. outputs written beside inputs). */
  readonly exclude?: (file: string) => boolean;
}

/** An input file or folder that does not exist. */
export class InputError extends Error {
  override readonly name = "InputError";
}

async function* walk(dir: string, recursive: boolean): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (isIgnoredName(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isFile()) yield path;
    else if (recursive && entry.isDirectory()) yield* walk(path, true);
  }
}

async function* pendingFiles(inputs: readonly string[], options: ListFilesOptions): AsyncGenerator<Step> {
  for (const input of inputs) {
    const path = resolve(input);
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new InputError(`${input}: no such file or folder`);
    if (info.isDirectory()) {
      for await (const file of walk(path, options.recursive ?? false)) {
        if (!options.exclude?.(file)) yield { type: "pending", file, root: path };
      }
    } else {
      yield { type: "pending", file: path, root: dirname(path) };
    }
  }
}

/** Emits the files in order (folders sorted by name); a missing input errors with `InputError`. */
export function listFiles(inputs: readonly string[], options: ListFilesOptions = {}): Observable<Step> {
  return from([inputs]).pipe(concatMap((list) => from(pendingFiles(list, options))));
}

/** True when `path` is `dir` or inside it. */
export const isInside = (dir: string, path: string): boolean => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
