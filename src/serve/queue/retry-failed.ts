/** `pcl-stream queue retry-failed` as a function: every job in the failed set back to the queue, with its tries counted afresh. */
import type { Job } from "bullmq";
import { openQueue, type QueueLocation } from "./open-queue.js";
import { failedJobOf, type FailedJob } from "./queue-status.js";
import type { UpscaleJobData } from "./upscale-job.js";

/**
 * Moves the failed jobs back to waiting (each gets its `attempts` again) and returns them as they
 * were (with the error that failed them). A job whose input changed since is skipped by the worker
 * ("changed"): the new version is a job of its own.
 *
 * ```ts
 * import { retryFailedJobs } from "pcl-stream/serve";
 * for (const job of await retryFailedJobs({ queue: "redis://127.0.0.1:6379" })) console.log(`retrying ${job.file}`);
 * ```
 *
 * @throws OptionError for bad options; rejects with QueueError when Redis cannot be reached.
 */
export async function retryFailedJobs(options: QueueLocation): Promise<FailedJob[]> {
  const { queue, close } = await openQueue(options);
  const retried: FailedJob[] = [];
  try {
    // Each retry removes the job from the failed set, so the first page is always the next one.
    for (;;) {
      const page = ((await queue.getFailed(0, 99)) as Job<UpscaleJobData>[]).filter(Boolean);
      if (page.length === 0) break;
      for (const job of page) {
        const record = failedJobOf(job);
        await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
        retried.push(record);
      }
    }
    return retried;
  } finally {
    await close();
  }
}
