/**
 * Progress of long work: the figures (rate, ETA) on a fake clock, the terminal line (throttled,
 * out of the way of printed lines, ended once), the JSON lines (no repeats), and the three commands
 * with --log-format json: eval over a folder, upscale of a folder, the watch backlog.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProgress, progressFigures, progressText } from "../bin/progress-line.js";
import { tinyImageFolder } from "./helpers/tiny-training.js";

test("figures: the rate since the start, the ETA from what is left; none without a total or before the first", (t) => {
  t.deepEqual(progressFigures(0, 10, 5000), { done: 0, total: 10, rate: null, etaSeconds: null });
  t.deepEqual(progressFigures(4, 10, 2000), { done: 4, total: 10, rate: 2, etaSeconds: 3 });
  t.deepEqual(progressFigures(4, null, 2000), { done: 4, total: null, rate: 2, etaSeconds: null });
  t.is(progressText("eval set5", "images", progressFigures(4, 10, 2000)), "eval set5: 4/10 images  2.00 images/s  ETA 3s");
  t.is(progressText("upscale", "files", progressFigures(30, 930, 2000)), "upscale: 30/930 files  15.0 files/s  ETA 1m00s");
  t.is(progressText("watch backlog", "files", progressFigures(0, null, 0)), "watch backlog: 0 files");
});

test("a terminal line: redrawn at most every 100 ms, cleared for printed lines, ended with one newline", (t) => {
  let clock = 0, out = "";
  const p = createProgress({ task: "upscale", unit: "files", total: 3, mode: "tty", now: () => clock, write: (s) => { out += s; } });
  clock = 1000; p.tick();
  t.is(out, "\rupscale: 1/3 files  1.00 files/s  ETA 2s\x1b[K");
  clock = 1050; p.tick();
  t.is(out.split("\r").length, 2, "not redrawn within 100 ms");
  out = "";
  p.around(() => { out += "done  a.png -> a_x4.png\n"; });
  t.is(out, "\r\x1b[Kdone  a.png -> a_x4.png\n\rupscale: 2/3 files  1.90 files/s  ETA 1s\x1b[K");
  clock = 1100; p.tick();
  out = "";
  p.finish(); p.finish();
  t.is(out, "\rupscale: 3/3 files  2.73 files/s  ETA 0s\x1b[K\n");
  out = "";
  p.tick(); p.around(() => { out += "x\n"; });
  t.is(out, "x\n", "nothing after finish");
});

test("JSON lines: at most one a second while counting, the last count once", (t) => {
  let clock = 0;
  const lines: string[] = [];
  const p = createProgress({ task: "eval set5", unit: "images", total: 3, mode: "json", now: () => clock, write: (s) => { lines.push(s); } });
  clock = 500; p.tick();
  clock = 900; p.tick();
  clock = 1600; p.tick();
  p.finish();
  const events = lines.map((l) => JSON.parse(l) as { type: string; done: number; total: number; rate: number; etaSeconds: number });
  t.deepEqual(events.map((e) => [e.type, e.done, e.total]), [["progress", 1, 3], ["progress", 3, 3]]);
  t.is(events[0].etaSeconds, 1);
  t.true(lines.every((l) => l.endsWith("\n")));
});

type Line = { type: string; done?: number; total?: number | null; task?: string; set?: string; images?: number; backlog?: number };
const cli = (args: string[], until?: (lines: Line[]) => boolean) => new Promise<{ code: number | null; lines: Line[] }>((resolve) => {
  const c = spawn(process.execPath, ["bin/pcl-stream.js", ...args], { stdio: ["ignore", "pipe", "ignore"] });
  let out = "";
  const parse = () => out.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Line);
  c.stdout.on("data", (d: Buffer) => { out += d.toString(); if (until?.(parse())) c.kill("SIGTERM"); });
  c.on("close", (code) => resolve({ code, lines: parse() }));
});

test("--log-format json: eval, upscale and the watch backlog report their progress with totals", async (t) => {
  const images = await tinyImageFolder(3, 24);
  const out = mkdtempSync(join(tmpdir(), "pcl-progress-"));
  const backlogDone = (ls: Line[]) => ls.some((l) => l.type === "progress" && l.total === 3 && l.done === 3);
  const [ev, up, watch] = await Promise.all([
    cli(["eval", "--model", "bicubic", "--scale", "2", "--data", images, "--backend", "cpu", "--log-format", "json"]),
    cli(["upscale", "--model", "bicubic", "--scale", "2", images, "-o", join(out, "up"), "--backend", "cpu", "--log-format", "json"]),
    cli(["watch", images, join(out, "watched"), "--model", "bicubic", "--scale", "2", "--stable-ms", "50", "--backend", "cpu", "--log-format", "json"], backlogDone),
  ]);
  t.is(ev.code, 0);
  const evProgress = ev.lines.filter((l) => l.type === "progress");
  t.true(evProgress.length >= 1 && evProgress.every((l) => l.total === 3 && /^eval /.test(l.task!)));
  t.is(evProgress.at(-1)?.done, 3);
  t.like(ev.lines.at(-1), { type: "set", images: 3 });
  t.is(up.code, 0);
  t.is(up.lines.filter((l) => l.type === "done").length, 3);
  t.like(up.lines.filter((l) => l.type === "progress").at(-1), { done: 3, total: 3 });
  t.is(watch.code, 0);
  t.true(backlogDone(watch.lines));
  t.like(watch.lines.find((l) => l.type === "watching"), { backlog: 3 });
});
