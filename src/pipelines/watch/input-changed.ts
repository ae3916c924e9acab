/**
 * A file that changed or vanished while it was being read: not a failure of the file (a writer
 * still at work, a file replaced or deleted under us), so its version is dropped, never recorded
 * as failed; in a watch, the watcher queues the new version.
 */
import { stat } from "node:fs/promises";
import type { FileVersion } from "./failed-log.js";

/** Thrown by a job whose input is no longer the version it started from. */
export class InputChangedError extends Error {
  override readonly name = "InputChangedError";
  constructor(readonly file: string, readonly gone: boolean) {
    super(`${file}: ${gone ? "deleted" : "changed"} while being read`);
  }
}

/** Throws InputChangedError unless `file` still has this size and mtime. */
export async function checkUnchanged(file: string, version: FileVersion): Promise<void> {
  const now = await stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  });
  if (!now) throw new InputChangedError(file, true);
  if (now.size !== version.size || now.mtimeMs !== version.mtimeMs) throw new InputChangedError(file, false);
}
