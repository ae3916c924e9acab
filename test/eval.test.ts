import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import test from "ava";
import { firstValueFrom, from, toArray } from "rxjs";
import { bicubicUpscaler } from "../src/model/bicubic.js";
import { evaluate, setName, type EvalEvent } from "../src/pipelines/evaluate.js";
import { useCpu } from "./helpers/ops-testing.js";

test.before(useCpu);

const ROOT = fileURLToPath(new URL("..", import.meta.url));
// Set5 (HR and the standard MATLAB LR x4) is bundled in data/set5; ../shared has the same files.
const SET5 = fileURLToPath(new URL("../data/set5/", import.meta.url));

const cli = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["bin/pcl-stream.js", "eval", ...args], { cwd: ROOT, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number | null; signal: string | null; stdout: string; stderr: string };
    return { code: e.code ?? e.signal, stdout: e.stdout, stderr: e.stderr };
  }
};

const jsonLines = (stdout: string) => stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { set: string; images: number; psnr: number; ssim: number });

test("eval --model bicubic on set5 x4 reproduces the published Bicubic row (28.42 / 0.8104)", async (t) => {
  // The cpu backend pins the numbers (others agree to ~1e-5 dB); the acceptance command picks its own.
  const made = await cli("--model", "bicubic", "--data", join(SET5, "HR"), "--scale", "4", "--json", "--backend", "cpu");
  t.is(made.code, 0, made.stderr);
  const lines = made.stdout.trim().split("\n");
  t.is(lines.length, 1, "exactly one line per set");
  const [row] = jsonLines(made.stdout);
  t.log(row);
  t.like(row, { set: "set5", images: 5 });
  t.true(row.psnr >= 28.42 && row.psnr <= 28.44, `PSNR ${row.psnr}`);
  t.true(row.ssim >= 0.81 && row.ssim <= 0.812, `SSIM ${row.ssim}`);

  const shipped = await cli("--model", "bicubic", "--data", join(SET5, "HR"), "--lr-dir", join(SET5, "LR_bicubic/X4"), "--json", "--backend", "cpu");
  t.is(shipped.code, 0, shipped.stderr);
  const [lrRow] = jsonLines(shipped.stdout);
  t.true(Math.abs(lrRow.psnr - row.psnr) <= 0.01, `with --lr-dir ${lrRow.psnr} vs ${row.psnr}`);
});

test("eval --metrics psnr,ssim,niqe adds the NIQE of SR, HR and bicubic to each set's line", async (t) => {
  const r = await cli("--model", "bicubic", "--data", join(SET5, "HR"), "--scale", "4", "--metrics", "psnr,ssim,niqe", "--json", "--backend", "cpu");
  t.is(r.code, 0, r.stderr);
  const [row] = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
  t.log(row);
  t.true(row.psnr >= 28.42 && row.psnr <= 28.44 && row.ssim > 0.81, "PSNR and SSIM as without --metrics");
  t.is(row.niqeImages, 5);
  // The model is bicubic: its SR and the reference bicubic agree (the tensor and typed-array resizes may round a pixel apart).
  t.true(Math.abs(row.niqe - row.niqeBicubic) < 0.01, `${row.niqe} vs ${row.niqeBicubic}`);
  t.true(row.niqeHr < row.niqe - 1, `HR ${row.niqeHr} should look more natural than bicubic ${row.niqe}`);
  const only = await cli("--model", "bicubic", "--data", join(SET5, "HR"), "--metrics", "niqe", "--json", "--backend", "cpu");
  t.deepEqual(Object.keys(JSON.parse(only.stdout) as object), ["set", "images", "niqe", "niqeHr", "niqeBicubic", "niqeImages", "model", "scale", "selfEnsemble"]);
  const bad = await cli("--model", "bicubic", "--data", "x", "--metrics", "psnr,lpips");
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--metrics: unknown metric 'lpips' \(expected psnr, ssim, niqe\)/);
});

test("eval reports bad input naming the flag or the file, with a nonzero exit code", async (t) => {
  const empty = await mkdtemp(join(tmpdir(), "pcl-eval-empty-"));
  const [unknown, noModel, missing, none] = await Promise.all([
    cli("--model", "bicubic", "--data", "x", "--bogus"),
    cli("--data", "x"),
    cli("--model", "bicubic", "--data", "no/such/folder", "--backend", "cpu"),
    cli("--model", "bicubic", "--data", empty, "--backend", "cpu"),
  ]);
  await rm(empty, { recursive: true });
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /Unknown option '--bogus'/);
  t.is(noModel.code, 2);
  t.regex(noModel.stderr, /--model is required/);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /no\/such\/folder: cannot list the folder/);
  t.is(none.code, 1);
  t.regex(none.stderr, /no image files found/);
});

test("the evaluate stage pairs <name>x<scale> LR files, refuses a mismatching LR size, and saves the SR", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "pcl-eval-"));
  await mkdir(join(dir, "mini/HR"), { recursive: true });
  await mkdir(join(dir, "lr"));
  await copyFile(join(SET5, "HR/woman.png"), join(dir, "mini/HR/woman.png"));
  await copyFile(join(SET5, "LR_bicubic/X4/woman.png"), join(dir, "lr/womanx4.png"));
  const run = (lrDir?: string, saveDir?: string) =>
    firstValueFrom(from([{ hrDir: join(dir, "mini/HR"), ...(lrDir ? { lrDir } : {}) }]).pipe(
      evaluate(bicubicUpscaler(4), { scale: 4, ...(saveDir ? { saveDir } : {}) }), toArray()));

  const made = await run(undefined, join(dir, "sr"));
  const paired = await run(join(dir, "lr"));
  t.deepEqual(made.map((e: EvalEvent) => e.kind), ["image", "set"]);
  t.like(made[1], { kind: "set", set: "mini", images: 1 });
  t.true(Math.abs(made[0].psnr - paired[0].psnr) <= 0.01);
  t.deepEqual(await readdir(join(dir, "sr/mini")), ["woman.png"]);

  await copyFile(join(SET5, "LR_bicubic/X4/baby.png"), join(dir, "lr/woman.png")); // an exact name wins, and it is 128x128
  await t.throwsAsync(run(join(dir, "lr")), { message: /lr\/woman\.png: LR image is 128x128, expected 57x86/ });
  await rm(dir, { recursive: true });
});

test("a set is named after its folder, or the parent of an HR folder", (t) => {
  t.is(setName("../shared/data/set5/HR"), "set5");
  t.is(setName("data/urban100/hr/"), "urban100");
  t.is(setName("data/B100"), "B100");
});
