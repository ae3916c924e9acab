import test from "ava";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { lastValueFrom, NEVER, Subject, toArray } from "rxjs";
import { selectBackend } from "../src/backend/select.js";
import { drawContrast, makeContrast } from "../src/compile/contrast.js";
import { createRng } from "../src/pipelines/data/index.js";
import { train, type TrainEvent } from "../src/pipelines/train/train.js";
import { discriminatorStep, disposeStep, generatorStep, trainStep } from "../src/pipelines/train/train-step.js";
import { createTrainingState } from "../src/pipelines/train/training-state.js";
import type { Recompute } from "../src/dsl/index.js";
import { tinyImageFolder, tinySpec } from "./helpers/tiny-training.js";

test.before(async () => { await selectBackend("cpu", { quiet: true }); });

function randomBatch(seed: number, n = 2, p = 4, s = 2) {
  const r = createRng(seed);
  return {
    lr: Float32Array.from({ length: n * p * p * 3 }, () => r.next()),
    hr: Float32Array.from({ length: n * p * s * p * s * 3 }, () => r.next()),
    batchSize: n, patch: p, scale: s, index: 0, files: [],
  };
}

const snapshot = (vars: ReadonlyMap<string, tf.Variable>) => new Map([...vars].map(([k, v]) => [k, Array.from(v.dataSync())]));
const changed = (before: Map<string, number[]>, vars: ReadonlyMap<string, tf.Variable>) =>
  [...vars].filter(([k, v]) => Array.from(v.dataSync()).some((x, i) => x !== before.get(k)![i])).length;

test("a D step changes only E's variables, a G step only G's", (t) => {
  const s = createTrainingState(tinySpec(), 1);
  const b = randomBatch(1);
  const g0 = snapshot(s.generator.variables), e0 = snapshot(s.embedding!.variables);
  tf.tidy(() => {
    const lr = tf.tensor4d(b.lr, [2, 4, 4, 3]), hr = tf.tensor4d(b.hr, [2, 8, 8, 3]);
    const contrast = makeContrast(s.spec, hr, lr, drawContrast(s.spec, 2, Math.random));
    tf.dispose(discriminatorStep(s, s.generator.apply(lr), hr, contrast, 1e-3)!);
  });
  t.is(changed(g0, s.generator.variables), 0, "D step left G alone");
  t.true(changed(e0, s.embedding!.variables) > 0, "D step moved E");
  const e1 = snapshot(s.embedding!.variables);
  tf.tidy(() => {
    const lr = tf.tensor4d(b.lr, [2, 4, 4, 3]), hr = tf.tensor4d(b.hr, [2, 8, 8, 3]);
    const contrast = makeContrast(s.spec, hr, lr, drawContrast(s.spec, 2, Math.random));
    const g = generatorStep(s, lr, hr, contrast, 1, 1e-3);
    tf.dispose([g.generator, ...g.terms.values(), g.gradNormGenerator!]);
  });
  t.is(changed(e1, s.embedding!.variables), 0, "G step left E alone");
  t.is(changed(g0, s.generator.variables), s.generator.variables.size, "G step moved every weight of G");
  s.dispose();
});

test("the contrastive term's gradient reaches G's weights and matches finite differences", (t) => {
  const spec = tinySpec({}, 1);
  const s = createTrainingState(spec, 2);
  const b = randomBatch(2);
  const draws = drawContrast(spec, 2, () => 0.37);
  const tailKernel = [...s.generator.variables].find(([k]) => k.endsWith("tail/kernel"))![1];
  const contrastiveOnly = () => tf.tidy(() => {
    const lr = tf.tensor4d(b.lr, [2, 4, 4, 3]), hr = tf.tensor4d(b.hr, [2, 8, 8, 3]);
    const parts = s.generatorLoss(s.generator.apply(lr), hr, makeContrast(spec, hr, lr, draws), 1);
    return parts.terms.get("infoNce")!;
  });
  const { grads } = tf.variableGrads(contrastiveOnly, [tailKernel]);
  const g = grads[tailKernel.name].dataSync();
  const norm = Math.hypot(...g);
  t.true(norm > 1e-4, `|grad| = ${norm}`);
  // Central differences on the 3 largest gradient entries, in float32 (eps sized for it).
  const values = tailKernel.dataSync().slice();
  const order = Array.from(g.keys()).sort((i, j) => Math.abs(g[j]) - Math.abs(g[i])).slice(0, 3);
  for (const i of order) {
    const eps = 1e-2;
    const at = (d: number) => { const v = values.slice(); v[i] += d; tailKernel.assign(tf.tensor(v, tailKernel.shape)); const l = contrastiveOnly(); const x = l.dataSync()[0]; l.dispose(); return x; };
    const fd = (at(eps) - at(-eps)) / (2 * eps);
    tailKernel.assign(tf.tensor(values, tailKernel.shape));
    t.true(Math.abs(fd - g[i]) <= 0.05 * Math.abs(g[i]) + 1e-4, `weight ${i}: autodiff ${g[i]} vs finite difference ${fd}`);
  }
  tf.dispose(grads);
  s.dispose();
});

test("the tensor count stays flat over 50 training steps", (t) => {
  const s = createTrainingState(tinySpec({ ema: { decay: 0.9 }, clipGradNorm: 1 }), 4);
  const b = randomBatch(4);
  disposeStep(trainStep(s, b));
  const after1 = tf.memory().numTensors;
  for (let i = 0; i < 50; i++) disposeStep(trainStep(s, b));
  t.is(tf.memory().numTensors, after1);
  s.dispose();
});

