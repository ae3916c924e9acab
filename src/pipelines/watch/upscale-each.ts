/**
 * Stage: upscales images, at most `concurrency` at a time (`mergeMap`), each in isolation: a file
 * that throws becomes a `failed` event (with the system error code, if any) and the stream goes on;
 * one that changed or vanished while read (`InputChangedError`) is `skipped: changed / gone`. Two versions of one file never run
 * at once (the later waits), a version already queued is not queued twice, and once `isStopping()`
 * says so, queued files are skipped instead of started. Other steps (events) pass straight through,
 * without waiting for a free slot.
 */
import { connect, defer, filter, from, merge, mergeMap, type OperatorFunction } from "rxjs";
import { InputChangedError } from "./input-changed.js";
import type { FileEvent, PendingImage, Step } from "./steps.js";

/** What upscaling one image reports back (sizes in pixels). */
export interface UpscaledSize {
  readonly width: number;
  readonly height: number;
  readonly outWidth: number;
  readonly outHeight: number;
}

/** Reads `image.file`, writes `image.output` atomically (stamped with `image.mtimeMs`), or throws. */
export type ImageJob = (image: PendingImage) => Promise<UpscaledSize>;

export interface UpscaleEachOptions {
  readonly concurrency: number;
  readonly isStopping?: () => boolean;
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export function upscaleEach(job: ImageJob, options: UpscaleEachOptions): OperatorFunction<Step, Step> {
  const { concurrency } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`upscaleEach: concurrency must be a positive integer (got ${concurrency})`);
  return (source) =>
    defer(() => {
      const [dedupe, run] = perSubscription(job, options);
      return source.pipe(connect((steps) => merge(steps.pipe(filter((s) => s.type !== "image")), steps.pipe(filter((s) => s.type === "image"), dedupe, run))));
    });
}

/** The operators with their own state (what is queued, what runs) for one subscription. */
function perSubscription(job: ImageJob, options: UpscaleEachOptions): [OperatorFunction<Step, Step>, OperatorFunction<Step, FileEvent>] {
  const queued = new Set<string>();
  const lastRun = new Map<string, Promise<unknown>>();

  async function runOne(image: PendingImage): Promise<FileEvent> {
    const before = lastRun.get(image.file);
    if (before) await before.catch(() => undefined);
    if (options.isStopping?.()) return { type: "skipped", file: image.file, reason: "stopping" };
    const started = performance.now();
    try {
      const size = await job(image);
      return { type: "done", file: image.file, output: image.output, ...size, ms: Math.round(performance.now() - started) };
    } catch (err) {
      if (err instanceof InputChangedError) return { type: "skipped", file: image.file, reason: err.gone ? "gone" : "changed" };
      const code = (err as { code?: unknown }).code;
      return { type: "failed", file: image.file, error: errorText(err), size: image.size, mtimeMs: image.mtimeMs, ...(typeof code === "string" ? { code } : {}) };
    }
  }

  const keyOf = (image: PendingImage): string => `${image.file}\0${image.size}\0${image.mtimeMs}`;
  return [
    // At arrival (not when a slot frees up): a version already queued or running is dropped.
    filter((step: Step) => {
      if (step.type !== "image") return false;
      if (queued.has(keyOf(step))) return false;
      queued.add(keyOf(step));
      return true;
    }),
    mergeMap((step: Step) => {
      if (step.type !== "image") return [];
      const run = runOne(step);
      lastRun.set(step.file, run);
      return from(
        run.finally(() => {
          queued.delete(keyOf(step));
          if (lastRun.get(step.file) === run) lastRun.delete(step.file);
        }),
      );
    }, options.concurrency),
  ];
}
