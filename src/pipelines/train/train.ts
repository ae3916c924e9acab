/**
 * The training run as a stream of events: batches from the data pipeline, one PCL step per batch,
 * validation and checkpoints at their cadence, a final checkpoint when the run ends or is stopped.
 *
 * Stopping: when `stop` emits, the step in progress finishes, a checkpoint is written, and the
 * stream completes (the CLI maps SIGINT/SIGTERM to `stop`).
 * Checkpoints: OUT/latest at every validation, and between them at `checkpointEvery` (default every
 * 10 minutes), written atomically with checksums (checkpoint/save.ts).
 * NaN and infinity: every step's losses and gradient norms go into a device-side latch
 * (finite-guard.ts), read on logged steps and before each checkpoint; a non-finite step stops the
 * run with a NonFiniteError naming the iteration and the terms, and no checkpoint of its weights.
 * Resuming: with `resume`, OUT/latest is loaded; batches and contrast draws depend only on
 * (seed, iteration), so the run continues exactly as if it had never stopped.
 * Memory: before anything is allocated for the run, the memory plan (memory-plan.ts) measures one
 * iteration on throwaway copies of the networks, picks the recomputation ("auto") or checks the
 * one asked for, and stops the run with a MemoryPlanError when it cannot fit.
 * Progress: "progress" events say what happens before the first step completes (the plan, the
 * first batch, the first step with its expected duration); steps carry an ETA.
 * Unsubscribing (takeUntil, take) abandons the run: no new step starts; a step or checkpoint
 * already under way finishes in the background, then the networks are freed. A later run in the
 * same folder waits for that first, so it reads a whole checkpoint and never races a write.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { concat, concatMap, concatWith, defer, EMPTY, from, map, mergeMap, Observable, of, Subject, takeWhile, tap, type ObservableInput } from "rxjs";
import { readCheckpoint, assignVariables } from "../../checkpoint/load.js";
import { saveCheckpoint } from "../../checkpoint/save.js";
import { specToJson } from "../../checkpoint/spec-json.js";
import { compileGenerator } from "../../compile/network.js";
import type { PclSpec } from "../../dsl/index.js";
import type { RgbImage } from "../../io/image.js";
import { generatorUpscaler } from "../../model/generator-upscaler.js";
import { limitCachedMemory, memoryBudget, type MemoryBudget } from "../../backend/memory-budget.js";
import { decodedBytes, DEFAULT_CACHE_BYTES, loadValidationPairs, trainBatches, type ValidationPair } from "../data/index.js";
import { contrastiveStepCost, createEta } from "./eta.js";
import { matlabLr } from "./make-lr.js";
import { disposeStep, readStep, trainStep, type StepLosses } from "./train-step.js";
import { OVERHEAD, planMemory, probeBatches, type MemoryEstimate, type MemoryPlan } from "./memory-plan.js";
import { initGenerator } from "./init-weights.js";
import { checkpointContent, createTrainingState, restoreTrainingState, type TrainingState } from "./training-state.js";
import { createFiniteGuard } from "./finite-guard.js";
import { NonFiniteError, type GoodCheckpoint } from "./non-finite-error.js";
import { validate } from "./validate.js";
import { createCropWriter, CROP_COUNT, type ValidationCrop } from "./validation-crops.js";

export interface TrainPipelineOptions {
  readonly spec: PclSpec;
  /** Folder of HR training images (recursive). */
  readonly data: string;
  /** Folder of HR validation images, or null for none. */
  readonly val: string | null;
  readonly out: string;
  readonly resume: boolean;
  /** A checkpoint whose generator weights a new run starts from (`train --init`); not with `resume`. */
  readonly init?: string;
  /** Name of the active backend, recorded in checkpoints. */
  readonly backend: string;
  /** Emits once to stop after the current step (with a checkpoint). */
  readonly stop: Observable<unknown>;
  readonly prefetch?: number;
  /** What the backend can hold (default: the active backend's `memoryBudget()`). */
  readonly memory?: MemoryBudget;
  /** OUT/latest between validations: every N iterations, or every so many seconds (default: every 600 s). */
  readonly checkpointEvery?: CheckpointCadence;
}

