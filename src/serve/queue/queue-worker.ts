/**
 * `pcl-stream worker` as a function: a BullMQ worker that takes upscale jobs off the queue and runs
 * each through `processUpscaleJob` (the `upscale` pipeline, idempotent). A job whose worker dies
 * (killed, machine gone) is put back by BullMQ's stall detection once its lock expires, and another
 * worker takes it.
 */
import type { IRedisClient, Job, Worker } from "bullmq";
import { hostname } from "node:os";
import { from, Observable, type ObservableInput } from "rxjs";
import { backendInUse } from "../../backend/select.js";
import type { Upscaler } from "../../model/upscaler.js";
import { checkOptions, isObservableInput, isPositiveInt, isString, OptionError } from "../../option-check.js";
import { queueNameOf, whenConnected, type QueueLocation } from "./open-queue.js";
import { redisClientFor, shutClient } from "./redis-client.js";
import { JobRejectedError, processUpscaleJob } from "./process-upscale-job.js";
import { parseQueueUrl, redactedUrl } from "./queue-url.js";
import { jobDataProblem, type UpscaleJobData, type UpscaleJobResult } from "./upscale-job.js";

/** `queueWorker`'s options: the queue, the model, how many jobs at once, how fast a dead worker's jobs come back. */
export interface QueueWorkerOptions extends QueueLocation {
  /** The model (from `loadUpscaler` or `bicubic`); jobs asking for another scale fail. */
  readonly upscaler: Upscaler;
  /** Jobs in flight at once in this process (default 2: one decodes or encodes while the other upscales). */
  readonly concurrency?: number;
  /**
   * How long a job's lock lasts without renewal (ms, default 30000; renewed every half of it while
   * the job runs). A job whose worker died goes back to the queue between `lockMs` and `lockMs` +
   * `stalledCheckMs` later. Keep it well above the longest pause of the event loop during one job.
   */
  readonly lockMs?: number;
  /** How often this worker looks for stalled jobs (ms, default 30000). */
  readonly stalledCheckMs?: number;
  /** This worker's name, recorded on the jobs it runs (BullMQ's `processedBy`; default HOST:PID). */
  readonly name?: string;
  /** Its first value stops taking jobs: those in flight finish, then the stream completes. */
  readonly stop?: ObservableInput<unknown>;
}

/** What a worker reports: its start, each job's start and end, jobs that came back from a dead worker, its stop. */
export type QueueWorkerEvent =
  | { readonly type: "ready"; readonly queue: string; readonly queueName: string; readonly name: string }
  | { readonly type: "started"; readonly jobId: string; readonly file: string; readonly attempt: number }
  | { readonly type: "done"; readonly jobId: string; readonly file: string; readonly output: string; readonly width: number; readonly height: number; readonly outWidth: number; readonly outHeight: number; readonly ms: number }
  | { readonly type: "skipped"; readonly jobId: string; readonly file: string; readonly output: string; readonly reason: "up-to-date" | "changed" }
  /** `final`: no tries left (or no retry can help): the job is in the failed set. */
  | { readonly type: "failed"; readonly jobId: string; readonly file: string; readonly error: string; readonly attempt: number; readonly final: boolean }
  /** A job whose worker stopped renewing its lock went back to the queue (found by this worker's check). */
  | { readonly type: "stalled"; readonly jobId: string }
  | { readonly type: "stopping" }
  | { readonly type: "warning"; readonly message: string };

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Runs upscale jobs from the queue until `stop` emits (jobs in flight finish, then the stream
 * completes) or the subscriber leaves (at once: jobs in flight are left to stall and be retried
 * elsewhere). Cold: subscribing connects and starts taking jobs.
 *
 * ```ts
 * import { loadUpscaler, queueWorker } from "pcl-stream/serve";
 * queueWorker({ queue: "redis://10.0.0.5:6379", upscaler: await loadUpscaler("runs/x/best") }).subscribe(console.log);
 * ```
 *
 * @throws OptionError for bad options; the stream errors with QueueError when Redis cannot be reached.
 */
