/**
 * Stage: appends every `failed` event to OUT/failed.jsonl and to the in-memory map of known
 * failures (not a failure that will be retried: the watch tries that version again), then passes it
 * on. A `done` event for a file with an earlier failure removes the file's lines from the log and
 * says so (`clearedFailure`). A failure to write the log becomes a warning, never a crash.
 */
import { readFile } from "node:fs/promises";
import { concatMap, from, of, type OperatorFunction } from "rxjs";
import { appendFailure, removeFailures, type KnownFailures } from "./failed-log.js";
import type { Step } from "./steps.js";

/** `logged`: the files with a line in the log at start (default: those in `known`); kept up to date. */
export function recordFailures(logFile: string, known: KnownFailures, logged: Set<string> = new Set(known.keys())): OperatorFunction<Step, Step> {
  return concatMap((step: Step) => {
    if (step.type === "done") {
      if (!logged.has(step.file)) return of(step);
      return from(
        (async (): Promise<Step[]> => {
          const earlier = await lastErrorOf(logFile, step.file);
          try {
            await removeFailures(logFile, step.file);
            logged.delete(step.file);
            known.delete(step.file);
            return [earlier === undefined ? step : { ...step, clearedFailure: earlier }];
          } catch (err) {
            return [step, { type: "warning", message: `cannot clear ${step.file} from ${logFile}: ${(err as Error).message}` }];
          }
        })(),
      ).pipe(concatMap((steps) => from(steps)));
    }
    if (step.type !== "failed") return of(step);
    if (step.size !== undefined && step.mtimeMs !== undefined && step.retryInMs === undefined) known.set(step.file, { size: step.size, mtimeMs: step.mtimeMs });
    const record = { file: step.file, error: step.error, time: new Date().toISOString(), size: step.size, mtimeMs: step.mtimeMs, code: step.code, retryInMs: step.retryInMs };
    logged.add(step.file);
    return from(
      appendFailure(logFile, record).then(
        (): Step[] => [step],
        (err: Error): Step[] => [step, { type: "warning", message: `cannot append to ${logFile}: ${err.message}` }],
      ),
    ).pipe(concatMap((steps) => from(steps)));
  });
}

/** The error of the file's last line in the log, if any. */
async function lastErrorOf(logFile: string, file: string): Promise<string | undefined> {
  const text = await readFile(logFile, "utf8").catch(() => "");
  let error: string | undefined;
  for (const line of text.split("\n")) {
    try {
      const r = JSON.parse(line) as { file?: unknown; error?: unknown };
      if (r.file === file && typeof r.error === "string") error = r.error;
    } catch {
      // torn or empty line
    }
  }
  return error;
}
