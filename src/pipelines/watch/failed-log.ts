/**
 * OUT/failed.jsonl: one JSON object per failed file ({file, error, time, size, mtimeMs}), appended.
 * A file whose size and mtime match a recorded failure is not retried; once it changes, it is.
 */
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";

/** The watch folder's failure log, in OUT: one JSON line (`FailureRecord`) per failed file version. */
export const FAILED_LOG_NAME = "failed.jsonl";

/** One line of `failed.jsonl`: the file, the error, when, and the version (size, mtime) that failed. */
export interface FailureRecord {
  readonly file: string;
  readonly error: string;
  /** ISO time of the failure. */
  readonly time: string;
  readonly size?: number;
  readonly mtimeMs?: number;
}

/** The version of a file a failure was recorded for. */
export interface FileVersion {
  readonly size: number;
  readonly mtimeMs: number;
}

/** The failures recorded so far, latest per file, as a mutable map the pipeline keeps up to date. */
export type KnownFailures = Map<string, FileVersion>;

/** Reads the log (missing log: no failures). Lines that are not valid records are skipped. */
export async function readFailedLog(logFile: string): Promise<KnownFailures> {
  const known: KnownFailures = new Map();
  let text: string;
  try {
    text = await readFile(logFile, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return known;
    throw err;
  }
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const record = JSON.parse(line) as Partial<FailureRecord>;
      if (typeof record.file === "string" && typeof record.size === "number" && typeof record.mtimeMs === "number") {
        known.set(record.file, { size: record.size, mtimeMs: record.mtimeMs });
      }
    } catch {
      // A torn last line from a crash: ignore it.
    }
  }
  return known;
}

/** Appends one record (one line, written in one call). */
export async function appendFailure(logFile: string, record: FailureRecord): Promise<void> {
  await mkdir(dirname(logFile), { recursive: true });
  await appendFile(logFile, `${JSON.stringify(record)}\n`);
}

/** True when this version of the file is the one that failed before. */
export const failedBefore = (known: KnownFailures, file: string, version: FileVersion): boolean => {
  const failed = known.get(file);
  return failed !== undefined && failed.size === version.size && failed.mtimeMs === version.mtimeMs;
};