async function runTraining(data: string, out: string, iterations: number, resume: boolean, stopAfter?: number, recompute: Recompute | "auto" = "auto"): Promise<TrainEvent[]> {
  const stop = new Subject<void>();
  const spec = tinySpec({ iterations, recompute });
  const events$ = train({ spec, data, val: null, out, resume, backend: "cpu", stop: stopAfter === undefined ? NEVER : stop });
  const events: TrainEvent[] = [];
  await new Promise<void>((resolve, reject) => events$.subscribe({
    next: (e) => { events.push(e); if (e.type === "step" && stopAfter !== undefined && e.iteration + 1 === stopAfter) stop.next(); },
    error: reject, complete: resolve,
  }));
  return events;
}

const stepLosses = (events: TrainEvent[]) => events.filter((e) => e.type === "step").map((e) => e.type === "step" ? [e.iteration, e.generator, e.discriminator] : []);

test("a run stopped and resumed equals an uninterrupted run with the same seed", async (t) => {
  const data = await tinyImageFolder(4, 24);
  const whole = await runTraining(data, mkdtempSync(join(tmpdir(), "pcl-run-")), 6, false);
  const out = mkdtempSync(join(tmpdir(), "pcl-run-"));
  const first = await runTraining(data, out, 6, false, 2);
  const done = first.find((e) => e.type === "done");
  t.deepEqual(done?.type === "done" ? [done.iteration, done.stopped] : [], [2, true], "stopped after its step, with a checkpoint");
  const second = await runTraining(data, out, 6, true);
  const start = second.find((e) => e.type === "start");
  t.is(start?.type === "start" && start.resumed ? start.iteration : -1, 2);
  t.deepEqual([...stepLosses(first), ...stepLosses(second)], stepLosses(whole));
});

test("a corrupt image in the data folder is reported and skipped, and training goes on", async (t) => {
  const data = await tinyImageFolder(3, 24, true);
  const events = await runTraining(data, mkdtempSync(join(tmpdir(), "pcl-run-")), 2, false);
  const skips = events.filter((e) => e.type === "skip");
  t.is(skips.length, 1);
  t.regex(skips[0]?.type === "skip" ? skips[0].file : "", /broken\.png$/);
  t.is(events.filter((e) => e.type === "step").length, 2);
});

test("a run with recomputation, resumed without it, tracks an uninterrupted run without it", async (t) => {
  const data = await tinyImageFolder(4, 24);
  const plain = stepLosses(await runTraining(data, mkdtempSync(join(tmpdir(), "pcl-run-")), 6, false, undefined, "none"));
  const out = mkdtempSync(join(tmpdir(), "pcl-run-"));
  const first = await runTraining(data, out, 6, false, 3, "blocks");
  const second = await runTraining(data, out, 6, true, undefined, "none");
  const mixed = [...stepLosses(first), ...stepLosses(second)];
  t.is(mixed.length, plain.length);
  // Recomputed gradients equal the plain ones to float32 rounding, so the losses agree closely, not bit for bit.
  mixed.forEach((row, i) => row.forEach((v, j) => {
    const want = plain[i][j];
    t.true(v === want || (typeof v === "number" && typeof want === "number" && Math.abs(v - want) <= 1e-5 * Math.max(1, Math.abs(want))), `step ${i}: ${v} vs ${want}`);
  }));
});

test("train() refuses to resume from a folder without a checkpoint", async (t) => {
  const data = await tinyImageFolder(2, 24);
  await t.throwsAsync(lastValueFrom(train({ spec: tinySpec(), data, val: null, out: mkdtempSync(join(tmpdir(), "pcl-run-")), resume: true, backend: "cpu", stop: NEVER }).pipe(toArray())), { message: /--resume: .*latest has no checkpoint/ });
});

test("the D step run inside G's forward (on a tape of its own) gives the same updates as a separate D step then G step", (t) => {
  const spec = tinySpec();
  const b = randomBatch(9);
  const draws = drawContrast(spec, 2, () => 0.42);
  const run = (nested: boolean) => {
    const s = createTrainingState(spec, 5);
    tf.tidy(() => {
      const lr = tf.tensor4d(b.lr, [2, 4, 4, 3]), hr = tf.tensor4d(b.hr, [2, 8, 8, 3]);
      const contrast = makeContrast(spec, hr, lr, draws);
      const kept: tf.Tensor[] = [];
      const keep = (g: ReturnType<typeof generatorStep>) => kept.push(g.generator, ...g.terms.values(), g.gradNormGenerator!);
      if (nested) keep(generatorStep(s, lr, hr, contrast, 1, 1e-3, (sr) => { kept.push(discriminatorStep(s, sr, hr, contrast, 1e-3)!); }));
      else {
        kept.push(discriminatorStep(s, s.generator.apply(lr), hr, contrast, 1e-3)!);
        keep(generatorStep(s, lr, hr, contrast, 1, 1e-3));
      }
      tf.dispose(kept);
    });
    const out = [...snapshot(s.generator.variables).values(), ...snapshot(s.embedding!.variables).values()].flat();
    s.dispose();
    return out;
  };
  const separate = run(false), nested = run(true);
  t.is(nested.length, separate.length);
  t.true(nested.every((v, i) => Math.abs(v - separate[i]) <= 1e-6), "same G and E weights after the step");
});
