/**
 * Stage (watch): takes a file only once it decodes completely. A writer that pauses longer than the
 * stability window leaves a file whose size and mtime look settled but whose content is cut short;
 * so each image is decoded end to end first (sharp, sequential access: memory stays at a few
 * strips). When that fails, or when the file was already refused as empty or not an image, the
 * stage waits up to `graceMs` for the file to change: if it does (or goes), this version is dropped
 * (`skipped: changed / gone`; the watcher queues the new one), else the failure stands.
 */
import { stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { from, mergeMap, of, type OperatorFunction } from "rxjs";
import { InputTooLargeError, readImageHeader } from "../../io/image-rows.js";
import { loadSharp } from "../../io/sharp.js";
import type { FileVersion } from "./failed-log.js";
import type { Step } from "./steps.js";

export interface AwaitCompleteOptions {
  /** How long a file that does not decode may take to change before it counts as failed (ms). */
  readonly graceMs: number;
  /** How often its size and mtime are polled meanwhile (ms). */
  readonly pollMs: number;
  /** The input pixel limit (inputs above it are left to the job, which refuses them from the header). */
  readonly maxInputPixels?: number;
  /** Files decoded at once (default 2); files waiting to change wait without limit. */
  readonly concurrency?: number;
}

/** Decodes the whole file; resolves undefined when it is complete, else the decoder's error. */
export async function decodeError(file: string, maxInputPixels?: number): Promise<string | undefined> {
  try {
    await readImageHeader(file, { maxInputPixels });
    const sharp = await loadSharp();
    await sharp(file, { limitInputPixels: false, sequentialRead: true }).stats();
    return undefined;
  } catch (err) {
    if (err instanceof InputTooLargeError) return undefined;
    return err instanceof Error ? err.message : String(err);
  }
}

/** Waits up to `graceMs` for `file` to differ from `version`: "changed", "gone", or undefined when it stayed. */
async function changesWithin(file: string, version: FileVersion, graceMs: number, pollMs: number): Promise<"changed" | "gone" | undefined> {
  const deadline = performance.now() + graceMs;
  for (;;) {
    const now = await stat(file).catch(() => undefined);
    if (!now) return "gone";
    if (now.size !== version.size || now.mtimeMs !== version.mtimeMs) return "changed";
    if (performance.now() >= deadline) return undefined;
    await sleep(Math.min(pollMs, Math.max(1, deadline - performance.now())));
  }
}

/** Runs at most `n` of the functions given to it at once, the others queued in order. */
function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: Array<() => void> = [];
  return async (fn) => {
    if (running >= n) await new Promise<void>((resolve) => queue.push(resolve));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      queue.shift()?.();
    }
  };
}

export function awaitComplete(o: AwaitCompleteOptions): OperatorFunction<Step, Step> {
  const decoding = limiter(o.concurrency ?? 2);
  return mergeMap((step: Step) => {
    if (step.type === "image") {
      return from((async (): Promise<Step> => {
        const error = await decoding(() => decodeError(step.file, o.maxInputPixels));
        if (error === undefined) return step;
        const change = await changesWithin(step.file, step, o.graceMs, o.pollMs);
        if (change) return { type: "skipped", file: step.file, reason: change };
        return { type: "failed", file: step.file, error: `incomplete or corrupt ${step.format} (${error})`, size: step.size, mtimeMs: step.mtimeMs };
      })());
    }
    if (step.type === "failed" && step.size !== undefined && step.mtimeMs !== undefined) {
      const version = { size: step.size, mtimeMs: step.mtimeMs };
      return from(changesWithin(step.file, version, o.graceMs, o.pollMs).then((change): Step => (change ? { type: "skipped", file: step.file, reason: change } : step)));
    }
    return of(step);
  });
}
