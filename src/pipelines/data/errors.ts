/** The errors of the training-data pipeline: bad options (thrown at creation) and runtime failures (sent down the stream). */
import { IMAGE_EXTENSIONS } from "./list-images.js";

/** An option of a data stage that is out of range or missing; thrown when the stage is created. */
export class DataOptionsError extends RangeError {
  override readonly name = "DataOptionsError";
  constructor(readonly option: string, expected: string, got: unknown) {
    super(`data option '${option}': expected ${expected}, got ${describe(got)}`);
  }
}

/** A file the data pipeline left out, and why. */
export interface RejectedFile {
  readonly file: string;
  readonly reason: string;
}

/** Files listed in a NoReadableImagesError's message; the rest are counted. */
const LISTED = 50;

/**
 * No image in the folder can be used (none listed, or every one unreadable, too small or unpaired).
 * The message lists each file left out with the reason (the first 50; `rejected` holds them all).
 */
export class NoReadableImagesError extends Error {
  override readonly name = "NoReadableImagesError";
  constructor(readonly dir: string, readonly skipped: number, readonly rejected: readonly RejectedFile[] = []) {
    const list = rejected.slice(0, LISTED).map((r) => `\n  ${r.file}: ${r.reason}`).join("")
      + (rejected.length > LISTED ? `\n  ... and ${rejected.length - LISTED} more` : "");
    super(skipped === 0
      ? `${dir}: no image files found (looked for ${IMAGE_EXTENSIONS.join(" ")}, recursively)${rejected.length ? `; the files there were rejected:${list}` : ""}`
      : `${dir}: no usable image (${skipped} image files, all rejected)${list ? `; each file and why:${list}` : "; see the skip reports"}`);
  }
}

/** The value when it is an integer >= 1, else a DataOptionsError naming the option. */
export const positiveInteger = (option: string, value: unknown): number => {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) throw new DataOptionsError(option, "an integer >= 1", value);
  return value;
};

/** The value when it is a safe integer (negative allowed), else a DataOptionsError. */
export const safeInteger = (option: string, value: unknown): number => {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw new DataOptionsError(option, "a safe integer", value);
  return value;
};

/** The value when it is an integer >= 0, else a DataOptionsError. */
export const nonNegativeInteger = (option: string, value: unknown): number => {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw new DataOptionsError(option, "an integer >= 0", value);
  return value;
};

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  return String(value);
}
