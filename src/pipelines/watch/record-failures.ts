/**
 * Stage: appends every `failed` event to OUT/failed.jsonl and to the in-memory map of known
 * failures, then passes it on. A failure to write the log becomes a warning, never a crash.
 */
import { concatMap, from, of, type OperatorFunction } from "rxjs";
import { appendFailure, type KnownFailures } from "./failed-log.js";
import type { Step } from "./steps.js";

export function recordFailures(logFile: string, known: KnownFailures): OperatorFunction<Step, Step> {
  return concatMap((step: Step) => {
    if (step.type !== "failed") return of(step);
    if (step.size !== undefined && step.mtimeMs !== undefined) known.set(step.file, { size: step.size, mtimeMs: step.mtimeMs });
    const record = { file: step.file, error: step.error, time: new Date().toISOString(), size: step.size, mtimeMs: step.mtimeMs };
    return from(
      appendFailure(logFile, record).then(
        (): Step[] => [step],
        (err: Error): Step[] => [step, { type: "warning", message: `cannot append to ${logFile}: ${err.message}` }],
      ),
    ).pipe(concatMap((steps) => from(steps)));
  });
}
