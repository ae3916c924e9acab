/**
 * The fuzz corpus (test/helpers/fuzz-corpus.ts: 240 files, most malformed, generated from a seed)
 * through `pcl-stream upscale` and `pcl-stream watch`, each one process for the whole corpus: no
 * crash, no hang (each run has a deadline), every valid file upscaled to the right size, every
 * invalid one reported exactly once (watch: one line each in failed.jsonl), nothing else written.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import sharp from "sharp";
import { writeFuzzCorpus, type FuzzCase } from "./helpers/fuzz-corpus.js";

const BIN = resolve("bin/pcl-stream.js");
const FLAGS = ["--model", "bicubic", "--scale", "2", "--backend", "cpu", "--json"];

interface Event { readonly type: string; readonly file?: string; readonly reason?: string; readonly error?: string; readonly output?: string; readonly outWidth?: number; readonly outHeight?: number; readonly ms?: number }

/** Runs the CLI; resolves its exit code and JSON events once `enough(events)` holds (then SIGINT) or it exits; rejects past `deadlineMs`. */
function runCli(args: readonly string[], deadlineMs: number, enough?: (events: Event[]) => boolean): Promise<{ code: number | null; events: Event[]; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const events: Event[] = [];
    let buffered = "", stderr = "", signalled = false;
    const timer = setTimeout(() => { child.kill("SIGKILL"); rej(new Error(`pcl-stream ${args[0]} still running after ${deadlineMs} ms (a hang); ${events.length} events; stderr: ${stderr.slice(-2000)}`)); }, deadlineMs);
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as Event);
      if (enough && !signalled && enough(events)) { signalled = true; child.kill("SIGINT"); }
    });
    child.on("exit", (code) => { clearTimeout(timer); res({ code, events, stderr }); });
  });
}

let corpus: { dir: string; cases: FuzzCase[] };
test.before(async () => {
  const dir = await mkdtemp(join(tmpdir(), "pcl-fuzz-"));
  await mkdir(join(dir, "in"));
  corpus = { dir, cases: await writeFuzzCorpus(join(dir, "in")) };
});
test.after.always(async () => { if (corpus) await rm(corpus.dir, { recursive: true, force: true }); });

const terminal = (e: Event): boolean => e.type === "done" || e.type === "failed" || e.type === "skipped";

/** Checks one event per case against its expectation, and the outputs on disk. */
async function check(t: import("ava").ExecutionContext, events: Event[], outDir: string): Promise<void> {
  const IN = join(corpus.dir, "in");
  t.true(corpus.cases.length >= 200, `${corpus.cases.length} cases`);
  const outputs: string[] = [];
  for (const c of corpus.cases) {
    const mine = events.filter((e) => terminal(e) && e.file === join(IN, c.name));
    if (mine.length !== 1) { t.fail(`${c.name} (${c.why}): ${mine.length} events ${JSON.stringify(mine)}`); continue; }
    const [e] = mine;
    const where = `${c.name} (${c.why}): ${JSON.stringify(e)}`;
    switch (c.expect.kind) {
      case "done":
        if (e.type !== "done") { t.fail(where); continue; }
        t.deepEqual([e.outWidth, e.outHeight], [c.expect.width, c.expect.height], where);
        break;
      case "failed":
        t.is(e.type, "failed", where);
        t.true((e.error ?? "").length > 0, `with a reason: ${where}`);
        break;
      case "not-an-image":
        t.deepEqual([e.type, e.reason], ["skipped", "not-an-image"], where);
        break;
      case "done-or-failed":
        t.true(e.type === "done" || e.type === "failed", where);
        break;
    }
    if (e.type === "done") {
      outputs.push(e.output!);
      const meta = await sharp(e.output!).metadata();
      t.deepEqual([meta.width, meta.height], [e.outWidth, e.outHeight], `the output decodes: ${where}`);
      t.true((e.ms ?? 0) < 30_000, `bounded in time: ${where}`);
    }
  }
  const written = (await readdir(outDir)).filter((f) => f !== "failed.jsonl").map((f) => join(outDir, f)).sort();
  t.deepEqual(written, outputs.sort(), "exactly the outputs of the files upscaled: no temp files, no partial outputs");
}

test.serial("fuzz corpus through `pcl-stream upscale` (one process): no crash or hang, valid files upscaled, invalid ones reported once", async (t) => {
  const out = join(corpus.dir, "out-upscale");
  const { code, events, stderr } = await runCli(["upscale", join(corpus.dir, "in"), "-o", out, ...FLAGS], 150_000);
  t.is(code, 1, `exit 1: some files failed (stderr: ${stderr.slice(-500)})`);
  await check(t, events, out);
});

test.serial("fuzz corpus through `pcl-stream watch` (one process): the same, and failed.jsonl lists each invalid file once", async (t) => {
  const out = join(corpus.dir, "out-watch");
  const IN = join(corpus.dir, "in");
  const names = new Set(corpus.cases.map((c) => join(IN, c.name)));
  const handled = (events: Event[]): boolean => names.size === new Set(events.filter((e) => terminal(e) && e.file !== undefined && names.has(e.file)).map((e) => e.file)).size;
  const { code, events, stderr } = await runCli(["watch", IN, out, ...FLAGS, "--stable-ms", "100"], 150_000, handled);
  t.is(code, 0, `exit 0 after SIGINT (stderr: ${stderr.slice(-500)})`);
  await check(t, events, out);
  const log = (await readFile(join(out, "failed.jsonl"), "utf8")).trim().split("\n").map((l) => (JSON.parse(l) as { file: string }).file).sort();
  t.deepEqual(log, events.filter((e) => e.type === "failed").map((e) => e.file!).sort(), "one failed.jsonl line per failed file");
});
