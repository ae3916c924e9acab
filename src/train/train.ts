/**
 * Training from code: a spec in, a cold Observable of training events out, written into a run
 * folder as `pcl-stream train` writes it (checkpoints `latest/` and `best/`, `metrics.jsonl`, the
 * TensorBoard event files in `tb/`, the validation crops in `val/`), so
 * `pcl-stream compare`, `pcl-stream eval --model OUT/best` and `resume` read a run made here.
 */
import { join, resolve } from "node:path";
import { defer, from, mergeMap, NEVER, type Observable, type ObservableInput } from "rxjs";
import type { MemoryBudget } from "../backend/memory-budget.js";
import { BACKEND_NAMES, useBackend, type BackendName } from "../backend/select.js";
import type { PclSpec } from "../dsl/index.js";
import { checkOptions, isBoolean, isObservableInput, isOneOf, isPositiveInt, isString, OptionError } from "../option-check.js";
import { bundledData } from "../package-root.js";
import { train as trainPipeline, type CheckpointCadence, type TrainEvent } from "../pipelines/train/train.js";
import { prepareRunFolder } from "./run-folder.js";
import { METRICS_FILE, writeMetrics } from "./write-metrics.js";
import { RUN_INFO_FILE, writeRunInfo } from "./write-run-info.js";
import { TENSORBOARD_DIR, writeTensorBoard } from "./write-tensorboard.js";

/** Where `train` reads and writes, and how it runs. Every field is optional. */
export interface TrainRunOptions {
  /** Folder of HR training images, searched recursively (default: the bundled T91, `bundledData().train`). */
  readonly data?: string;
  /** Folder of HR validation images, or null for no validation (default: the bundled Set5, `bundledData().set5`). */
  readonly val?: string | null;
  /** The run folder: `latest/` and `best/` checkpoints and `metrics.jsonl` (default `runs/<spec name>` in the working directory). */
  readonly out?: string;
  /**
   * Continue the run in `out` from its latest checkpoint (default false). Batches and random draws
   * depend only on (seed, iteration), so the run goes on exactly as if it had not stopped. Without
   * it, a folder that already holds a run is refused (a TrainSetupError).
   */
  readonly resume?: boolean;
  /**
   * A checkpoint folder whose generator weights the new run starts from (for example one written by
   * `importWeights` from reference PyTorch weights, or another run's `best`): its EMA weights when it
   * has them. The embedding network, the optimizers and the iteration start fresh. Not with `resume`.
   */
  readonly init?: string;
  /** Its first value stops the run once the step in progress is done: a checkpoint, a `done` event with `stopped: true`, then completion. */
  readonly stop?: ObservableInput<unknown>;
  /** Append step and validation events to `out/metrics.jsonl`, and the run's graph, recipe, command and backend to `out/run.json` (default true). Checkpoints are always written. */
  readonly metrics?: boolean;
  /** Write a TensorBoard event file into `out/tb/` (default true): losses, learning rates, speed, validation scores and crops, the graph as text. */
  readonly tensorboard?: boolean;
  /** The backend to select when none is in use yet (`useBackend`'s argument); default: the automatic choice, or the one in use. */
  readonly backend?: BackendName;
  /** What the backend can hold, for the memory plan (default: measured from the active backend). */
  readonly memory?: MemoryBudget;
  /** Batches prepared ahead of the step (default 2). */
  readonly prefetch?: number;
  /**
   * How often `out/latest` is written besides at validations: `{ iterations: N }` or `{ seconds: S }`
   * (default `{ seconds: 600 }`, so a crash loses at most 10 minutes of work).
   */
  readonly checkpointEvery?: CheckpointCadence;
}

const isCadence = (v: unknown): boolean => {
  const c = v as { iterations?: unknown; seconds?: unknown } | null;
  if (typeof c !== "object" || c === null || Object.keys(c).length !== 1) return false;
  return "iterations" in c ? isPositiveInt(c.iterations) : typeof c.seconds === "number" && c.seconds > 0 && Number.isFinite(c.seconds);
};

const isSpec = (v: unknown): v is PclSpec => typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "pcl";
const isStringOrNull = (v: unknown): boolean => v === null || isString(v);

