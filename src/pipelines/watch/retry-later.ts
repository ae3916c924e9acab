/**
 * Stage (watch): a failure that is the output folder's, not the file's (disk full, permission
 * denied, read-only file system, too many open files), is tried again later: the failed event gets
 * `retryInMs`, and after that delay the file is handed back to the source as pending. The delay
 * doubles with each failure of the same file, up to `maxRetryMs`, and starts over after a success.
 * Each file's delays are stretched by its own 0-25% (from a hash of its path), so files that failed
 * together (each filling the disk for the other) are not retried together again and again.
 */
import { finalize, map, type OperatorFunction } from "rxjs";
import type { PendingFile, Step } from "./steps.js";

/** System error codes that say the output side failed and may recover by itself. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set(["ENOSPC", "EDQUOT", "EACCES", "EPERM", "EROFS", "EMFILE", "ENFILE", "EBUSY", "EAGAIN"]);

/** A file's own stretch of its back-off, in [0, 0.25): FNV-1a of its path. */
export function spread(file: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < file.length; i++) h = Math.imul(h ^ file.charCodeAt(i), 0x01000193) >>> 0;
  return (h % 1000) / 4000;
}

export interface RetryLaterOptions {
  /** The first delay (ms). */
  readonly retryMs: number;
  /** The longest delay (ms; default 10 minutes, or retryMs when larger). */
  readonly maxRetryMs?: number;
  /** Hands the file back to the pipeline. */
  readonly retry: (file: PendingFile) => void;
  /** The folder outputs mirror from. */
  readonly root: string;
  /** Once true, no retry is scheduled (the watch is stopping). */
  readonly isStopping?: () => boolean;
}

export function retryLater(o: RetryLaterOptions): OperatorFunction<Step, Step> {
  const maxRetryMs = Math.max(o.retryMs, o.maxRetryMs ?? 10 * 60_000);
  return (source) => {
    const attempts = new Map<string, number>();
    const timers = new Set<NodeJS.Timeout>();
    return source.pipe(
      map((step: Step): Step => {
        if (step.type === "done") attempts.delete(step.file);
        if (step.type !== "failed" || step.code === undefined || !RETRYABLE_CODES.has(step.code) || o.isStopping?.()) return step;
        const n = (attempts.get(step.file) ?? 0) + 1;
        attempts.set(step.file, n);
        const delay = Math.round(Math.min(maxRetryMs, o.retryMs * 2 ** (n - 1)) * (1 + spread(step.file)));
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!o.isStopping?.()) o.retry({ type: "pending", file: step.file, root: o.root });
        }, delay);
        timer.unref();
        timers.add(timer);
        return { ...step, retryInMs: delay };
      }),
      finalize(() => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
      }),
    );
  };
}
