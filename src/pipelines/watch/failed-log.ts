/**
 * OUT/failed.jsonl: one JSON object per failed file ({file, error, time, size, mtimeMs}), appended.
 * A file whose size and mtime match a recorded failure is not retried; once it changes, it is.
 * The log holds each file's latest outcome: a later success removes the file's lines (the log is
 * rewritten atomically, a temp file renamed over it).
 */
import { randomBytes } from "node:crypto";
import { appendFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { TEMP_PREFIX } from "../../io/image.js";

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
  /** The system error code (ENOSPC, EACCES, ...) when there is one. */
  readonly code?: string;
  /** Set when the watch tries the file again after this many ms (the output folder's failure, not the file's). */
  readonly retryInMs?: number;
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
      if (typeof record.file !== "string") continue;
      // A failure to be retried (the output folder's, not the file's) does not keep the version from running again.
      if (typeof record.size === "number" && typeof record.mtimeMs === "number" && record.retryInMs === undefined) known.set(record.file, { size: record.size, mtimeMs: record.mtimeMs });
      else known.delete(record.file);
    } catch {
      // A torn last line from a crash: ignore it.
    }
  }
  return known;
}

/** The files that have a line in the log (missing log: none). */
export async function loggedFiles(logFile: string): Promise<Set<string>> {
  const text = await readFile(logFile, "utf8").catch(() => "");
  const files = new Set<string>();
  for (const line of text.split("\n")) {
    try {
      const record = JSON.parse(line) as Partial<FailureRecord>;
      if (typeof record.file === "string") files.add(record.file);
    } catch {
      // empty or torn line
    }
  }
  return files;
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

/** Removes every line about `file` from the log (atomically); true when there was one. A missing log: false. */
export async function removeFailures(logFile: string, file: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(logFile, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
  const lines = text.split("\n").filter((l) => l.trim());
  const kept = lines.filter((line) => {
    try {
      return (JSON.parse(line) as Partial<FailureRecord>).file !== file;
    } catch {
      return false; // a torn line from a crash goes too
    }
  });
  if (kept.length === lines.length) return false;
  const tmp = join(dirname(logFile), `${TEMP_PREFIX}${randomBytes(6).toString("hex")}-${basename(logFile)}`);
  try {
    await writeFile(tmp, kept.map((l) => `${l}\n`).join(""));
    await rename(tmp, logFile);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  return true;
}
