/**
 * pcl-stream/train from code: options checked at the call, folders checked on subscription, the run
 * folder written as the CLI writes it (metrics.jsonl included), resume from the folder alone, and an
 * abandoned run (unsubscribed mid-step, or while planning) that leaks nothing and does not disturb
 * the run resumed after it.
 */
import test from "ava";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as tf from "@tensorflow/tfjs-core";
import { filter, lastValueFrom, takeWhile, toArray, type Subscription } from "rxjs";
import { useBackend } from "../src/backend/index.js";
import type { PclSpec } from "../src/dsl/index.js";
import { METRICS_FILE, OptionError, readRunSummary, resume, ResumeError, RunReadError, train, TrainSetupError, type TrainEvent } from "../src/train/index.js";
import { tinyImageFolder, tinySpec } from "./helpers/tiny-training.js";

const newOut = () => join(mkdtempSync(join(tmpdir(), "pcl-lib-")), "run");
const all = (events$: ReturnType<typeof train>) => lastValueFrom(events$.pipe(toArray()));
const stepLosses = (events: readonly TrainEvent[]) => events.flatMap((e) => (e.type === "step" ? [[e.iteration, e.generator, e.discriminator]] : []));

test.before(async () => { await useBackend("cpu"); });

test.serial("bad arguments throw at the call, naming the field and what was expected", (t) => {
  const spec = tinySpec();
  t.throws(() => train({ kind: "graph" } as unknown as PclSpec), { instanceOf: TypeError, message: /train: spec must be a PCL spec/ });
  t.throws(() => train(spec, { resume: "yes" as unknown as boolean }), { instanceOf: OptionError, message: `train: 'resume' must be a boolean, got "yes"` });
  t.throws(() => train(spec, { backend: "vulkan" as never }), { instanceOf: OptionError, message: /'backend' must be one of tensorflow-gpu, webgpu, tensorflow, native, cpu, got "vulkan"/ });
  t.throws(() => train(spec, { stop: 5 as never }), { instanceOf: OptionError, message: /'stop' must be an Observable/ });
  t.throws(() => train(spec, "runs/x" as never), { instanceOf: OptionError, message: /'options' must be an object, got "runs\/x"/ });
  t.throws(() => resume(""), { instanceOf: TypeError });
});

test.serial("folder problems arrive on subscription as TrainSetupError, naming the option", async (t) => {
  const data = await tinyImageFolder(2, 24);
  const missing = await t.throwsAsync(all(train(tinySpec(), { data: join(data, "nope"), val: null, out: newOut() })), { instanceOf: TrainSetupError });
  t.is(missing?.option, "data");
  const noVal = await t.throwsAsync(all(train(tinySpec(), { data, val: join(data, "nope"), out: newOut() })), { instanceOf: TrainSetupError });
  t.is(noVal?.option, "val");
  const out = newOut();
  await all(train(tinySpec({ iterations: 1 }), { data, val: null, out }));
  const again = await t.throwsAsync(all(train(tinySpec({ iterations: 1 }), { data, val: null, out })), { instanceOf: TrainSetupError, message: /already holds a run/ });
  t.is(again?.option, "out");
  await t.throwsAsync(all(resume(newOut(), { data, val: null })), { instanceOf: ResumeError, message: /holds no run to resume/ });
});

