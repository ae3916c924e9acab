import test from "ava";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { lastValueFrom, toArray } from "rxjs";
import { selectBackend } from "../src/backend/select.js";
import { readCheckpoint } from "../src/checkpoint/load.js";
import { multiStep, withOverrides } from "../src/dsl/index.js";
import { createFiniteGuard } from "../src/pipelines/train/finite-guard.js";
import { NonFiniteError, resume, train, type TrainEvent } from "../src/train/index.js";
import { tinyImageFolder, tinySpec } from "./helpers/tiny-training.js";

test.before(async () => { await selectBackend("cpu", { quiet: true }); });

const run = (args: string[]) => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
  const c = spawn(process.execPath, ["bin/pcl-stream.js", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let o = "", e = "";
  c.stdout.on("data", (d: Buffer) => { o += d.toString(); });
  c.stderr.on("data", (d: Buffer) => { e += d.toString(); });
  c.on("close", (code) => resolve({ code, out: o, err: e }));
});
const allFinite = (ck: Awaited<ReturnType<typeof readCheckpoint>>) => [...ck.values.values()].every((e) => e.values.every(Number.isFinite));
const newRun = () => join(mkdtempSync(join(tmpdir(), "pcl-safety-")), "run");

test("the finite guard latches the first non-finite step and which scalars were NaN or infinite, in one read", async (t) => {
  const g = createFiniteGuard();
  const s = (x: number) => tf.scalar(x);
  const step = (i: number, a: number, b: number | null) => {
    const ta = s(a), tb = b === null ? null : s(b);
    g.watch(i, [["a", ta], ["b", tb]]);
    tf.dispose([ta, ...(tb ? [tb] : [])]);
  };
  step(0, 1, 2);
  const before = tf.memory().numTensors;
  step(1, 3, null);
  t.is(await g.check(), null);
  step(2, NaN, -Infinity);
  step(3, Infinity, 1);
  t.deepEqual(await g.check(), { index: 2, terms: [{ name: "a", kind: "NaN" }, { name: "b", kind: "infinite" }] });
  t.is(tf.memory().numTensors, before, "the latch holds the same tensors, step after step");
  g.dispose();
});

test("a NaN/inf step stops the run naming the iteration and terms, writes no checkpoint of it, and a resume at a lower learning rate continues from the last good one", async (t) => {
  const data = await tinyImageFolder(2, 24);
  const out = newRun();
  // lr 1e-3 jumps to 1e27 at step index 6; checkpoints every 3; losses read every 5 (so the latch, not a log line, catches it).
  const spec = tinySpec({ iterations: 12, validateEvery: 1000, logEvery: 5, schedule: multiStep([6], 1e30) });
  const events: TrainEvent[] = [];
  const err = await lastValueFrom(train(spec, { data, val: null, out, backend: "cpu", checkpointEvery: { iterations: 3 } }).pipe(toArray()))
    .then(() => undefined, (e: unknown) => e);
  t.true(err instanceof NonFiniteError, String(err));
  const e = err as NonFiniteError;
  t.is(e.iteration, 7);
  t.true(e.terms.length > 0);
  t.regex(e.message, /^iteration 7: .* is (NaN|infinite).*; the run stopped without checkpointing these weights; the last good checkpoint is .*latest \(iteration 6\)$/);
  t.deepEqual(e.checkpoint, { dir: join(out, "latest"), iteration: 6 });
  const ck = await readCheckpoint(join(out, "latest"));
  t.is(ck.manifest.iteration, 6);
  t.true(allFinite(ck), "the kept checkpoint holds finite weights");
  // Checkpoints: only latest (no best, no temp or moved-aside folder); run.json and tb/ are the run's logs.
  t.deepEqual(readdirSync(out).filter((n) => n !== "run.json" && n !== "tb").sort(), ["latest", "metrics.jsonl"]);

  // Resume from it with the learning rate scaled down 1e30-fold: it runs to the end.
  const resumed = withOverrides(spec, { lr: 1e-33 });
  events.push(...await lastValueFrom(resume(out, { spec: resumed, data, val: null, backend: "cpu" }).pipe(toArray())));
  t.like(events.find((x) => x.type === "start"), { iteration: 6, resumed: true });
  t.like(events.at(-1), { type: "done", iteration: 12, stopped: false });
  t.true(allFinite(await readCheckpoint(join(out, "latest"))));
});