/**
 * Trains `spec` with PCL and reports what happens as events. Cold: nothing starts until it is
 * subscribed. On subscription it checks the folders, selects a backend if none is in use
 * (`useBackend`), plans memory (`progress` events), then runs: a `start` event, `step` events (losses,
 * speed, ETA) every `spec.train.logEvery` iterations, `validation` and `checkpoint` events every
 * `validateEvery`, and a final `done`.
 *
 * ```ts
 * import { train } from "pcl-stream/train";
 * train(spec, { out: "runs/mine" }).subscribe((e) => { if (e.type === "validation") console.log(e.psnr); });
 * ```
 *
 * Stopping: `stop` (see TrainRunOptions) ends at the current step with a checkpoint. Unsubscribing
 * (`takeUntil`, `take`) abandons the run at once: steps since the last checkpoint are lost, and
 * `resume` redoes them, identically. Errors: bad options throw an OptionError at the call; a spec
 * that is not a PclSpec throws a TypeError; folder problems (TrainSetupError), a resume that does not
 * match (ResumeError), a run that cannot fit in memory (MemoryPlanError), a data folder with no usable
 * image (NoReadableImagesError, listing why each file was rejected) and a NaN or infinite loss or
 * gradient (NonFiniteError: the iteration and the terms; OUT/latest keeps the last good checkpoint)
 * arrive as the stream's error.
 */
export function train(spec: PclSpec, options: TrainRunOptions = {}): Observable<TrainEvent> {
  if (!isSpec(spec)) throw new TypeError(`train: spec must be a PCL spec (built with pcl({...}) from "pcl-stream"), got ${spec === null ? "null" : typeof spec}`);
  checkOptions("train", options, [
    ["data", isString, "a folder path"],
    ["val", isStringOrNull, "a folder path or null"],
    ["out", isString, "a folder path"],
    ["resume", isBoolean, "a boolean"],
    ["init", isString, "a checkpoint folder path"],
    ["stop", isObservableInput, "an Observable (or a Promise) whose first value stops the run"],
    ["metrics", isBoolean, "a boolean"],
    ["tensorboard", isBoolean, "a boolean"],
    ["backend", isOneOf(BACKEND_NAMES), `one of ${BACKEND_NAMES.join(", ")}`],
    ["memory", (v) => typeof v === "object" && v !== null, "a MemoryBudget object"],
    ["prefetch", isPositiveInt, "a positive integer"],
    ["checkpointEvery", isCadence, "{ iterations: a positive integer } or { seconds: a positive number }"],
  ]);
  if (options.memory !== undefined && !("availableBytes" in options.memory)) throw new OptionError("train", "memory", "a MemoryBudget ({ availableBytes, maxTensorBytes, source })", options.memory);
  const data = resolve(options.data ?? bundledData().train);
  const val = options.val === null ? null : resolve(options.val ?? bundledData().set5);
  const out = resolve(options.out ?? join("runs", spec.name));
  const resume = options.resume ?? false;
  if (resume && options.init !== undefined) throw new OptionError("train", "init", "absent when resuming (init starts a new run from a checkpoint's generator; resume continues a run)", options.init);
  const init = options.init === undefined ? undefined : resolve(options.init);
  return defer(async () => {
    await prepareRunFolder({ data, val, out, resume });
    return (await useBackend(options.backend)).name;
  }).pipe(
    mergeMap((backend) => {
      const events = trainPipeline({
        spec, data, val, out, resume, backend, ...(init === undefined ? {} : { init }),
        stop: options.stop === undefined ? NEVER : from(options.stop),
        ...(options.prefetch === undefined ? {} : { prefetch: options.prefetch }),
        ...(options.memory === undefined ? {} : { memory: options.memory }),
        ...(options.checkpointEvery === undefined ? {} : { checkpointEvery: options.checkpointEvery }),
      });
      const logged = options.tensorboard === false ? events : events.pipe(writeTensorBoard(join(out, TENSORBOARD_DIR), spec, { runDir: out, backend }));
      return options.metrics === false ? logged : logged.pipe(writeRunInfo(join(out, RUN_INFO_FILE), spec, backend), writeMetrics(join(out, METRICS_FILE)));
    }),
  );
}