test.serial("a run from code writes the CLI's run folder: checkpoints and metrics.jsonl (one line per step and validation), read back by readRunSummary", async (t) => {
  const data = await tinyImageFolder(3, 24);
  const out = newOut();
  const events = await all(train(tinySpec({ iterations: 4, validateEvery: 2 }), { data, val: data, out }));
  const lines = readFileSync(join(out, METRICS_FILE), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { type: string; time: string; iteration: number });
  const logged = events.filter((e) => e.type === "step" || e.type === "validation");
  t.deepEqual(lines.map(({ time: _time, ...e }) => e), JSON.parse(JSON.stringify(logged)) as unknown[]);
  t.true(lines.every((l) => !Number.isNaN(Date.parse(l.time))));
  t.true(existsSync(join(out, "latest", "checkpoint.json")) && existsSync(join(out, "best", "checkpoint.json")));
  const run = await readRunSummary(out);
  t.deepEqual([run.graph, run.iteration, run.validations.map((v) => v.iteration)], ["tiny", 4, [2, 4]]);
  t.is(run.best?.psnr, Math.max(...run.validations.map((v) => v.psnr)));

  const quiet = newOut();
  await all(train(tinySpec({ iterations: 1 }), { data, val: null, out: quiet, metrics: false }));
  t.false(existsSync(join(quiet, METRICS_FILE)));
  t.true(existsSync(join(quiet, "latest", "checkpoint.json")), "checkpoints are always written");
  await t.throwsAsync(readRunSummary(quiet), { instanceOf: RunReadError, message: /no metrics\.jsonl/ });
});

test.serial("stop as a Promise ends at the step in progress with a checkpoint; resume(out) reads the spec from the checkpoint and finishes the run", async (t) => {
  const data = await tinyImageFolder(3, 24);
  const spec = tinySpec({ iterations: 5, validateEvery: 5 });
  const whole = stepLosses(await all(train(spec, { data, val: null, out: newOut() })));
  const out = newOut();
  let stopNow!: () => void;
  const stop = new Promise<void>((r) => { stopNow = r; });
  const first = await lastValueFrom(train(spec, { data, val: null, out, stop }).pipe(
    filter((e) => { if (e.type === "step" && e.iteration === 1) stopNow(); return true; }),
    toArray(),
  ));
  const done = first.at(-1);
  t.true(done?.type === "done" && done.stopped);
  const stoppedAt = done?.type === "done" ? done.iteration : -1;
  t.true(stoppedAt >= 2 && stoppedAt < 5);
  const second = await all(resume(out, { data, val: null }));
  const start = second.find((e) => e.type === "start");
  t.deepEqual(start?.type === "start" ? [start.resumed, start.iteration] : [], [true, stoppedAt]);
  t.deepEqual([...stepLosses(first), ...stepLosses(second)], whole);
});

test.serial("an abandoned run leaks no tensors, even unsubscribed while it plans or mid-step, and the run resumed in its folder right after is not disturbed", async (t) => {
  const data = await tinyImageFolder(3, 24);
  const spec = tinySpec({ iterations: 6, validateEvery: 2 });
  await all(train(spec, { data, val: null, out: newOut() })); // warm up kernels and caches
  const baseline = tf.memory().numTensors;

  // Left while planning (the memory plan reads the budget: the subscriber leaves right then), so
  // the networks being prepared arrive for nobody and must be freed.
  let left = false;
  let subscription: Subscription | undefined;
  const budget = { get availableBytes() { left = true; subscription?.unsubscribe(); return null; }, maxTensorBytes: null, source: "test" };
  subscription = train(spec, { data, val: null, out: newOut(), memory: budget }).subscribe();
  for (let i = 0; i < 20 && !left; i++) await sleep(50);
  t.true(left, "unsubscribed during the plan");
  for (let i = 0; i < 100 && tf.memory().numTensors !== baseline; i++) await sleep(50);
  t.is(tf.memory().numTensors, baseline, "the state prepared for a subscriber that left is disposed");

  // Left mid-run, then resumed at once in the same folder.
  const out = newOut();
  const first = await lastValueFrom(train(spec, { data, val: null, out }).pipe(takeWhile((e) => !(e.type === "step" && e.iteration === 2)), toArray()));
  t.is(first.filter((e) => e.type === "step").length, 2);
  const second = await all(resume(out, { data, val: null }));
  const start = second.find((e) => e.type === "start");
  t.is(start?.type === "start" ? start.iteration : -1, 2, "resumed from the checkpoint at 2");
  t.deepEqual(second.at(-1)?.type === "done" ? (second.at(-1) as { iteration: number }).iteration : -1, 6);
  t.is(tf.memory().numTensors, baseline, "both runs' networks are freed");
});