test("`--checkpoint-every N` writes OUT/latest every N iterations between validations; a time cadence every so many seconds", async (t) => {
  const data = await tinyImageFolder(2, 24);
  const spec = tinySpec({ iterations: 7, validateEvery: 1000, logEvery: 1 });
  const at = async (checkpointEvery: { iterations: number } | { seconds: number }) => {
    const events = await lastValueFrom(train(spec, { data, val: null, out: newRun(), backend: "cpu", checkpointEvery }).pipe(toArray()));
    return events.filter((e) => e.type === "checkpoint" && e.dir.endsWith("latest")).map((e) => (e as { iteration: number }).iteration);
  };
  t.deepEqual(await at({ iterations: 2 }), [2, 4, 6, 7]);
  t.deepEqual(await at({ seconds: 1e-6 }), [1, 2, 3, 4, 5, 6, 7]);
  t.throws(() => train(spec, { checkpointEvery: { iterations: 0 } }), { message: /checkpointEvery.*\{ iterations: a positive integer \} or \{ seconds: a positive number \}/ });
});

test("`pcl-stream train` exits 4 on a NaN/inf loss with the iteration, the terms and how to resume; `--resume --lr-scale` continues from the last good checkpoint", async (t) => {
  const data = await tinyImageFolder(2, 24);
  const out = newRun();
  const args = ["train", "test/fixtures/tiny-diverges.pcl.ts", "--data", data, "--val", "none", "--out", out, "--backend", "cpu", "--checkpoint-every", "3"];
  const bad = await run(args);
  t.is(bad.code, 4, bad.err);
  t.regex(bad.err, /pcl-stream train: iteration 7: .* is (NaN|infinite).*the last good checkpoint is .*latest \(iteration 6\)/);
  t.regex(bad.err, /--resume --lr-scale 0\.1/);
  t.false(existsSync(join(out, ".latest.previous")));
  const again = await run([...args, "--resume", "--lr-scale", "1e-30", "--iters", "10", "--log-format", "json"]);
  t.is(again.code, 0, again.err);
  const events = again.out.trim().split("\n").map((l) => JSON.parse(l) as { type: string; iteration: number });
  t.like(events.find((e) => e.type === "start"), { iteration: 6 });
  t.like(events.at(-1), { type: "done", iteration: 10 });
});

test("`--checkpoint-every` and `--lr-scale` refuse what they cannot use, naming the flag", async (t) => {
  const { run: trainCommand } = await import("../bin/commands/train.js");
  const said: string[] = [];
  const error = console.error;
  console.error = (...a: unknown[]) => { said.push(a.join(" ")); };
  try {
    const base = ["test/fixtures/tiny.pcl.ts", "--val", "none", "--backend", "cpu"];
    t.is(await trainCommand([...base, "--checkpoint-every", "soon"]), 2);
    t.is(await trainCommand([...base, "--checkpoint-every", "2.5"]), 2);
    t.is(await trainCommand([...base, "--lr-scale", "0"]), 2);
  } finally {
    console.error = error;
  }
  t.regex(said[0], /--checkpoint-every must be a number of iterations \(e\.g\. 500\) or a time \(e\.g\. 90s, 10m, 1h\), got 'soon'/);
  t.regex(said[1], /--checkpoint-every: a number of iterations must be a whole number, got '2\.5' \(add s, m or h for a time\)/);
  t.regex(said[2], /--lr-scale must be a positive number, got '0'/);
});
