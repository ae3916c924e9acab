/**
 * The watch kill harness: `pcl-stream watch` killed with SIGKILL at 20 seeded random points while a
 * backlog is being upscaled (new files keep arriving between the kills), restarted each time; then
 * one last run to the end. Afterwards every input has exactly one output, complete and decodable,
 * stamped with its input's mtime; no temp file is left and failed.jsonl records nothing.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import sharp from "sharp";

const BIN = resolve("bin/pcl-stream.js");
const KILLS = 20;

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const FORMATS = [["png", ".png"], ["jpeg", ".jpg"], ["webp", ".webp"], ["tiff", ".tif"]] as const;

async function writeInput(dir: string, i: number): Promise<string> {
  const [format, ext] = FORMATS[i % FORMATS.length];
  const name = `img-${String(i).padStart(3, "0")}${ext}`;
  const width = 96 + (i % 5) * 8, height = 64 + (i % 3) * 8;
  const data = Buffer.alloc(width * height * 3);
  for (let p = 0; p < data.length; p++) data[p] = Math.round(127 + 120 * Math.sin(p * 0.013 + i));
  await writeFile(join(dir, name), await sharp(data, { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer());
  return name;
}

interface Run { readonly child: ReturnType<typeof spawn>; lines: number; readonly exit: Promise<number | null>; readonly seen: Array<{ type: string; file?: string }> }

function start(IN: string, OUT: string): Run {
  const child = spawn(process.execPath, [BIN, "watch", IN, OUT, "--model", "bicubic", "--scale", "2", "--backend", "cpu", "--json", "--stable-ms", "50"], { stdio: ["ignore", "pipe", "ignore"] });
  const run: Run = { child, lines: 0, exit: new Promise((res) => child.on("exit", (code) => res(code))), seen: [] };
  let buffered = "";
  child.stdout!.on("data", (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const l of lines) if (l.trim()) { run.lines++; run.seen.push(JSON.parse(l) as { type: string; file?: string }); }
  });
  return run;
}

const waitFor = async (pred: () => boolean, ms: number): Promise<boolean> => {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (pred()) return true; await sleep(10); }
  return pred();
};

test("watch survives 20 SIGKILLs at random points of a backlog: afterwards every input has exactly one complete output", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "pcl-watch-kill-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const IN = join(dir, "in"), OUT = join(dir, "out");
  await mkdir(IN);
  const rand = seeded(20);
  const inputs: string[] = [];
  for (let i = 0; i < 30; i++) inputs.push(await writeInput(IN, i));
  const where: string[] = [];
  for (let k = 0; k < KILLS; k++) {
    for (let j = 0; j < 3; j++) inputs.push(await writeInput(IN, inputs.length)); // arrivals keep the backlog going
    const run = start(IN, OUT);
    if (k % 4 === 3) {
      // Anywhere, start-up included.
      const ms = Math.floor(rand() * 1500);
      await sleep(ms);
      where.push(`${ms} ms after start`);
    } else {
      // While upscaling: after this run's n-th output (or its backlog scan), plus up to 150 ms (mid-decode, mid-encode, mid-rename).
      const n = Math.floor(rand() * 3), ms = Math.floor(rand() * 150);
      const dones = () => run.seen.filter((e) => e.type === "done").length;
      await waitFor(() => (n === 0 ? run.seen.some((e) => e.type === "watching") : dones() >= n), 20_000);
      await sleep(ms);
      where.push(`${n === 0 ? "backlog scanned" : `output ${n}`} + ${ms} ms (${dones()} done)`);
    }
    run.child.kill("SIGKILL");
    await run.exit;
  }
  t.log(`killed at: ${where.join(", ")}`);

  // The last run, to the end of the backlog.
  const last = start(IN, OUT);
  const all = new Set(inputs.map((n) => join(IN, n)));
  const handled = () => new Set(last.seen.filter((e) => (e.type === "done" || e.type === "skipped" || e.type === "failed") && e.file && all.has(e.file)).map((e) => e.file)).size === all.size;
  t.true(await waitFor(handled, 90_000), `the last run handles every input (${last.seen.length} events)`);
  last.child.kill("SIGINT");
  t.is(await last.exit, 0);
  t.false(last.seen.some((e) => e.type === "failed"), JSON.stringify(last.seen.filter((e) => e.type === "failed")));

  const outs = (await readdir(OUT)).sort();
  const expected = inputs.map((n) => n.replace(/(\.\w+)$/, "_x2$1")).sort();
  t.deepEqual(outs.filter((f) => f !== "failed.jsonl"), expected, "exactly one output per input, no temp files");
  t.false(existsSync(join(OUT, "failed.jsonl")), "nothing recorded as failed");
  for (const name of inputs) {
    const output = join(OUT, name.replace(/(\.\w+)$/, "_x2$1"));
    const meta = await sharp(join(IN, name)).metadata();
    const { info } = await sharp(output).raw().toBuffer({ resolveWithObject: true }); // decodes every pixel
    t.deepEqual([info.width, info.height], [meta.width! * 2, meta.height! * 2], name);
    t.true(Math.abs((await stat(output)).mtimeMs - (await stat(join(IN, name))).mtimeMs) < 1, `${name}: stamped with its input's mtime`);
  }
});
