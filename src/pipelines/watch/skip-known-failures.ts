/**
 * Stage: skips an image whose current version (size and mtime) is recorded as failed, so a bad
 * file is tried once, not in a loop. A changed file is tried again.
 */
import type { OperatorFunction } from "rxjs";
import { failedBefore, type KnownFailures } from "./failed-log.js";
import { mapStep } from "./map-step.js";
import type { Step } from "./steps.js";

export function skipKnownFailures(known: KnownFailures): OperatorFunction<Step, Step> {
  return mapStep("image", (image): Step => (failedBefore(known, image.file, image) ? { type: "skipped", file: image.file, reason: "failed-before" } : image));
}
