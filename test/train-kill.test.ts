/**
 * The kill harness: a real `pcl-stream train` SIGKILLed 10 times at seeded random points, half of
 * them inside checkpoint writes (at each stage of the write: weights.bin half written, weights
 * written, manifest written, old checkpoint moved aside, new one swapped in), the others between
 * steps. The test-only hook PCL_STREAM_TEST_CHECKPOINT_PAUSE_MS makes the writer announce each stage
 * and pause there, so a kill lands in it. After every kill OUT/latest must load (checksums checked)
 * at an iteration no earlier than the last checkpoint the process reported, and `--resume` must go
 * on from it; the run finally completes with the same weights as a run that was never killed.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastValueFrom, toArray } from "rxjs";
import { selectBackend } from "../src/backend/select.js";
import { readCheckpoint } from "../src/checkpoint/load.js";
import { createRng } from "../src/pipelines/data/index.js";
import { train } from "../src/train/index.js";
import { tinyImageFolder, tinySpec } from "./helpers/tiny-training.js";

const STAGES = ["weights-partial", "weights", "manifest", "moved-aside", "swapped"] as const;
type Target = { readonly stage: (typeof STAGES)[number]; readonly occurrence: number } | { readonly afterSteps: number };
const TOTAL = 40;
const EVERY = 2;

interface Life { readonly signal: NodeJS.Signals | null; readonly code: number | null; readonly lastReported: number; readonly started: number | null; readonly out: string; readonly err: string }

/**
 * What the run folder shows of a write cut at each stage: the temp folder's files, and whether
 * `latest` and its moved-aside copy exist. A kill that landed where it was aimed leaves exactly this.
 */
function leftOver(out: string): string {
  const tmp = readdirSync(out).find((n) => n.startsWith(".latest.tmp-"));
  const files = tmp ? readdirSync(join(out, tmp)).sort() : [];
  const weights = tmp && files.includes("weights.bin") ? statSync(join(out, tmp, "weights.bin")).size : 0;
  const full = existsSync(join(out, "latest", "weights.bin")) ? statSync(join(out, "latest", "weights.bin")).size
    : existsSync(join(out, ".latest.previous", "weights.bin")) ? statSync(join(out, ".latest.previous", "weights.bin")).size : -1;
  const temp = !tmp ? "no temp" : files.includes("checkpoint.json") ? "temp whole" : weights > 0 && weights < full ? "temp half weights" : files.includes("weights.bin") ? "temp weights" : "temp empty";
  return `${temp}, ${existsSync(join(out, "latest")) ? "latest" : "no latest"}, ${existsSync(join(out, ".latest.previous")) ? "previous" : "no previous"}`;
}

const LEFT_BY: Readonly<Record<(typeof STAGES)[number], string>> = {
  "weights-partial": "temp half weights, latest, no previous",
  weights: "temp weights, latest, no previous",
  manifest: "temp whole, latest, no previous",
  "moved-aside": "temp whole, no latest, previous",
  swapped: "no temp, latest, previous",
};

/** Runs `pcl-stream train` until `target` (then SIGKILL), or to its end when target is null. */
function life(args: readonly string[], target: Target | null): Promise<Life> {
  return new Promise((resolve) => {
    const env = { ...process.env, ...(target ? { PCL_STREAM_TEST_CHECKPOINT_PAUSE_MS: "150" } : {}) };
    const child = spawn(process.execPath, ["bin/pcl-stream.js", ...args], { stdio: ["ignore", "pipe", "pipe"], env });
    let out = "", err = "", steps = 0, seen = 0, lastReported = -1, started: number | null = null, killed = false;
    const kill = () => { if (!killed) { killed = true; child.kill("SIGKILL"); } };
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const lines = out.split("\n");
      out = lines.pop()!;
      for (const line of lines) {
        const e = JSON.parse(line) as { type: string; iteration: number; dir?: string };
        if (e.type === "start") started = e.iteration;
        if (e.type === "checkpoint" && e.dir?.endsWith("latest")) lastReported = e.iteration;
        if (e.type === "step" && target && "afterSteps" in target && ++steps >= target.afterSteps) kill();
      }
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      if (!target || !("stage" in target)) return;
      const hits = err.split("\n").filter((l) => l.startsWith("pcl-stream-test: checkpoint ") && l.endsWith(`latest ${target.stage}`)).length;
      if (hits > seen) { seen = hits; if (seen >= target.occurrence) kill(); }
    });
    child.on("close", (code, signal) => resolve({ code, signal, lastReported, started, out, err }));
  });
}

