// The job queue: many workers, anywhere, share one BullMQ queue on Redis; producers (enqueue, the watch folder) add jobs.
// May import src/io, src/model, src/backend, src/pipelines, ../upscale-file.ts and bullmq (imported when a queue is opened); nothing from bin/.
export { enqueueFiles, type EnqueueFilesOptions } from "./enqueue-files.js";
export { queueJobId } from "./job-id.js";
export type { QueueLocation } from "./open-queue.js";
export type { ProducerOptions } from "./producer-options.js";
export type { JobStateName, QueueEvent } from "./queue-event.js";
export { queueStatus, type FailedJob, type QueueStatus } from "./queue-status.js";
export { DEFAULT_QUEUE_NAME, parseQueueUrl, QueueError, type QueueAddress } from "./queue-url.js";
export { queueWorker, type QueueWorkerEvent, type QueueWorkerOptions } from "./queue-worker.js";
export { retryFailedJobs } from "./retry-failed.js";
export type { UpscaleJobData, UpscaleJobResult } from "./upscale-job.js";
export { watchToQueue, type WatchToQueueOptions } from "./watch-to-queue.js";
