/**
 * The file pipeline shared by `pcl-stream upscale` and `pcl-stream watch`: pending files in, one
 * event per file out. A pipe of the stages in this folder:
 * classify -> refuse output collisions -> skip up to date -> skip known failures -> [watch: await complete]
 * -> upscale (bounded, isolated) -> [watch: retry later] -> record failures -> then.
 */
import { filter, pipe, type OperatorFunction } from "rxjs";
import { awaitComplete, type AwaitCompleteOptions } from "./await-complete.js";
import { afterSuccess, type AfterSuccessHook, type ThenAction } from "./after-success.js";
import { classifyFiles } from "./classify-files.js";
import type { KnownFailures } from "./failed-log.js";
import type { OutputNaming } from "./output-path.js";
import { refuseCollisionsInBatch, refuseSiblingCollisions } from "./output-collisions.js";
import { recordFailures } from "./record-failures.js";
import { retryLater, type RetryLaterOptions } from "./retry-later.js";
import { skipKnownFailures } from "./skip-known-failures.js";
import { skipUpToDate } from "./skip-up-to-date.js";
import { isEvent, type FileEvent, type Step } from "./steps.js";
import { upscaleEach, type ImageJob } from "./upscale-each.js";

export interface UpscaleFilesOptions {
  readonly naming: OutputNaming;
  /** Redo files whose output is up to date. */
  readonly overwrite: boolean;
  /** Images upscaled at once. */
  readonly concurrency: number;
  /** What to do with an input after success (default keep). */
  readonly then?: ThenAction | AfterSuccessHook;
  /** Where `then: move` puts inputs, and the folder whose subfolders it mirrors. */
  readonly moveDir?: string;
  readonly moveRoot?: string;
  /** Record failures in this log and skip the versions it knows failed (watch); absent: failures are only reported. */
  readonly failures?: { readonly logFile: string; readonly known: KnownFailures; readonly logged?: Set<string> };
  /**
   * How inputs that would write one output are found: "batch" (the default; the inputs are a finite
   * list, all classified before any is upscaled) or "siblings" (watch: each image against the files
   * beside it with the same stem).
   */
  readonly collisions?: "batch" | "siblings";
  /** Watch: take an image only once it decodes completely (see `awaitComplete`). */
  readonly awaitComplete?: AwaitCompleteOptions;
  /** Watch: try failures of the output folder again later (see `retryLater`). */
  readonly retry?: RetryLaterOptions;
  /** True once the pipeline is stopping: queued files are skipped instead of started. */
  readonly isStopping?: () => boolean;
}

export function upscaleFiles(job: ImageJob, o: UpscaleFilesOptions): OperatorFunction<Step, FileEvent> {
  const identity: OperatorFunction<Step, Step> = (source) => source;
  const before: OperatorFunction<Step, Step> = pipe(
    classifyFiles(o.naming),
    o.collisions === "siblings" ? refuseSiblingCollisions(o.naming) : refuseCollisionsInBatch(),
    skipUpToDate(o.overwrite),
    o.failures ? skipKnownFailures(o.failures.known) : identity,
    o.awaitComplete ? awaitComplete(o.awaitComplete) : identity,
  );
  return pipe(
    before,
    upscaleEach(job, { concurrency: o.concurrency, isStopping: o.isStopping }),
    o.retry ? retryLater(o.retry) : identity,
    o.failures ? recordFailures(o.failures.logFile, o.failures.known, o.failures.logged) : identity,
    afterSuccess({ then: o.then ?? "keep", moveDir: o.moveDir, root: o.moveRoot }),
    filter(isEvent),
  );
}
