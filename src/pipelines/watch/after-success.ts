/**
 * Stage: what happens to an input once its output is written: `keep` (default), `move` into a
 * folder (subfolders mirrored), `delete`, or a function of the caller's. Never before the output
 * is safely on disk; a failure becomes a `warning` event after the `done` one, and the stream goes on.
 */
import { mkdir, rename, rm, copyFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { concatMap, from, of, type OperatorFunction } from "rxjs";
import type { DoneEvent, Step } from "./steps.js";

/** What to do with an input once its output is written. */
export type ThenAction = "keep" | "move" | "delete";
/** The built-in after-success actions. */
export const THEN_ACTIONS: readonly ThenAction[] = ["keep", "move", "delete"];

/**
 * An action of your own after each success, called with the `done` event once the output is
 * written (one file at a time, in the order they finish). What it throws or rejects with becomes a
 * `warning` event; the `done` event is emitted after it settles.
 */
export type AfterSuccessHook = (event: DoneEvent) => void | Promise<void>;

export interface AfterSuccessOptions {
  readonly then: ThenAction | AfterSuccessHook;
  /** Where `move` puts inputs (required for `move`). */
  readonly moveDir?: string;
  /** The folder whose subfolders `move` mirrors (usually IN); without it, moved files land flat in moveDir. */
  readonly root?: string;
}

async function moveFile(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EXDEV") throw err;
    await copyFile(from, to);
    await rm(from);
  }
}

export function afterSuccess(options: AfterSuccessOptions): OperatorFunction<Step, Step> {
  if (options.then === "move" && !options.moveDir) throw new Error("afterSuccess: `then: move` needs a moveDir");
  const then = options.then;
  if (then === "keep") return (source) => source;
  return concatMap((step: Step) => {
    if (step.type !== "done") return of(step);
    const act = typeof then === "function" ? Promise.resolve().then(() => then(step))
      : then === "delete" ? rm(step.file) : moveFile(step.file, join(options.moveDir!, relative(options.root ?? dirname(step.file), step.file)));
    const failed = typeof then === "function" ? "the after-success action failed" : `cannot ${then} the input`;
    return from(
      act.then(
        (): Step[] => [step],
        (err: unknown): Step[] => [step, { type: "warning", message: `${step.file}: upscaled, but ${failed} (${err instanceof Error ? err.message : String(err)})` }],
      ),
    ).pipe(concatMap((steps) => from(steps)));
  });
}
