/**
 * An append-only TensorBoard event file: `events.out.tfevents.<seconds>.<host>.<pid>.<n>` in a
 * folder, opened with its file-version record, each summary written (and visible to a reader such
 * as TensorBoard) as soon as it is added. A new writer always makes a new file, so a resumed run's
 * segment sits beside the earlier ones and TensorBoard merges them by step.
 */
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileVersionEvent, summaryEvent, type SummaryValue } from "./event-proto.js";
import { frameRecord } from "./tfrecord.js";

/** Writers made by this process so far: the last part of the file name, so two writers never share a file. */
let made = 0;

/** Writes summaries to one event file; see `createEventFileWriter`. */
export interface EventFileWriter {
  /** The event file's path. */
  readonly file: string;
  /** Appends one event at `step` holding `values` (wall time: now, unless given in seconds). */
  add(step: number, values: readonly SummaryValue[], wallTime?: number): void;
  /** Closes the file; later `add`s throw. */
  close(): void;
}

/**
 * Creates `dir` if needed and a new event file in it.
 *
 * ```ts
 * const w = createEventFileWriter("runs/mine/tb");
 * w.add(100, [{ tag: "loss/l1", scalar: 0.031 }]);
 * w.close();
 * ```
 */
export function createEventFileWriter(dir: string): EventFileWriter {
  mkdirSync(dir, { recursive: true });
  const now = Date.now() / 1000;
  made += 1;
  const file = join(dir, `events.out.tfevents.${Math.floor(now)}.${hostname()}.${process.pid}.${made}`);
  // "wx": a new file, never an old one reopened.
  let fd: number | null = openSync(file, "wx");
  const append = (event: Uint8Array) => {
    if (fd === null) throw new Error(`${file}: the event file is closed`);
    writeSync(fd, frameRecord(event));
  };
  append(fileVersionEvent(now));
  return {
    file,
    add(step, values, wallTime = Date.now() / 1000) {
      if (!(Number.isInteger(step) && step >= 0)) throw new RangeError(`${file}: step must be a non-negative integer, got ${step}`);
      append(summaryEvent(wallTime, step, values));
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}