test("`pcl-stream train` SIGKILLed at 10 random points, 5 of them inside checkpoint writes, always resumes from a loadable checkpoint and ends with the weights of an unbroken run", async (t) => {
  const data = await tinyImageFolder(2, 24);
  const out = join(mkdtempSync(join(tmpdir(), "pcl-kill-")), "run");
  const args = ["train", "test/fixtures/tiny.pcl.ts", "--data", data, "--val", "none", "--out", out, "--backend", "cpu",
    "--iters", String(TOTAL), "--checkpoint-every", String(EVERY), "--log-format", "json"];
  const rng = createRng(1414);
  // Every stage of a write once (in a seeded order), then five more points, steps or stages.
  const stages = [...STAGES].sort(() => rng.next() - 0.5);
  const targets: Target[] = [
    ...stages.map((stage) => ({ stage, occurrence: 1 + rng.int(2) })),
    ...Array.from({ length: 5 }, () => (rng.next() < 0.5 ? { afterSteps: 1 + rng.int(5) } : { stage: STAGES[rng.int(STAGES.length)], occurrence: 1 + rng.int(2) })),
  ];
  let floor = 0, landed = 0;
  const resumedAt: number[] = [];
  for (const [k, target] of targets.entries()) {
    const resume = existsSync(join(out, "latest")) || existsSync(join(out, ".latest.previous"));
    const l = await life([...args, ...(resume ? ["--resume"] : [])], target);
    const what = "stage" in target ? `in a checkpoint write at '${target.stage}' (#${target.occurrence})` : `after ${target.afterSteps} steps`;
    const left = leftOver(out);
    // A write cut where it was aimed leaves its stage's traces; a kill the machine delayed past the
    // stage still has to leave a loadable checkpoint (checked below), but does not count as landed.
    // (Where the run resumed from .latest.previous, the first stages leave "no latest, previous".)
    const aimed = "stage" in target ? LEFT_BY[target.stage] : undefined;
    const hit = aimed !== undefined && (left === aimed || left === aimed.replace("latest, no previous", "no latest, previous"));
    if (hit) landed++;
    t.is(l.signal, "SIGKILL", `kill ${k + 1} ${what}: the process ended by itself (${l.code}): ${l.err.slice(-400)}`);
    if (l.started !== null) resumedAt.push(l.started);
    if (l.started !== null) t.true(l.started >= floor, `kill ${k + 1}: started at ${l.started}, below the checkpoint at ${floor}`);
    const ck = await readCheckpoint(join(out, "latest")).catch((e: unknown) => e as Error);
    if (ck instanceof Error) {
      // Only a kill before the very first checkpoint was whole may leave none.
      t.is(floor, 0, `kill ${k + 1} ${what}: no loadable checkpoint: ${ck.message}`);
      t.is(l.lastReported, -1);
      continue;
    }
    t.true(ck.manifest.iteration >= Math.max(floor, l.lastReported), `kill ${k + 1} ${what}: latest at ${ck.manifest.iteration}, the process had reported ${l.lastReported}`);
    t.true([...ck.values.values()].every((e) => e.values.every(Number.isFinite)));
    floor = ck.manifest.iteration;
    t.log(`kill ${k + 1} ${what}: left ${left}${aimed ? (hit ? " (as aimed)" : ` (aimed at: ${aimed})`) : ""}; latest at iteration ${floor}${existsSync(join(out, "latest")) ? "" : " (read from .latest.previous: the swap was cut between its renames)"}`);
  }
  const stageKills = targets.filter((x) => "stage" in x).length;
  t.true(landed >= Math.ceil(stageKills / 2), `only ${landed} of ${stageKills} kills aimed at a write stage left that stage's traces`);
  const last = await life([...args, "--resume"], null);
  t.is(last.code, 0, last.err.slice(-600));
  t.is(last.started, floor, "the final run resumed from the last checkpoint");
  const final = await readCheckpoint(join(out, "latest"));
  t.is(final.manifest.iteration, TOTAL);
  // Beside the checkpoints and logs (metrics.jsonl, run.json, tb/, report.html): no temp or moved-aside folder.
  t.deepEqual(readdirSync(out).sort(), ["best", "latest", "metrics.jsonl", "report.html", "run.json", "tb"], "no temp or moved-aside folder left");
  t.true(resumedAt.length >= 9, `resumed ${resumedAt.length} times`);
  // metrics.jsonl: each step once, in order, though the steps after each checkpoint ran twice.
  const steps = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { type: string; iteration: number })
    .filter((e) => e.type === "step").map((e) => e.iteration);
  t.deepEqual(steps, Array.from({ length: TOTAL }, (_, i) => i));

  // The same run, never killed, in this process: batches and draws depend only on (seed, iteration).
  await selectBackend("cpu", { quiet: true });
  const ref = join(mkdtempSync(join(tmpdir(), "pcl-kill-ref-")), "run");
  await lastValueFrom(train(tinySpec({ iterations: TOTAL, validateEvery: 100000, logEvery: 1 }), { data, val: null, out: ref, backend: "cpu", metrics: false }).pipe(toArray()));
  const unbroken = await readCheckpoint(join(ref, "latest"));
  let differing = 0;
  for (const [name, e] of unbroken.values) if (e.values.some((v, i) => v !== final.values.get(name)!.values[i])) differing++;
  t.is(differing, 0, `${differing} of ${unbroken.values.size} tensors differ from the unbroken run's`);
});
