import test from "ava";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tinyImageFolder } from "./helpers/tiny-training.js";

test("SIGINT during `pcl-stream train` finishes the step, writes a checkpoint and exits 0; --resume continues from it", async (t) => {
  const data = await tinyImageFolder(3, 24);
  const out = join(mkdtempSync(join(tmpdir(), "pcl-cli-")), "run");
  const args = ["bin/pcl-stream.js", "train", "test/fixtures/tiny.pcl.ts", "--data", data, "--val", "none", "--out", out, "--backend", "cpu", "--log-format", "json"];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let sent = false;
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    if (!sent && stdout.split("\n").filter((l) => l.includes('"type":"step"')).length >= 3) { sent = true; child.kill("SIGINT"); }
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  t.is(code, 0);
  const events = stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; iteration: number; stopped?: boolean });
  const done = events.find((e) => e.type === "done");
  t.true(done?.stopped === true);
  const manifest = JSON.parse(readFileSync(join(out, "latest", "checkpoint.json"), "utf8")) as { iteration: number };
  t.is(manifest.iteration, done?.iteration ?? -1);
  t.true(existsSync(join(out, "metrics.jsonl")));

  const again = spawn(process.execPath, [...args.slice(0, 3), "--iters", String(manifest.iteration + 2), ...args.slice(3), "--resume"], { stdio: ["ignore", "pipe", "pipe"] });
  let out2 = "";
  again.stdout.on("data", (d: Buffer) => { out2 += d.toString(); });
  t.is(await new Promise<number | null>((resolve) => again.on("close", resolve)), 0);
  const events2 = out2.trim().split("\n").map((l) => JSON.parse(l) as { type: string; iteration: number; resumed: boolean });
  // Progress events (the memory plan) may come first; the start event comes before any step.
  const start = events2.find((e) => e.type !== "progress")!;
  t.deepEqual([start.type, start.iteration, start.resumed], ["start", manifest.iteration, true]);
});

test("`pcl-stream train` will not overwrite an existing run without --resume", async (t) => {
  const data = await tinyImageFolder(2, 24);
  const out = join(mkdtempSync(join(tmpdir(), "pcl-cli-")), "run");
  const base = [process.execPath, "bin/pcl-stream.js", "train", "test/fixtures/tiny.pcl.ts", "--data", data, "--val", "none", "--out", out, "--backend", "cpu", "--iters", "1"] as const;
  const run = (extra: string[]) => new Promise<{ code: number | null; err: string }>((resolve) => {
    const c = spawn(base[0], [...base.slice(1), ...extra], { stdio: ["ignore", "ignore", "pipe"] });
    let err = ""; c.stderr.on("data", (d: Buffer) => { err += d.toString(); });
    c.on("close", (code) => resolve({ code, err }));
  });
  t.is((await run([])).code, 0);
  const second = await run([]);
  t.is(second.code, 2);
  t.regex(second.err, /already holds a run.*--resume/);
});

test("`train --val-metrics niqe` adds NIQE to the validation events, and `compare` shows it", async (t) => {
  const [data, val] = await Promise.all([tinyImageFolder(2, 24), tinyImageFolder(1, 200)]);
  const out = join(mkdtempSync(join(tmpdir(), "pcl-cli-")), "run");
  const node = (args: string[]) => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const c = spawn(process.execPath, ["bin/pcl-stream.js", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let o = "", e = "";
    c.stdout.on("data", (d: Buffer) => { o += d.toString(); });
    c.stderr.on("data", (d: Buffer) => { e += d.toString(); });
    c.on("close", (code) => resolve({ code, out: o, err: e }));
  });
  const trainArgs = ["train", "test/fixtures/tiny.pcl.ts", "--data", data, "--val", val, "--out", out, "--backend", "cpu", "--iters", "2", "--validate-every", "2"];
  const bad = await node([...trainArgs, "--val-metrics", "psnr,fid"]);
  t.is(bad.code, 2);
  t.regex(bad.err, /--val-metrics: unknown metric 'fid' \(expected psnr, ssim, niqe\)/);
  const run = await node([...trainArgs, "--val-metrics", "psnr,ssim,niqe"]);
  t.is(run.code, 0, run.err);
  t.regex(run.out, /validation at 2: Y-PSNR \d+\.\d{3} dB, SSIM \d\.\d{4}, NIQE \d+\.\d{4} on 1 images/);
  const validation = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { type: string; niqe?: number }).find((e) => e.type === "validation");
  t.true(typeof validation?.niqe === "number" && validation.niqe > 0, JSON.stringify(validation));
  const json = await node(["compare", out, "--json"]);
  t.is(json.code, 0, json.err);
  const summary = JSON.parse(json.out) as { validations: { iteration: number; niqe?: number }[] };
  t.deepEqual(summary.validations.map((v) => [v.iteration, v.niqe]), [[2, validation!.niqe]]);
  const text = await node(["compare", out]);
  t.regex(text.out, /\[1\] Y-PSNR \/ SSIM \/ NIQE/);
  t.regex(text.out, /\n\s+2 +\d+\.\d{3} \/ \d\.\d{4} \/ \d+\.\d{4}\n/);
});
