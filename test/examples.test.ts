/**
 * The examples in examples/ run as a user runs them (a process each, importing "pcl-stream" by its
 * package name; here resolved to the sources through the pcl-stream-source condition), and what
 * they claim is checked: a run `pcl-stream compare` can read, an evaluation, an upscaled image; a
 * resumed run equal to an uninterrupted one; a watch whose custom action ran once per image.
 */
import test from "ava";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";

const ROOT = new URL("..", import.meta.url).pathname;
const run = promisify(execFile);
const example = (file: string, ...args: string[]) =>
  run(process.execPath, ["--import=tsx", "--conditions=pcl-stream-source", join(ROOT, "examples", file), ...args], { cwd: ROOT, timeout: 110_000 });

test("compose-train-eval-upscale: a custom graph trained 20 iterations from code, evaluated, upscaling an image; `pcl-stream compare` reads its run", async (t) => {
  const out = join(mkdtempSync(join(tmpdir(), "pcl-example-")), "run");
  const { stdout } = await example("compose-train-eval-upscale.ts", out);
  t.regex(stdout, /edsr-rcab-mix: G [\d,]+ parameters/);
  t.regex(stdout, /it 20: G \d/);
  const psnr = Number(/Set5 x4 Y-PSNR: ([\d.]+) dB/.exec(stdout)?.[1]);
  t.true(psnr > 10 && psnr < 40, stdout);
  t.regex(stdout, /\(bicubic 28\.43 dB\)/);
  const image = await sharp(join(out, "baby_x4.png")).metadata();
  t.deepEqual([image.width, image.height], [512, 512]);
  t.true(existsSync(join(out, "best", "checkpoint.json")));

  const compared = await run(process.execPath, [join(ROOT, "bin", "pcl-stream.js"), "compare", out, "--json"], { cwd: ROOT });
  const summary = JSON.parse(compared.stdout) as { graph: string; iteration: number; validations: { iteration: number; psnr: number }[] };
  t.is(summary.graph, "edsr-rcab-mix");
  t.is(summary.iteration, 20);
  t.deepEqual(summary.validations.map((v) => v.iteration), [10, 20]);
  t.is(summary.validations[1].psnr.toFixed(2), psnr.toFixed(2), "the last validation is the best checkpoint's evaluation");
});

test("stop-and-resume: takeUntil stops the run; resume(out) redoes the steps after the last checkpoint with the same losses as an uninterrupted run", async (t) => {
  const { stdout } = await example("stop-and-resume.ts", mkdtempSync(join(tmpdir(), "pcl-example-")));
  t.regex(stdout, /stopped after 7 step events/);
  t.regex(stdout, /resumed at iteration 5, ran to 16/);
  t.regex(stdout, /resumed steps equal an uninterrupted run's: true/);
});

test("watch-with-action: the backlog and a dropped image are upscaled, the custom action runs once per success", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "pcl-example-"));
  const { stdout } = await example("watch-with-action.ts", dir);
  t.regex(stdout, /3 lines in/);
  const lines = readFileSync(join(dir, "manifest.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { input: string; output: string; size: string });
  t.deepEqual(lines.map((l) => l.input.split("/").pop()).sort(), ["baby.png", "bird.png", "butterfly.png"]);
  for (const l of lines) t.true(existsSync(l.output));
  t.is(lines.find((l) => l.input.endsWith("baby.png"))?.size, "512x512");
});
