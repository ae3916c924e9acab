/**
 * Stage: the run folder's metrics file. Each step and validation event is appended to it as one
 * JSON line with its time, before it goes on: what `pcl-stream compare` and `readRunSummary` read.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { tap, type MonoTypeOperatorFunction } from "rxjs";
import type { TrainEvent } from "../pipelines/train/train.js";
import { pruneMetrics } from "./prune-metrics.js";

/** The metrics file's name inside a run folder. */
export const METRICS_FILE = "metrics.jsonl";

/**
 * Appends every `step` and `validation` event to `file` (`{"time": ISO time, ...event}` per line)
 * and passes all events through unchanged. `train` applies it to `out/metrics.jsonl` by default.
 * When the run is a resume (its `start` event says so), the lines of the steps and validations it
 * will redo (those after its checkpoint, left by a run that was killed) are removed first, so each
 * appears once.
 *
 * ```ts
 * train(spec, { metrics: false }).pipe(writeMetrics("elsewhere/metrics.jsonl")).subscribe();
 * ```
 */
export function writeMetrics(file: string): MonoTypeOperatorFunction<TrainEvent> {
  if (typeof file !== "string" || file.length === 0) throw new TypeError(`writeMetrics: file must be a path, got ${String(file)}`);
  let folderMade = false;
  return tap((e) => {
    if (e.type === "start" && e.resumed) pruneMetrics(file, e.iteration);
    if (e.type !== "step" && e.type !== "validation") return;
    if (!folderMade) { mkdirSync(dirname(file), { recursive: true }); folderMade = true; }
    appendFileSync(file, `${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
  });
}
