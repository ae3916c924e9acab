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
