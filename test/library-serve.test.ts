/**
 * pcl-stream/serve and pcl-stream/eval from code: loadUpscaler, upscaleFile (format from the
 * output's name), upscaleFiles (a custom after-success action, its failure a warning, stop),
 * watchFolder as an Observable stopped by `stop`, evaluateFolder against the published bicubic
 * figures, and the options each checks.
 */
import test from "ava";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastValueFrom, Subject, tap, toArray } from "rxjs";
import sharp from "sharp";
import { useBackend } from "../src/backend/index.js";
import { bicubic, bundledData, evaluateFolder } from "../src/eval/index.js";
import { CheckpointError, loadUpscaler, OptionError, upscaleFile, upscaleFiles, watchFolder, type DoneEvent, type FileEvent } from "../src/serve/index.js";

const tmp = () => mkdtempSync(join(tmpdir(), "pcl-serve-"));
const set5Lr = (name: string) => join(bundledData().set5LrX4, name);

test.before(async () => { await useBackend("cpu"); });

test("loadUpscaler: bicubic at a given scale; a folder that is not a checkpoint is a CheckpointError; bad options throw", async (t) => {
  const model = await loadUpscaler("bicubic", { scale: 2 });
  t.deepEqual([model.name, model.scale], ["bicubic", 2]);
  t.is((await loadUpscaler("bicubic")).scale, 4);
  await t.throwsAsync(loadUpscaler(tmp()), { instanceOf: CheckpointError, message: /not a pcl-stream checkpoint/ });
  await t.throwsAsync(loadUpscaler("bicubic", { scale: 0 }), { instanceOf: OptionError, message: "loadUpscaler: 'scale' must be a positive integer, got 0" });
});

test("upscaleFile: the format follows the output's extension (png when it names none); sizes come back", async (t) => {
  const dir = tmp();
  const model = bicubic(2);
  const size = await upscaleFile(set5Lr("baby.png"), join(dir, "baby.jpg"), model);
  t.deepEqual(size, { width: 128, height: 128, outWidth: 256, outHeight: 256 });
  t.is((await sharp(join(dir, "baby.jpg")).metadata()).format, "jpeg");
  await upscaleFile(set5Lr("bird.png"), join(dir, "bird.out"), model);
  t.is((await sharp(join(dir, "bird.out")).metadata()).format, "png");
  await t.throwsAsync(upscaleFile(set5Lr("bird.png"), join(dir, "x.png"), model, { format: "gif" as never }), { instanceOf: OptionError, message: /'format' must be one of png, jpg, webp, tiff, got "gif"/ });
});

test("upscaleFiles: a custom action after each success, its failure a warning after the done event; outputs beside inputs are not taken as inputs next time", async (t) => {
  const dir = tmp();
  for (const name of ["baby.png", "bird.png"]) writeFileSync(join(dir, name), await sharp(set5Lr(name)).resize(16, 16).png().toBuffer());
  writeFileSync(join(dir, "notes.txt"), "not an image");
  const seen: string[] = [];
  const then = async (done: DoneEvent) => {
    seen.push(`${done.outWidth}x${done.outHeight}`);
    if (done.file.endsWith("bird.png")) throw new Error("no room in the album");
  };
  const events = await lastValueFrom(upscaleFiles(dir, { upscaler: bicubic(2), then, concurrency: 1 }).pipe(toArray()));
  t.deepEqual(events.filter((e) => e.type !== "skipped").map((e) => e.type), ["done", "done", "warning"]);
  t.deepEqual(events.filter((e) => e.type === "skipped").map((e) => (e.type === "skipped" ? e.reason : "")), ["not-an-image"]);
  const birdDone = events.findIndex((e) => e.type === "done" && e.file.endsWith("bird.png"));
  t.is(events[birdDone + 1]?.type, "warning", "the warning follows its done event");
  t.deepEqual(seen, ["32x32", "32x32"]);
  const warning = events.find((e) => e.type === "warning");
  t.regex(warning?.type === "warning" ? warning.message : "", /bird\.png: upscaled, but the after-success action failed \(no room in the album\)/);
  t.deepEqual(readdirSync(dir).sort(), ["baby.png", "baby_x2.png", "bird.png", "bird_x2.png", "notes.txt"]);
  const again = await lastValueFrom(upscaleFiles([dir], { upscaler: bicubic(2) }).pipe(toArray()));
  t.deepEqual(again.map((e) => (e.type === "skipped" ? e.reason : e.type)).sort(), ["not-an-image", "up-to-date", "up-to-date"], "the _x2 outputs are not inputs");
});

