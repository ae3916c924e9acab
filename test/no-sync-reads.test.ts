/**
 * Issue #10, "no synchronous host reads on the hot paths": with `dataSync` / `arraySync` refused the
 * way WebGPU refuses them for GPU-resident tensors, checkpoint saving and loading, `evaluate` (plain
 * and self-ensemble), `upscaleFile`, `pcl-stream upscale`, a short watch run, training validation and
 * a whole training run all still succeed with a generator loaded from a checkpoint, and none of them attempted a
 * synchronous read on the way (the refused reads are recorded even where an error is caught).
 */
import test from "ava";
import { cp, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { firstValueFrom, from, NEVER, toArray } from "rxjs";
import sharp from "sharp";
import { run as upscaleCommand } from "../bin/commands/upscale.js";
import { loadCheckpointUpscaler, readCheckpoint } from "../src/checkpoint/load.js";
import { saveCheckpoint } from "../src/checkpoint/save.js";
import { bicubicUpscaler } from "../src/model/bicubic.js";
import type { Upscaler } from "../src/model/upscaler.js";
import { loadValidationPairs } from "../src/pipelines/data/index.js";
import { evaluate, type EvalEvent } from "../src/pipelines/evaluate.js";
import { matlabLr } from "../src/pipelines/train/make-lr.js";
import { train } from "../src/pipelines/train/train.js";
import { checkpointContent, createTrainingState } from "../src/pipelines/train/training-state.js";
import { validate } from "../src/pipelines/train/validate.js";
import { upscaleFile } from "../src/pipelines/upscale-file.js";
import { watchFolder, type FileEvent } from "../src/pipelines/watch/index.js";
import { tf, useCpu } from "./helpers/ops-testing.js";
import { refusingSyncReads, SyncReadError } from "./helpers/refuse-sync-reads.js";
import { tinyImageFolder, tinySpec } from "./helpers/tiny-training.js";

let root = "", data = "", checkpoint = "";

test.before(async () => {
  await useCpu();
  root = await mkdtemp(join(tmpdir(), "pcl-no-sync-"));
  data = await tinyImageFolder(3, 24);
  // The checkpoint the inference paths load, written without the guard (its saving is tested on its own).
  checkpoint = join(root, "ck");
  const state = createTrainingState(tinySpec(), 3);
  try {
    await saveCheckpoint(checkpoint, checkpointContent(state, "cpu"));
  } finally {
    state.dispose();
  }
});
test.after.always(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(data, { recursive: true, force: true });
});

/** Loads the checkpoint (under the guard too), runs `fn` with it, disposes it; fails the test on any refused read. */
async function withCheckpointUpscaler<T>(fn: (upscaler: Upscaler) => Promise<T>): Promise<{ value: T; refused: string[] }> {
  return refusingSyncReads(async () => {
    const upscaler = await loadCheckpointUpscaler(checkpoint);
    try {
      return await fn(upscaler);
    } finally {
      upscaler.dispose();
    }
  });
}

test.serial("the guard refuses dataSync, arraySync and bufferSync of an upscaler's output, keeps data(), and is lifted afterwards (so the tests below can fail)", async (t) => {
  const x = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
  const { refused } = await refusingSyncReads(async () => {
    const y = await bicubicUpscaler(2).upscale(x);
    t.throws(() => y.dataSync(), { instanceOf: SyncReadError, message: /dataSync\(\) of a \[1,8,8,3\] tensor/ });
    t.throws(() => y.arraySync(), { instanceOf: SyncReadError });
    t.throws(() => y.bufferSync(), { instanceOf: SyncReadError });
    t.is((await y.data()).length, 8 * 8 * 3);
    y.dispose();
  });
  t.is(refused.length, 3);
  t.deepEqual(Array.from(x.dataSync()), new Array(48).fill(0), "dataSync works again after the guard");
  x.dispose();
});

test.serial("a checkpoint is saved (weights read with await data()) and loaded without a synchronous read", async (t) => {
  const state = createTrainingState(tinySpec(), 3);
  const dir = join(root, "ck-guarded");
  try {
    const { refused } = await refusingSyncReads(() => saveCheckpoint(dir, checkpointContent(state, "cpu")));
    t.deepEqual(refused, []);
    const ck = await readCheckpoint(dir);
    t.true(state.generator.variables.size > 0);
    for (const [path, v] of state.generator.variables) t.deepEqual(ck.values.get(path)?.values, await v.data(), `${path} saved as it is`);
  } finally {
    state.dispose();
  }
  const before = tf.memory().numTensors;
  const loaded = await refusingSyncReads(async () => {
    const upscaler = await loadCheckpointUpscaler(dir);
    upscaler.dispose();
    return upscaler.name;
  });
  t.deepEqual(loaded.refused, []);
  t.is(loaded.value, "tiny@0");
  t.is(tf.memory().numTensors, before, "the loaded upscaler's weights are freed");
});