/** How often `train` writes OUT/latest besides at validations. */
export type CheckpointCadence = { readonly iterations: number } | { readonly seconds: number };

/** Every 10 minutes: a crash loses at most that much work. */
export const DEFAULT_CHECKPOINT_CADENCE: CheckpointCadence = { seconds: 600 };

/** The memory plan as the start event reports it (bytes). */
export interface PlannedMemory {
  readonly recompute: MemoryEstimate["recompute"];
  /** Predicted peak of the process. */
  readonly estimateBytes: number;
  /** One iteration's tensors at their peak, and the weights with Adam's moments and the EMA, as the process holds them (with the allocator's slack): the parts of the estimate. */
  readonly activationBytes: number;
  readonly stateBytes: number;
  readonly dataBytes: number;
  readonly runtimeBytes: number;
  /** What the process could still grow by, when the backend reports it. */
  readonly availableBytes: number | null;
  /** Every recomputation probed, with its predicted peak. */
  readonly considered: readonly { readonly recompute: MemoryEstimate["recompute"]; readonly estimateBytes: number }[];
}

/** What a training run reports, in order: `progress` (before the first step: the memory plan, the first batch), `start`, then `step` (every `logEvery` iterations: losses, speed, ETA), `validation` and `checkpoint` (every `validateEvery`), `skip` (an unreadable image), and one final `done`. */
export type TrainEvent =
  | { readonly type: "progress"; readonly stage: "plan" | "data" | "first-step"; readonly message: string }
  | { readonly type: "start"; readonly iteration: number; readonly iterations: number; readonly resumed: boolean; readonly spec: string; readonly seed: number; readonly validationImages: number; readonly memory: PlannedMemory }
  | ({ readonly type: "step"; readonly itPerSec: number; readonly elapsedMs: number; readonly etaSeconds: number | null } & StepLosses)
  | { readonly type: "validation"; readonly iteration: number; readonly psnr: number; readonly ssim: number; readonly niqe?: number; readonly images: number; readonly best: boolean; readonly crops?: readonly ValidationCrop[] }
  | { readonly type: "checkpoint"; readonly iteration: number; readonly dir: string }
  | { readonly type: "skip"; readonly file: string; readonly reason: string }
  | { readonly type: "done"; readonly iteration: number; readonly stopped: boolean; readonly best: { readonly iteration: number; readonly psnr: number; readonly ssim: number } | null };

/** A run that cannot be resumed: no checkpoint in the folder, or a spec whose networks or losses differ from the checkpoint's. */
export class ResumeError extends Error {
  override readonly name = "ResumeError";
}

/** Runs abandoned by an unsubscribe whose step or checkpoint is still finishing, by run folder. */
const finishing = new Map<string, Promise<void>>();

function holdFolder(out: string, settled: Promise<void>): void {
  const key = resolve(out);
  const held = settled.finally(() => { if (finishing.get(key) === held) finishing.delete(key); });
  finishing.set(key, held);
}

/**
 * `prepare()` as a one-value Observable whose value is disposed when nobody takes it (the
 * subscriber left while it was being prepared), so an early unsubscribe leaks no networks.
 */
function disposeIfDropped<T extends { readonly state: TrainingState }>(prepare: () => Promise<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    let dropped = false;
    prepare().then(
      (value) => { if (dropped) value.state.dispose(); else { subscriber.next(value); subscriber.complete(); } },
      (err: unknown) => subscriber.error(err),
    );
    return () => { dropped = true; };
  });
}

