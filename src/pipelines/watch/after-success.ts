/**
 * Stage: what happens to an input once its output is written: `keep` (default), `move` into a
 * folder (subfolders mirrored), or `delete`. Never before the output is safely on disk.
 */
import { mkdir, rename, rm, copyFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { concatMap, from, of, type OperatorFunction } from "rxjs";
import type { Step } from "./steps.js";

export type ThenAction = "keep" | "move" | "delete";
export const THEN_ACTIONS: readonly ThenAction[] = ["keep", "move", "delete"];

export interface AfterSuccessOptions {
  readonly then: ThenAction;
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
  if (options.then === "keep") return (source) => source;
  return concatMap((step: Step) => {
    if (step.type !== "done") return of(step);
    const act = options.then === "delete" ? rm(step.file) : moveFile(step.file, join(options.moveDir!, relative(options.root ?? dirname(step.file), step.file)));
    return from(
      act.then(
        (): Step[] => [step],
        (err: Error): Step[] => [step, { type: "warning", message: `${step.file}: upscaled, but cannot ${options.then} the input (${err.message})` }],
      ),
    ).pipe(concatMap((steps) => from(steps)));
  });
}
