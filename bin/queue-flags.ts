/**
 * The flags the queue commands share (`enqueue`, `watch --queue`, `worker`, `queue`): where the queue
 * is, how jobs are shaped, and the one-line-per-event printing of producers and workers.
 */
import type { FormatChoice, ProducerOptions, QueueEvent, QueueWorkerEvent } from "../src/serve/index.js";
import { integerFlag, UsageError } from "./upscale-flags.js";

export const QUEUE_USAGE = `  --queue URL          the Redis the queue lives on: redis://HOST:PORT[/DB] (required)
  --queue-name NAME    the queue's name on that Redis (default pcl-stream-upscale)`;

export const QUEUE_OPTIONS = {
  queue: { type: "string" },
  "queue-name": { type: "string" },
} as const;

export const PRODUCER_USAGE = `  --scale N            upscaling factor (default 4): names the default suffix; workers whose model has
                       another scale fail the job
  --suffix S           added to the name before the extension (default _x<scale>: photo.jpg -> photo_x4.jpg)
  --format F           same | png | jpg | webp | tiff (default same: the input's format)
  --tile N             LR tile size for the workers (default theirs, 128)
  --tile-overlap N     LR context pixels per tile side (default: the model's receptive radius, at most 32)
  --recursive          include subfolders, mirrored under the output folder
  --attempts N         tries per job before it lands in the failed set (default 3)
  --retry-delay-ms N   wait before the first retry, doubled for each later one (default 1000)
  --json               one JSON object per event on stdout instead of text lines`;

export const PRODUCER_OPTIONS = {
  scale: { type: "string", default: "4" },
  suffix: { type: "string" },
  format: { type: "string", default: "same" },
  tile: { type: "string" },
  "tile-overlap": { type: "string" },
  recursive: { type: "boolean", default: false },
  attempts: { type: "string", default: "3" },
  "retry-delay-ms": { type: "string", default: "1000" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

const FORMATS: readonly FormatChoice[] = ["same", "png", "jpg", "webp", "tiff"];

/** The queue location from `--queue` / `--queue-name`. */
export function queueFlags(values: { queue?: string; "queue-name"?: string }): { queue: string; queueName?: string } {
  if (!values.queue) throw new UsageError("--queue is required (redis://HOST:PORT[/DB])");
  return { queue: values.queue, ...(values["queue-name"] === undefined ? {} : { queueName: values["queue-name"] }) };
}

type ProducerValues = { [K in keyof typeof PRODUCER_OPTIONS]?: (typeof PRODUCER_OPTIONS)[K]["type"] extends "boolean" ? boolean : string };

/** The job-shaping flags as `ProducerOptions` fields (without the queue). */
export function producerFlags(values: ProducerValues): Omit<ProducerOptions, "queue" | "queueName"> {
  const format = (values.format ?? "same").toLowerCase().replace(/^jpeg$/, "jpg").replace(/^tif$/, "tiff");
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format: expected one of ${FORMATS.join(", ")}, got '${values.format}'`);
  const tile = integerFlag("tile", values.tile, 2);
  const overlap = integerFlag("tile-overlap", values["tile-overlap"], 0);
  if (tile !== undefined && overlap !== undefined && tile <= 2 * overlap) throw new UsageError(`--tile ${tile} must be more than twice --tile-overlap ${overlap}`);
  if (values.suffix !== undefined && /[\\/]/.test(values.suffix)) throw new UsageError(`--suffix: must not contain a path separator, got '${values.suffix}'`);
  return {
    scale: integerFlag("scale", values.scale ?? "4", 1)!,
    ...(values.suffix === undefined ? {} : { suffix: values.suffix }),
    format: format as FormatChoice,
    ...(tile === undefined ? {} : { tile }),
    ...(overlap === undefined ? {} : { overlap }),
    recursive: values.recursive ?? false,
    attempts: integerFlag("attempts", values.attempts ?? "3", 1)!,
    backoffMs: integerFlag("retry-delay-ms", values["retry-delay-ms"] ?? "1000", 0)!,
  };
}

/** One line per producer event: `queued  in -> out (job id)`, `queued before  in (state)`, `skip ...`, `FAIL ...`. */
export function queueEventLine(e: QueueEvent): string {
  switch (e.type) {
    case "queued": return `queued  ${e.file} -> ${e.output} (${e.jobId})`;
    case "already-queued": return `in queue  ${e.file} (${e.state}${e.state === "failed" ? ": pcl-stream queue retry-failed re-queues it" : ""})`;
    case "skipped": return `skip  ${e.file} (${e.reason}${e.output ? `: ${e.output}` : ""})`;
    case "failed": return `FAIL  ${e.file}: ${e.error}`;
    case "watching": return `watching ${e.dir}, publishing jobs (Ctrl-C to stop)`;
    case "warning": return `warning: ${e.message}`;
  }
}

/** One line per worker event. */
export function workerEventLine(e: QueueWorkerEvent): string {
  switch (e.type) {
    case "ready": return `worker ${e.name} taking jobs from ${e.queue} (queue ${e.queueName}; Ctrl-C to stop)`;
    case "started": return `start ${e.file} (${e.jobId}, attempt ${e.attempt})`;
    case "done": return `done  ${e.file} -> ${e.output} (${e.width}x${e.height} -> ${e.outWidth}x${e.outHeight}, ${e.ms} ms)`;
    case "skipped": return `skip  ${e.file} (${e.reason === "up-to-date" ? `an output of this version exists: ${e.output}` : "the input changed after it was queued; the new version is a job of its own"})`;
    case "failed": return `FAIL  ${e.file}: ${e.error} (attempt ${e.attempt}${e.final ? ", in the failed set" : ", will retry"})`;
    case "stalled": return `stalled job ${e.jobId} (its worker stopped) is back in the queue`;
    case "stopping": return "stopping: finishing the jobs in flight, taking no new ones (again to quit now)";
    case "warning": return `warning: ${e.message}`;
  }
}

/** Prints an event as a text line (failures and warnings to stderr) or as one JSON object per line. */
export function printLine(event: { readonly type: string }, line: string, json: boolean): void {
  if (json) console.log(JSON.stringify({ ...event, time: new Date().toISOString() }));
  else if (event.type === "failed" || event.type === "warning") console.error(line);
  else console.log(line);
}