export function train(o: TrainPipelineOptions): Observable<TrainEvent> {
  const t = o.spec.train;
  const modes = t.recompute === "auto" ? "without recomputation first" : `with --recompute ${t.recompute}`;
  const planning: TrainEvent = { type: "progress", stage: "plan", message: `estimating memory: one iteration at batch ${probeBatches(t.batch).join(" and ")}, ${modes}` };
  return concat(of(planning), disposeIfDropped(async () => {
    await finishing.get(resolve(o.out));
    const skips: TrainEvent[] = [];
    const runtime = process.memoryUsage().rss;
    const data = Math.min(DEFAULT_CACHE_BYTES, await decodedBytes(o.data, o.spec.scale));
    const budget = o.memory ?? memoryBudget();
    const plan = planMemory(o.spec, budget, { data, runtime });
    // The probes' freed buffers are dropped; the run's pool gets half of what the plan leaves free.
    const headroom = budget.availableBytes === null ? DEFAULT_CACHE_BYTES : (budget.availableBytes - (plan.chosen.total - runtime)) / 2;
    limitCachedMemory(Math.min(DEFAULT_CACHE_BYTES, Math.max(0, headroom)));
    const state = createTrainingState(o.spec, o.spec.train.seed, { recompute: plan.chosen.recompute });
    let resumed = false;
    let loaded: GoodCheckpoint | null = null;
    if (o.resume) {
      const latest = join(o.out, "latest");
      if (!existsSync(latest) && !existsSync(join(o.out, ".latest.previous"))) throw new ResumeError(`--resume: ${latest} has no checkpoint to resume from`);
      const ck = await readCheckpoint(latest);
      if (JSON.stringify(specToJson({ ...ck.spec, train: o.spec.train })) !== JSON.stringify(specToJson(o.spec))) {
        state.dispose();
        throw new ResumeError(`--resume: the graph '${o.spec.name}' differs from the one in ${latest} ('${ck.spec.name}'); resume with the same graph file`);
      }
      restoreTrainingState(state, ck);
      resumed = true;
      loaded = { dir: latest, iteration: ck.manifest.iteration };
    } else if (o.init) {
      await initGenerator(state, o.init).catch((err: unknown) => { state.dispose(); throw err; });
    }
    const pairs = o.val ? await loadValidationPairs(o.val, o.spec.scale, matlabLr, { onSkip: (file, reason) => skips.push({ type: "skip", file, reason }) }) : [];
    return { state, resumed, pairs, skips, plan, loaded };
  }).pipe(mergeMap(({ state, resumed, pairs, skips, plan, loaded }) => run(o, state, resumed, pairs, skips, plan, loaded))));
}

function plannedMemory(plan: MemoryPlan): PlannedMemory {
  const e = plan.chosen;
  return {
    recompute: e.recompute, estimateBytes: e.total, activationBytes: OVERHEAD * e.iteration, stateBytes: OVERHEAD * e.state, dataBytes: e.data, runtimeBytes: e.runtime,
    availableBytes: plan.budget.availableBytes === null ? null : e.runtime + plan.budget.availableBytes,
    considered: plan.considered.map((c) => ({ recompute: c.recompute, estimateBytes: c.total })),
  };
}

/** What the first step will take, from the plan's probes. */
function firstStep(e: MemoryEstimate): TrainEvent {
  const seconds = e.iterationMs / 1000;
  const about = seconds >= 1 ? `about ${seconds >= 10 ? Math.round(seconds) : seconds.toFixed(1)} s` : "under a second";
  return { type: "progress", stage: "first-step", message: `first iteration (batch ${e.batch}${e.recompute === "none" ? "" : `, recompute ${e.recompute}`}): ${about} from the probes, plus one-time compilation and allocation` };
}

