/**
 * The id of a file's upscale job: a hash of the input's absolute path, size and mtime. Producers that
 * see the same file version (two watchers, a watcher and `enqueue`) make the same id, and BullMQ keeps
 * one job per id; a changed file has another id, so it is a new job.
 */
import { createHash } from "node:crypto";

/** `pcl-<40 hex digits>` for a file version (the prefix keeps it from looking like BullMQ's numeric ids). */
export function queueJobId(file: string, size: number, mtimeMs: number): string {
  return `pcl-${createHash("sha1").update(`${file}\0${size}\0${mtimeMs}`).digest("hex")}`;
}
