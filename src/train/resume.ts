/**
 * Continuing a run from its folder alone: the spec is read from the latest checkpoint (where `train`
 * saved it), so the graph object or file is not needed.
 */
import { existsSync } from "node:fs";
import { join, resolve as resolvePath } from "node:path";
import { defer, mergeMap, type Observable } from "rxjs";
import { readCheckpointManifest } from "../checkpoint/load.js";
import { previousDir } from "../checkpoint/save.js";
import type { PclSpec } from "../dsl/index.js";
import { checkOptions, isString } from "../option-check.js";
import { ResumeError, type TrainEvent } from "../pipelines/train/train.js";
import { train, type TrainRunOptions } from "./train.js";

/** `resume`'s options: `train`'s, without `out`, `resume` and `init`, and optionally the spec. */
export interface ResumeOptions extends Omit<TrainRunOptions, "out" | "resume" | "init"> {
  /**
   * The spec to continue with (default: the one saved in `out/latest`). It must describe the same
   * networks and losses; its training options may differ (for example more iterations).
   */
  readonly spec?: PclSpec;
}

/**
 * Continues the run in `out` from its latest checkpoint, exactly where it stopped: the same events
 * as `train(spec, { out, resume: true })`, with the spec read from the checkpoint. Pass the same
 * `data` and `val` as the run had (they are not stored in the run folder; the defaults are the bundled sets).
 *
 * ```ts
 * import { resume } from "pcl-stream/train";
 * await lastValueFrom(resume("runs/mine"));
 * ```
 *
 * @throws OptionError for bad options; the stream errors with a ResumeError when `out` holds no checkpoint.
 */
export function resume(out: string, options: ResumeOptions = {}): Observable<TrainEvent> {
  if (!isString(out)) throw new TypeError(`resume: out must be a run folder path, got ${String(out)}`);
  checkOptions("resume", options, [["spec", (v) => typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "pcl", "a PCL spec (built with pcl({...}))"]]);
  const { spec, ...rest } = options;
  const dir = resolvePath(out);
  return defer(async () => {
    const latest = join(dir, "latest");
    if (!existsSync(latest) && !existsSync(previousDir(latest))) throw new ResumeError(`resume: ${dir} holds no run to resume (no checkpoint in ${latest})`);
    return spec ?? (await readCheckpointManifest(latest)).spec;
  }).pipe(mergeMap((saved) => train(saved, { ...rest, out: dir, resume: true })));
}