function run(o: TrainPipelineOptions, state: TrainingState, resumed: boolean, pairs: readonly ValidationPair[], skips: TrainEvent[], plan: MemoryPlan, loaded: GoodCheckpoint | null): Observable<TrainEvent> {
  const { spec } = o;
  const t = spec.train;
  const iterations = t.iterations;
  const demand = new Subject<void>();
  let stopRequested = false;
  const evalG = pairs.length ? compileGenerator(spec.generator, state.seed, "validation") : undefined;
  const evalUpscaler = evalG ? generatorUpscaler(evalG, spec.generator, spec.scale, spec.name, false) : undefined;
  const cropWriter = createCropWriter(o.out, spec.scale);
  const started = Date.now();
  const startIteration = state.iteration;
  const eta = createEta({ iterations, validateEvery: t.validateEvery, warmup: t.warmup, contrastiveCost: contrastiveStepCost(spec) });
  /** End of the last step or validation: a step's time runs from there (its data wait included). */
  let mark = performance.now();
  /** The step or checkpoint under way, if any: an unsubscribe frees the networks only after it. */
  let running: Promise<unknown> | undefined;
  /** Set when the subscriber left: no further step starts. */
  let abandoned = false;
  const tracked = <T>(body: () => Promise<T>): Observable<T> => defer(() => {
    const p = body();
    const clear = () => { if (running === p) running = undefined; };
    running = p;
    p.then(clear, clear);
    return p;
  });

  const validation = async (): Promise<TrainEvent[]> => {
    if (!evalG || !evalUpscaler) return [];
    // Validate the weights that inference will use: the EMA when there is one.
    const source = state.ema ? state.ema.weights : state.generator.variables;
    for (const [path, v] of evalG.variables) tf.tidy(() => v.assign(source.get(path.replace(/^validation/, "generator"))! as tf.Tensor));
    const srs: RgbImage[] = [];
    const score = await validate(evalUpscaler, pairs, spec.scale, t.validateMetrics, (k, sr) => { if (k < CROP_COUNT) srs[k] = sr; });
    const best = !state.best || score.psnr > state.best.psnr;
    if (best) state.best = { iteration: state.iteration, psnr: score.psnr, ssim: score.ssim };
    // The fixed crops (bicubic | SR | HR) as PNGs in OUT/val/<iteration>/, for the dashboard and TensorBoard.
    const crops = await cropWriter.write(state.iteration, pairs, srs);
    return [{ type: "validation", iteration: state.iteration, ...score, best, crops }];
  };
  const guard = createFiniteGuard();
  /** The last checkpoint of OUT/latest written from finite weights (or loaded to resume). */
  let good = loaded;
  let lastCheckpointAt = performance.now();
  const cadence = o.checkpointEvery ?? DEFAULT_CHECKPOINT_CADENCE;
  const cadenceDue = (done: number): boolean => ("iterations" in cadence
    ? done % cadence.iterations === 0
    : performance.now() - lastCheckpointAt >= cadence.seconds * 1000);
  /** Throws a NonFiniteError when a step since the last check was not finite. */
  const assertFinite = async (): Promise<void> => {
    const bad = await guard.check();
    if (bad) throw new NonFiniteError(bad, good);
  };
  const checkpoint = async (alsoBest: boolean): Promise<TrainEvent[]> => {
    await assertFinite();
    const content = checkpointContent(state, o.backend);
    const latest = join(o.out, "latest");
    await saveCheckpoint(latest, content);
    good = { dir: latest, iteration: state.iteration };
    lastCheckpointAt = performance.now();
    const events: TrainEvent[] = [{ type: "checkpoint", iteration: state.iteration, dir: latest }];
    if (alsoBest) {
      const best = join(o.out, "best");
      await saveCheckpoint(best, content);
      events.push({ type: "checkpoint", iteration: state.iteration, dir: best });
    }
    return events;
  };

  /** Steps whose losses are read (asynchronously) and reported; the others' are freed unread. */
  const logged = (done: number) => done % t.logEvery === 0 || done === iterations || done === startIteration + 1;

  /** The step's event (when its losses were read). */
  const stepEvents = (losses: StepLosses | null): TrainEvent[] => {
    const done = state.iteration;
    const elapsedMs = Date.now() - started;
    const now = performance.now();
    eta.step(now - mark, done);
    mark = now;
    return losses ? [{ type: "step", ...losses, elapsedMs, itPerSec: ((done - startIteration) * 1000) / Math.max(elapsedMs, 1), etaSeconds: eta.secondsLeft(done) }] : [];
  };

  /**
   * After a step: its validation when one is due, then the checkpoint when one is due (`alsoBest`:
   * OUT/best too). Each phase runs after the events before it have gone out (and into the metrics
   * file), so a checkpoint never gets ahead of the events of the steps and validation it holds: a run
   * killed right after a checkpoint has logged everything before it, and a resume redoes (and logs
   * again, see writeMetrics) only what came after.
   */
  let due: { readonly alsoBest: boolean; readonly validated: boolean } | null = null;
  const validationEvents = async (): Promise<TrainEvent[]> => {
    const done = state.iteration;
    due = null;
    if (done % t.validateEvery === 0 || done === iterations) {
      await assertFinite(); // before validating weights a bad step touched
      const v = await validation();
      const improved = v.some((e) => e.type === "validation" && e.best);
      due = { alsoBest: improved || (!evalG && done === iterations), validated: true };
      return v;
    }
    if (cadenceDue(done)) due = { alsoBest: false, validated: false };
    return [];
  };
  const checkpointEvents = async (): Promise<TrainEvent[]> => {
    if (!due) return [];
    const events = await checkpoint(due.alsoBest);
    if (due.validated) eta.validation(performance.now() - mark);
    mark = performance.now();
    return events;
  };

  const finish = tracked(async (): Promise<TrainEvent[]> => {
    const events: TrainEvent[] = [];
    // A stop between cadences still leaves a checkpoint of the last completed step.
    if (good?.iteration !== state.iteration && state.iteration > startIteration) events.push(...(await checkpoint(false)));
    events.push({ type: "done", iteration: state.iteration, stopped: stopRequested, best: state.best });
    return events;
  });

  const steps = state.iteration >= iterations ? EMPTY : trainBatches({
    hrDir: o.data, makeLr: matlabLr, scale: spec.scale, patch: t.patch, batchSize: t.batch, seed: t.seed,
    demand, prefetch: o.prefetch ?? 2, startBatch: state.iteration,
    onSkip: (file, reason) => skips.push({ type: "skip", file, reason }),
  }).pipe(
    takeWhile(() => !stopRequested && state.iteration < iterations),
    concatMap((batch) => {
      let stepped = false;
      return concat(
        // Said before the first step starts: on a slow machine it can take minutes.
        state.iteration === startIteration ? of<TrainEvent[]>([...skips.splice(0), firstStep(plan.chosen)]) : EMPTY,
        tracked(async () => {
          // Yield to the event loop once per step: with every image cached, the batch chain resolves
          // in microtasks alone, and signals (SIGINT/SIGTERM -> stop) and timers would never run.
          await new Promise((resolve) => setImmediate(resolve));
          if (stopRequested || abandoned) return [];
          const log = logged(state.iteration + 1);
          // Gradient norms every step: the finite check reads them (one reduction per network).
          const step = trainStep(state, batch, { gradNorm: true });
          guard.watch(step.iteration, [
            ...[...step.terms].map(([name, v]) => [`G's loss term '${name}'`, v] as const),
            ["G's total loss", step.generator], ["E's loss", step.discriminator],
            ["G's gradient (global norm)", step.gradNormGenerator], ["E's gradient (global norm)", step.gradNormEmbedding],
          ]);
          demand.next();
          let losses: StepLosses | null = null;
          if (log) {
            losses = await readStep(step);
            await assertFinite();
          } else disposeStep(step);
          stepped = true;
          return [...skips.splice(0), ...stepEvents(losses)];
        }),
        tracked(async () => (stepped ? validationEvents() : [])),
      ).pipe(
        map((events) => ({ events, after: false })),
        concatWith(tracked(async () => (stepped ? checkpointEvents() : [])).pipe(map((events) => ({ events, after: true })))),
      );
    }),
    // Ends after the cadence part of the last step (or of the step a stop came during).
    takeWhile((x) => !x.after || (!stopRequested && state.iteration < iterations), true),
    mergeMap((x): ObservableInput<TrainEvent> => from(x.events)),
  );

  const stopWatch = o.stop.subscribe(() => { stopRequested = true; });
  return concat(
    from<TrainEvent[]>([
      { type: "start", iteration: state.iteration, iterations, resumed, spec: spec.name, seed: state.seed, validationImages: pairs.length, memory: plannedMemory(plan) },
      { type: "progress", stage: "data", message: "reading the first batch (images are decoded on first use)" },
    ]),
    steps,
    finish.pipe(mergeMap((e) => from(e))),
  ).pipe(tap({
    finalize: () => {
      abandoned = true;
      stopWatch.unsubscribe();
      demand.complete();
      const dispose = () => { evalG?.dispose(); state.dispose(); guard.dispose(); };
      if (running === undefined) dispose();
      else holdFolder(o.out, running.then(dispose, dispose));
    },
  }));
}
