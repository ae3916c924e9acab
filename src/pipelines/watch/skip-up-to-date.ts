/**
 * Stage: skips an image whose output already exists and is at least as new as the input, unless
 * `overwrite`. Outputs are stamped with their input's mtime, so "as new" means "made from this version".
 */
import { stat } from "node:fs/promises";
import type { OperatorFunction } from "rxjs";
import { mapStep } from "./map-step.js";
import type { Step } from "./steps.js";

/** Output mtime may round below the input's by under a millisecond when stamped (utimes takes seconds as a double). */
const MTIME_TOLERANCE_MS = 1;

export function skipUpToDate(overwrite: boolean): OperatorFunction<Step, Step> {
  return mapStep("image", async (image): Promise<Step> => {
    if (overwrite) return image;
    const out = await stat(image.output).catch(() => undefined);
    if (out && out.mtimeMs + MTIME_TOLERANCE_MS >= image.mtimeMs) return { type: "skipped", file: image.file, reason: "up-to-date", output: image.output };
    return image;
  });
}