test("upscaleFiles: stop skips what has not started; bad options throw at the call", async (t) => {
  const dir = tmp();
  for (const name of ["baby.png", "bird.png", "butterfly.png"]) writeFileSync(join(dir, name), await sharp(set5Lr(name)).resize(16, 16).png().toBuffer());
  const stop = new Subject<void>();
  const events = await lastValueFrom(upscaleFiles(dir, { upscaler: bicubic(2), outDir: join(dir, "out"), concurrency: 1, stop }).pipe(
    tap((e) => { if (e.type === "done") stop.next(); }),
    toArray(),
  ));
  t.is(events.filter((e) => e.type === "done").length, 1);
  t.deepEqual(events.filter((e) => e.type === "skipped").map((e) => (e.type === "skipped" ? e.reason : "")), ["stopping", "stopping"]);
  const upscaler = bicubic(2);
  t.throws(() => upscaleFiles([], { upscaler }), { instanceOf: OptionError, message: /'inputs' must be a file or folder path, or a non-empty array/ });
  t.throws(() => upscaleFiles(dir, { upscaler, then: "move" }), { instanceOf: OptionError, message: /'moveDir' must be a folder path when then is "move"/ });
  t.throws(() => upscaleFiles(dir, { upscaler, suffix: "a/b" }), { instanceOf: OptionError, message: /'suffix' must be a string without path separators/ });
  t.throws(() => upscaleFiles(dir, { upscaler, tile: 16, overlap: 8 }), { instanceOf: OptionError, message: /'tile' must be more than twice overlap \(8\), got 16/ });
  t.throws(() => upscaleFiles(dir, { upscaler: "bicubic" as never }), { instanceOf: OptionError, message: /'upscaler' must be an Upscaler/ });
});

test("watchFolder: an Observable of the watch's events; `stop` lets the file in flight finish and completes it", async (t) => {
  const dir = tmp();
  const inDir = join(dir, "in"), outDir = join(dir, "out");
  mkdirSync(inDir);
  writeFileSync(join(inDir, "baby.png"), await sharp(set5Lr("baby.png")).resize(16, 16).png().toBuffer());
  const stop = new Subject<void>();
  const events: FileEvent[] = await lastValueFrom(watchFolder({ inDir, outDir, upscaler: bicubic(2), stop, stabilityMs: 100, pollMs: 20 }).pipe(
    tap((e) => { if (e.type === "done") stop.next(); }),
    toArray(),
  ));
  t.deepEqual(events.map((e) => e.type), ["watching", "done"]);
  t.deepEqual(readdirSync(outDir).sort(), ["baby_x2.png"]);
  t.throws(() => watchFolder({ outDir, upscaler: bicubic(2) } as never), { instanceOf: OptionError, message: /watchFolder: 'inDir' must be a folder path, got undefined/ });
  t.throws(() => watchFolder({ inDir, outDir, upscaler: bicubic(2), stabilityMs: -1 }), { instanceOf: OptionError, message: /'stabilityMs'/ });
});

test("evaluateFolder: bicubic on the bundled Set5 gives the published conventions' figures (28.43 dB / 0.8113; tables: 28.42 / 0.8104)", async (t) => {
  const { summary, images } = await evaluateFolder(bicubic(4), bundledData().set5);
  t.is(summary.images, 5);
  t.is(images.length, 5);
  t.is(summary.psnr.toFixed(2), "28.43");
  t.is(summary.ssim.toFixed(4), "0.8113");
  const shipped = await evaluateFolder(bicubic(4), bundledData().set5, { lrDir: bundledData().set5LrX4 });
  t.is(shipped.summary.psnr.toFixed(6), summary.psnr.toFixed(6), "the LR made here equals the shipped MATLAB LR");
  await t.throwsAsync(evaluateFolder(bicubic(4), bundledData().set5, { scale: 2 }), { instanceOf: RangeError, message: /upscales x4, but the scale is 2/ });
  await t.throwsAsync(async () => evaluateFolder(bicubic(4), bundledData().set5, { selfEnsemble: "yes" as never }), { instanceOf: OptionError });
});