test.serial("evaluate (plain, and self-ensemble with saving) runs without a synchronous read", async (t) => {
  const saveDir = join(root, "eval-sr");
  const before = tf.memory().numTensors;
  const { value, refused } = await withCheckpointUpscaler(async (upscaler) => {
    const run = (selfEnsemble: boolean) => firstValueFrom(from([{ hrDir: data }]).pipe(evaluate(upscaler, { scale: 2, selfEnsemble, saveDir, tiles: { tile: 8 } }), toArray()));
    return { plain: await run(false), ensembled: await run(true) };
  });
  t.deepEqual(refused, []);
  for (const events of [value.plain, value.ensembled]) {
    t.deepEqual(events.map((e: EvalEvent) => e.kind), ["image", "image", "image", "set"]);
    t.true(events.every((e) => Number.isFinite(e.psnr) && e.psnr > 5 && e.ssim > 0), JSON.stringify(events));
  }
  t.notDeepEqual(value.plain[3].psnr, value.ensembled[3].psnr, "the self-ensemble really ran");
  t.is((await readdir(saveDir, { recursive: true })).filter((f) => f.endsWith(".png")).length, 3);
  t.is(tf.memory().numTensors, before);
});

test.serial("upscaleFile and `pcl-stream upscale` run without a synchronous read", async (t) => {
  const out = join(root, "upscaled");
  const log = console.log;
  const { value, refused } = await withCheckpointUpscaler(async (upscaler) => {
    const size = await upscaleFile(join(data, "img0.png"), join(out, "img0_x2.png"), upscaler, { format: "png", tile: 10 });
    console.log = () => {};
    try {
      return { size, code: await upscaleCommand(["--model", checkpoint, "--scale", "2", "--tile", "10", "-o", join(out, "cli"), "--backend", "cpu", data]) };
    } finally {
      console.log = log;
    }
  });
  t.deepEqual(refused, []);
  t.deepEqual(value.size, { width: 24, height: 24, outWidth: 48, outHeight: 48 });
  t.is((await sharp(join(out, "img0_x2.png")).metadata()).width, 48);
  t.is(value.code, 0);
  t.deepEqual((await readdir(join(out, "cli"))).sort(), ["img0_x2.png", "img1_x2.png", "img2_x2.png"]);
});

test.serial("a watch run upscales its backlog and a live drop without a synchronous read", async (t) => {
  const inDir = join(root, "watch-in"), outDir = join(root, "watch-out");
  await mkdir(inDir);
  await cp(join(data, "img0.png"), join(inDir, "a.png"));
  await cp(join(data, "img1.png"), join(inDir, "b.png"));
  const { value: events, refused } = await withCheckpointUpscaler(async (upscaler) => {
    const handle = watchFolder({ inDir, outDir, upscaler, tile: 10, stabilityMs: 200, pollMs: 20 });
    const seen: FileEvent[] = [];
    const timer = setTimeout(() => handle.stop(), 30_000); // a hang shows up as missing events below
    try {
      await new Promise<void>((resolve, reject) => {
        handle.events$.subscribe({
          next: (e) => {
            seen.push(e);
            if (e.type === "watching") cp(join(data, "img2.png"), join(inDir, "live.png")).catch(reject);
            if (seen.filter((s) => s.type === "done" || s.type === "failed").length === 3) handle.stop();
          },
          error: reject,
          complete: resolve,
        });
      });
    } finally {
      clearTimeout(timer);
    }
    return seen;
  });
  t.deepEqual(refused, []);
  const finals = events.filter((e) => e.type === "done" || e.type === "failed");
  t.deepEqual(finals.map((e) => `${e.type} ${"file" in e ? e.file.slice(inDir.length + 1) : ""}`).sort(), ["done a.png", "done b.png", "done live.png"], JSON.stringify(events));
  t.deepEqual((await readdir(outDir)).filter((f) => f.endsWith(".png")).sort(), ["a_x2.png", "b_x2.png", "live_x2.png"]);
});

test.serial("training validation runs without a synchronous read", async (t) => {
  const pairs = await loadValidationPairs(data, 2, matlabLr);
  const before = tf.memory().numTensors;
  const { value: score, refused } = await withCheckpointUpscaler((upscaler) => validate(upscaler, pairs, 2));
  t.deepEqual(refused, []);
  t.is(score.images, 3);
  t.true(Number.isFinite(score.psnr) && score.psnr > 5 && score.ssim > 0, JSON.stringify(score));
  t.is(tf.memory().numTensors, before);
});

test.serial("a whole training run (D and G steps, logged losses, validation, checkpoints, resume) makes no synchronous read", async (t) => {
  const out = join(root, "run");
  const run = (iterations: number, resume: boolean) => refusingSyncReads(() => firstValueFrom(
    train({ spec: tinySpec({ iterations, validateEvery: 2, logEvery: 1, clipGradNorm: 0.5, ema: { decay: 0.9 } }), data, val: data, out, resume, backend: "cpu", stop: NEVER }).pipe(toArray())));
  const first = await run(2, false);
  const second = await run(4, true);
  t.deepEqual([...first.refused, ...second.refused], []);
  const steps = [...first.value, ...second.value].filter((e) => e.type === "step");
  t.deepEqual(steps.map((e) => e.type === "step" ? e.iteration : -1), [0, 1, 2, 3]);
  t.true(steps.every((e) => e.type === "step" && Number.isFinite(e.generator) && e.discriminator !== null && e.gradNormGenerator !== null && e.gradNormGenerator > 0));
  t.is(second.value.filter((e) => e.type === "validation").length, 1);
});
