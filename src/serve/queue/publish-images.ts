/**
 * Stage: each image step becomes a job on the queue (id from the file version, see job-id.ts);
 * events pass through. A version already in the queue is not added again; a version whose job
 * completed but whose output is no longer up to date (deleted, or another output path) is queued
 * again: the finished job's record is replaced.
 */
import type { Queue } from "bullmq";
import { from, mergeMap, of, type OperatorFunction } from "rxjs";
import { isEvent, type Step } from "../../pipelines/watch/steps.js";
import { queueJobId } from "./job-id.js";
import type { JobStateName, QueueEvent } from "./queue-event.js";
import { jobDataOf } from "./upscale-job.js";

/** How published jobs are shaped. */
export interface PublishOptions {
  readonly suffix: string;
  readonly scale: number;
  readonly tile?: number;
  readonly overlap?: number;
  /** Tries per job before it lands in the failed set (default 3). */
  readonly attempts?: number;
  /** First retry delay in ms, doubled for each later one (default 1000). */
  readonly backoffMs?: number;
}

/** BullMQ's job name for upscale jobs. */
export const UPSCALE_JOB_NAME = "upscale";

/** Adds jobs for image steps, `concurrency` Redis calls in flight; other steps pass through as events. */
export function publishImages(queue: Queue, o: PublishOptions, concurrency = 16): OperatorFunction<Step, QueueEvent> {
  return mergeMap((step: Step) => {
    if (step.type === "pending") return of();
    if (step.type !== "image") return isEvent(step) && step.type !== "done" ? of(step) : of();
    return from((async (): Promise<QueueEvent> => {
      const jobId = queueJobId(step.file, step.size, step.mtimeMs);
      try {
        const state = await queue.getJobState(jobId);
        if (state === "completed") await queue.remove(jobId);
        else if (state !== "unknown") return { type: "already-queued", file: step.file, jobId, state: state as JobStateName };
        await queue.add(UPSCALE_JOB_NAME, jobDataOf(step, o), {
          jobId, attempts: o.attempts ?? 3, backoff: { type: "exponential", delay: o.backoffMs ?? 1000 },
        });
        return { type: "queued", file: step.file, output: step.output, jobId };
      } catch (err) {
        return { type: "failed", file: step.file, error: `cannot queue it: ${err instanceof Error ? err.message : String(err)}` };
      }
    })());
  }, concurrency);
}
