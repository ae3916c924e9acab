/** `pcl-stream queue status` as a function: how many jobs wait, run, are done and failed, and the last failures. */
import type { Job } from "bullmq";
import { checkOptions, isNonNegativeInt } from "../../option-check.js";
import { openQueue, queueNameOf, type QueueLocation } from "./open-queue.js";
import { redactedUrl } from "./queue-url.js";
import type { UpscaleJobData } from "./upscale-job.js";

/** One job in the failed set. */
export interface FailedJob {
  readonly jobId: string;
  readonly file: string;
  readonly output?: string;
  /** The error of its last try. */
  readonly error: string;
  /** Tries made. */
  readonly attempts: number;
  /** ISO time it failed for good (null if unknown). */
  readonly failedAt: string | null;
}

/** The counts of a queue (BullMQ's states) and its latest failures. */
export interface QueueStatus {
  readonly queue: string;
  readonly queueName: string;
  /** Jobs no worker has taken yet. */
  readonly waiting: number;
  /** Jobs a worker is running. */
  readonly active: number;
  /** Jobs waiting out a retry delay after a failed try. */
  readonly delayed: number;
  /** Jobs completed (output written, or found up to date). */
  readonly done: number;
  /** Jobs that failed every try (`pcl-stream queue retry-failed` re-queues them). */
  readonly failed: number;
  /** Workers connected now (null where Redis does not allow CLIENT LIST). */
  readonly workers: number | null;
  /** The latest failures, newest first. */
  readonly lastFailures: readonly FailedJob[];
}

/** A failed job as `FailedJob`. */
export function failedJobOf(job: Job<UpscaleJobData>): FailedJob {
  const data = (job.data ?? {}) as Partial<UpscaleJobData>;
  return {
    jobId: String(job.id), file: typeof data.input === "string" ? data.input : "?", ...(typeof data.output === "string" ? { output: data.output } : {}),
    error: job.failedReason ?? "?", attempts: job.attemptsMade, failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}

/**
 * Reads the queue's counts and its `failures` latest failed jobs (default 5).
 *
 * ```ts
 * import { queueStatus } from "pcl-stream/serve";
 * const s = await queueStatus({ queue: "redis://127.0.0.1:6379" });
 * console.log(`${s.done} done, ${s.waiting} waiting, ${s.failed} failed`);
 * ```
 *
 * @throws OptionError for bad options; rejects with QueueError when Redis cannot be reached.
 */
export async function queueStatus(options: QueueLocation & { readonly failures?: number }): Promise<QueueStatus> {
  checkOptions("queueStatus", options, [["failures", isNonNegativeInt, "a non-negative integer"]]);
  const { queue, close } = await openQueue(options);
  try {
    const counts = await queue.getJobCounts("waiting", "prioritized", "active", "delayed", "completed", "failed");
    const n = options.failures ?? 5;
    const failed = n === 0 ? [] : ((await queue.getFailed(0, n - 1)) as Job<UpscaleJobData>[]).filter(Boolean);
    const workers = await queue.getWorkersCount().catch(() => null);
    return {
      queue: redactedUrl(options.queue), queueName: queueNameOf(options),
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0), active: counts.active ?? 0, delayed: counts.delayed ?? 0,
      done: counts.completed ?? 0, failed: counts.failed ?? 0, workers,
      lastFailures: failed.map(failedJobOf).sort((a, b) => (b.failedAt ?? "").localeCompare(a.failedAt ?? "")),
    };
  } finally {
    await close();
  }
}