export function queueWorker(options: QueueWorkerOptions): Observable<QueueWorkerEvent> {
  if (typeof options !== "object" || options === null) throw new OptionError("queueWorker", "options", "an object with at least { queue, upscaler }", options);
  if (!isString(options.queue)) throw new OptionError("queueWorker", "queue", "a redis:// URL", options.queue);
  if (typeof options.upscaler?.upscale !== "function") throw new OptionError("queueWorker", "upscaler", "an Upscaler (from loadUpscaler or bicubic)", options.upscaler);
  checkOptions("queueWorker", options, [
    ["queueName", isString, "a queue name"],
    ["concurrency", isPositiveInt, "a positive integer"],
    ["lockMs", (v) => isPositiveInt(v) && (v as number) >= 100, "an integer >= 100 (ms)"],
    ["stalledCheckMs", (v) => isPositiveInt(v) && (v as number) >= 100, "an integer >= 100 (ms)"],
    ["name", isString, "a name"],
    ["stop", isObservableInput, "an Observable (or a Promise) whose first value stops"],
  ]);
  parseQueueUrl(options.queue);
  const queueName = queueNameOf(options);
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const { upscaler } = options;

  return new Observable<QueueWorkerEvent>((subscriber) => {
    let worker: Worker<UpscaleJobData, UpscaleJobResult> | undefined;
    let client: IRedisClient | undefined;
    /** Closes the worker (`force`: without waiting for jobs in flight), then its Redis client. */
    const shut = async (force: boolean): Promise<void> => {
      await worker?.close(force).catch(() => undefined);
      if (client) await shutClient(client);
    };
    let left = false, closing = false;
    const emit = (e: QueueWorkerEvent): void => subscriber.next(e);
    const fileOf = (job: Job<UpscaleJobData> | undefined): string => (typeof job?.data?.input === "string" ? job.data.input : "?");

    async function start(): Promise<void> {
      await backendInUse("inference");
      const { Worker: BullWorker, UnrecoverableError } = await import("bullmq");
      if (left) return;
      client = await redisClientFor(options.queue);
      const w = new BullWorker<UpscaleJobData, UpscaleJobResult>(queueName, async (job) => {
        const problem = jobDataProblem(job.data);
        if (problem) throw new UnrecoverableError(problem);
        emit({ type: "started", jobId: job.id!, file: job.data.input, attempt: job.attemptsMade + 1 });
        await job.updateProgress({ stage: "upscaling", worker: name });
        try {
          return await processUpscaleJob(job.data, upscaler, { retry: job.attemptsMade > 0 || job.stalledCounter > 0 });
        } catch (err) {
          if (err instanceof JobRejectedError) throw new UnrecoverableError(err.message);
          throw err;
        }
      }, {
        connection: client, concurrency: options.concurrency ?? 2, name, autorun: false,
        lockDuration: options.lockMs ?? 30000, stalledInterval: options.stalledCheckMs ?? 30000,
      });
      worker = w;
      let lastError: string | undefined;
      w.on("error", (err: Error) => {
        lastError = err.message;
        if (!closing) emit({ type: "warning", message: `queue: ${err.message}` });
      });
      w.on("completed", (job, result) => {
        const base = { jobId: job.id!, file: fileOf(job) };
        emit(result.status === "done" ? { type: "done", ...base, output: result.output, width: result.width, height: result.height, outWidth: result.outWidth, outHeight: result.outHeight, ms: result.ms } : { type: "skipped", ...base, output: result.output, reason: result.reason });
      });
      w.on("failed", (job, err) => {
        if (!job) return;
        // BullMQ has already counted this attempt and moved the job: to `delayed` for a retry, or to `failed`.
        void job.getState().then((state) => state, () => "unknown").then((state) => {
          emit({ type: "failed", jobId: job.id!, file: fileOf(job), error: errorText(err), attempt: job.attemptsMade, final: state === "failed" });
        });
      });
      w.on("stalled", (jobId) => emit({ type: "stalled", jobId }));
      await whenConnected(w.waitUntilReady(), options.queue, () => lastError);
      if (left) return;
      emit({ type: "ready", queue: redactedUrl(options.queue), queueName, name });
      const stopping = options.stop === undefined ? undefined : from(options.stop).subscribe(() => {
        if (closing) return;
        closing = true;
        emit({ type: "stopping" });
        void w.close();
      });
      try {
        await w.run();
      } finally {
        stopping?.unsubscribe();
        await shut(false);
      }
    }

    start().then(
      () => subscriber.complete(),
      (err: unknown) => void shut(true).then(() => subscriber.error(err)),
    );
    return () => {
      left = true;
      if (!closing) {
        closing = true;
        void shut(true);
      }
    };
  });
}
