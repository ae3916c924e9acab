/**
 * Stage: skips a file whose current version (size and mtime) is recorded as failed, so a bad file
 * is tried once, not in a loop; a changed file is tried again. Applies to images about to be
 * upscaled and to files that already failed to classify (empty, corrupt, unsupported).
 */
import { map, type OperatorFunction } from "rxjs";
import { failedBefore, type KnownFailures } from "./failed-log.js";
import type { Step } from "./steps.js";

export function skipKnownFailures(known: KnownFailures): OperatorFunction<Step, Step> {
  return map((step: Step): Step => {
    const version = step.type === "image" ? step : step.type === "failed" && step.size !== undefined && step.mtimeMs !== undefined ? { size: step.size, mtimeMs: step.mtimeMs } : undefined;
    if (!version || !("file" in step) || !failedBefore(known, step.file, version)) return step;
    return { type: "skipped", file: step.file, reason: "failed-before" };
  });
}
