import { execFile } from "node:child_process";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import test from "ava";
import { firstValueFrom, from, toArray } from "rxjs";
import { measureQuality } from "../src/pipelines/measure-quality.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BABOON = fileURLToPath(new URL("fixtures/baboon.png", import.meta.url));
const SET5 = fileURLToPath(new URL("../data/set5/", import.meta.url));

const cli = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["bin/pcl-stream.js", "quality", ...args], { cwd: ROOT, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number | null; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};
const lines = (stdout: string) => stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);

test("`pcl-stream quality baboon.png --json` prints NIQE 5.7296 (MATLAB 5.72957338) and the mean", async (t) => {
  const r = await cli(BABOON, "--json");
  t.is(r.code, 0, r.stderr);
  const [image, mean] = lines(r.stdout);
  t.is(image.file, BABOON);
  t.true(Math.abs((image.niqe as number) - 5.72957338) < 1e-4, `NIQE ${image.niqe}`);
  t.deepEqual(mean, { images: 1, niqe: image.niqe });
});

test("a folder is measured image by image, in sorted order; an image too small prints null, says why, and exits 1", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "pcl-quality-"));
  await copyFile(join(SET5, "HR/bird.png"), join(dir, "a.png"));
  await copyFile(join(SET5, "LR_bicubic/X4/bird.png"), join(dir, "b-small.png"));
  await copyFile(join(SET5, "HR/woman.png"), join(dir, "c.png"));
  const r = await cli(dir, "--json");
  await rm(dir, { recursive: true });
  t.is(r.code, 1);
  const out = lines(r.stdout);
  t.deepEqual(out.map((l) => l.file), [join(dir, "a.png"), join(dir, "b-small.png"), join(dir, "c.png"), undefined]);
  t.is(out[1].niqe, null);
  t.regex(r.stderr, /b-small\.png: niqe: the image is 72x72, which holds 0 blocks of 96x96; NIQE needs at least 2/);
  t.deepEqual(out[3], { images: 2, niqe: ((out[0].niqe as number) + (out[2].niqe as number)) / 2 });
});

test("quality's text output, and its usage errors", async (t) => {
  const text = await cli(BABOON, "--border", "4");
  t.is(text.code, 0, text.stderr);
  t.regex(text.stdout, /baboon\.png {2}492x480 {2}NIQE \d\.\d{4}\nmean of 1 image: NIQE \d\.\d{4}\n/);
  const [psnr, none, border] = await Promise.all([cli(BABOON, "--metrics", "psnr"), cli(), cli(BABOON, "--border", "-1")]);
  t.is(psnr.code, 2);
  t.regex(psnr.stderr, /--metrics: unknown metric 'psnr' \(expected niqe\)/);
  t.is(none.code, 2);
  t.regex(none.stderr, /expected at least one IMAGE or DIR/);
  t.is(border.code, 2);
  const missing = await cli("no/such.png");
  t.is(missing.code, 1);
  t.regex(missing.stderr, /no\/such\.png: cannot read as an image/);
});

test("the measureQuality stage crops the border it is given and refuses a bad one at creation", async (t) => {
  const [plain, cropped] = await Promise.all([0, 4].map((border) => firstValueFrom(from([BABOON]).pipe(measureQuality({ border }), toArray()))));
  t.like(plain[0], { width: 492, height: 480 });
  t.not(plain[0].niqe, cropped[0].niqe);
  t.throws(() => measureQuality({ border: 1.5 }), { message: /measureQuality: border must be an integer >= 0, got 1.5/ });
});
