/** What a producer (`enqueueFiles`, `watchToQueue`) reports: one event per file, plus the watcher's own. */
import type { FileEvent } from "../../pipelines/watch/steps.js";

/** A job's state in BullMQ's terms, as `getJobState` names it. */
export type JobStateName = "waiting" | "active" | "delayed" | "prioritized" | "waiting-children" | "completed" | "failed";

/**
 * `queued`: a job was added for this file version. `already-queued`: a job for this version is in
 * the queue (waiting, active, delayed for a retry, or failed: `pcl-stream queue retry-failed` re-queues
 * those). Files that need no job come as `skipped` (output up to date, not an image) or `failed`
 * (the name claims an image the content is not); `watching` and `warning` as in the watch folder.
 */
export type QueueEvent =
  | { readonly type: "queued"; readonly file: string; readonly output: string; readonly jobId: string }
  | { readonly type: "already-queued"; readonly file: string; readonly jobId: string; readonly state: JobStateName }
  | Exclude<FileEvent, { readonly type: "done" }>;
