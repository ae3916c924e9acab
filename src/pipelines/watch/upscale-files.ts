/**
 * The file pipeline shared by `pcl-stream upscale` and `pcl-stream watch`: pending files in, one
 * event per file out. A pipe of the stages in this folder:
 * classify -> skip up to date -> skip known failures -> upscale (bounded, isolated) -> record failures -> then.
 */
import { filter, pipe, type OperatorFunction } from "rxjs";
import { afterSuccess, type AfterSuccessHook, type ThenAction } from "./after-success.js";
import { classifyFiles } from "./classify-files.js";
import type { KnownFailures } from "./failed-log.js";
import type { OutputNaming } from "./output-path.js";
import { recordFailures } from "./record-failures.js";
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
  readonly failures?: { readonly logFile: string; readonly known: KnownFailures };
  /** True once the pipeline is stopping: queued files are skipped instead of started. */
  readonly isStopping?: () => boolean;
}

export function upscaleFiles(job: ImageJob, o: UpscaleFilesOptions): OperatorFunction<Step, FileEvent> {
  const identity: OperatorFunction<Step, Step> = (source) => source;
  return pipe(
    classifyFiles(o.naming),
    skipUpToDate(o.overwrite),
    o.failures ? skipKnownFailures(o.failures.known) : identity,
    upscaleEach(job, { concurrency: o.concurrency, isStopping: o.isStopping }),
    o.failures ? recordFailures(o.failures.logFile, o.failures.known) : identity,
    afterSuccess({ then: o.then ?? "keep", moveDir: o.moveDir, root: o.moveRoot }),
    filter(isEvent),
  );
}
