/**
 * The watch-folder pipeline in a temp folder with a tiny model: backlog, live drops, bad files,
 * failed.jsonl, restart without redoing anything, temp-file cleanup, stop semantics, and the
 * CLI under SIGINT.
 */
import test from "ava";
import { observeWatch } from "./helpers/observe-watch.js";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { spawn } from "node:child_process";
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { lastValueFrom, of, Subject, toArray } from "rxjs";
import sharp from "sharp";
import { encodeImage, type DecodedImage } from "../src/io/image.js";
import { afterSuccess, isIgnoredName, sniffImageFormat, upscaleEach, type FileEvent, type Step, type WatchFolderOptions } from "../src/pipelines/watch/index.js";
import { tinyConvUpscaler } from "./helpers/tiny-conv-upscaler.js";

test.before(async () => {
  await tf.setBackend("cpu");
  await tf.ready();
});

/** A file counts as written after 400 ms without growing: far above the 25 ms gaps of the slow writer below, even on a loaded machine. */
const FAST = { stabilityMs: 400, pollMs: 25 } as const;

/** Subscribes to a watch and lets a test wait for events (15 s per wait here). */
function observe(options: WatchFolderOptions) {
  const w = observeWatch(options, 15000);
  return { ...w, finalOf: w.of };
}

function image(width: number, height: number, channels: 1 | 2 | 3 | 4, bitDepth: 8 | 16 = 8, seed = 1): Omit<DecodedImage, "format"> {
  const n = width * height * channels, max = bitDepth === 16 ? 65535 : 255;
  const data = bitDepth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.round(max * (0.5 + 0.4 * Math.sin(i * 0.37 + seed)));
  return { width, height, channels, bitDepth, data };
}

interface Expected { readonly name: string; readonly output: string; readonly format: string; readonly size: readonly [number, number]; readonly channels: number; readonly depth?: string }

test.serial("watch: backlog and live drops each get exactly one output; bad files are recorded and the watch goes on; a restart redoes nothing", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "pcl-watch-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const IN = join(dir, "in"), OUT = join(dir, "out");
  await mkdir(join(IN, "sub"), { recursive: true });
  await mkdir(OUT, { recursive: true });
  const upscaler = tinyConvUpscaler(2);
  t.teardown(() => upscaler.dispose());
  const put = async (name: string, bytes: Buffer | string) => writeFile(join(IN, name), bytes);
  const enc = (img: Omit<DecodedImage, "format">, f: "png" | "jpg" | "webp" | "tiff") => encodeImage(img, f);

  // The backlog, present before the watch starts.
  await put("a.png", await enc(image(16, 12, 3), "png"));
  await put("b.jpg", await enc(image(20, 16, 3, 8, 2), "jpg"));
  await put("c.webp", await enc(image(18, 18, 3, 8, 3), "webp"));
  await put("gray.png", await enc(image(16, 16, 1), "png"));
  await put("rgba.png", await enc(image(12, 20, 4), "png"));
  await put("deep.png", await enc(image(16, 16, 3, 16), "png"));
  await put("e.jpeg", await enc(image(24, 16, 3, 8, 5), "jpg"));
  await put("scan.tif", await enc(image(16, 16, 3, 8, 6), "tiff"));
  await put("no-extension", await enc(image(16, 16, 3, 8, 7), "png"));
  await put("corrupt.png", Buffer.from("\x89PNG\r\n\x1a\n this is not really a png"));
  await put("empty.png", "");
  await put("notes.txt", "not an image");
  await put("anim.gif", Buffer.from("GIF89a\x01\x00\x01\x00\x00\x00\x00;", "latin1"));
  await put(".hidden.png", await enc(image(16, 16, 3), "png"));
  await put("Thumbs.db", "junk");
  await put("movie.mp4.part", "partial");
  await put("download.png.crdownload", "partial");
  await put(join("sub", "nested.png"), await enc(image(16, 16, 3), "png")); // not recursive: ignored
  await writeFile(join(OUT, ".pcl-tmp-deadbeef-a_x2.png"), "left by a crash");

  const before = tf.memory().numTensors;
  const w = observe({ inDir: IN, outDir: OUT, upscaler, concurrency: 2, tile: 12, ...FAST });
  t.teardown(() => w.handle.stop());
  await w.until((es) => es.some((e) => e.type === "watching"), "watching");

  // Live drops: a valid image, one written slowly in chunks, and a corrupt one.
  await put("live.png", await enc(image(20, 20, 3, 8, 8), "png"));
  const slow = await enc(image(32, 24, 3, 8, 9), "png");
  for (let i = 0; i < 6; i++) {
    await appendFile(join(IN, "slow.png"), slow.subarray(Math.floor((i * slow.length) / 6), Math.floor(((i + 1) * slow.length) / 6)));
    await sleep(25);
  }
  await put("broken.jpg", Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 1, 2, 3, 4]));

  const expected: Expected[] = [
    { name: "a.png", output: "a_x2.png", format: "png", size: [32, 24], channels: 3 },
    { name: "b.jpg", output: "b_x2.jpg", format: "jpeg", size: [40, 32], channels: 3 },
    { name: "c.webp", output: "c_x2.webp", format: "webp", size: [36, 36], channels: 3 },
    { name: "gray.png", output: "gray_x2.png", format: "png", size: [32, 32], channels: 1 },
    { name: "rgba.png", output: "rgba_x2.png", format: "png", size: [24, 40], channels: 4 },
    { name: "deep.png", output: "deep_x2.png", format: "png", size: [32, 32], channels: 3, depth: "ushort" },
    { name: "e.jpeg", output: "e_x2.jpeg", format: "jpeg", size: [48, 32], channels: 3 },
    { name: "scan.tif", output: "scan_x2.tif", format: "tiff", size: [32, 32], channels: 3 },
    { name: "no-extension", output: "no-extension_x2.png", format: "png", size: [32, 32], channels: 3 },
    { name: "live.png", output: "live_x2.png", format: "png", size: [40, 40], channels: 3 },
    { name: "slow.png", output: "slow_x2.png", format: "png", size: [64, 48], channels: 3 },
  ];
  const bad = ["corrupt.png", "empty.png", "anim.gif", "broken.jpg"];
  const all = [...expected.map((e) => e.name), ...bad, "notes.txt"].map((n) => join(IN, n));
  await w.until((es) => all.every((f) => es.some((e) => "file" in e && e.file === f)), "one event per file");

  for (const e of expected) {
    const events = w.finalOf(join(IN, e.name));
    t.deepEqual(events.map((x) => x.type), ["done"], `${e.name}: ${JSON.stringify(events)}`);
    const meta = await sharp(join(OUT, e.output)).metadata();
    t.deepEqual([meta.format, meta.width, meta.height, meta.channels], [e.format, ...e.size, e.channels], e.name);
    if (e.depth) t.is(meta.depth as string | undefined, e.depth, `${e.name} stays 16-bit`);
  }
  for (const name of bad) t.deepEqual(w.finalOf(join(IN, name)).map((x) => x.type), ["failed"], name);
  t.deepEqual(w.finalOf(join(IN, "notes.txt")), [{ type: "skipped", file: join(IN, "notes.txt"), reason: "not-an-image" }]);
  t.true(w.events.some((e) => e.type === "warning" && e.message.includes(".pcl-tmp-deadbeef")), "leftover temp file reported");
  const ignored = [".hidden.png", "Thumbs.db", "movie.mp4.part", "download.png.crdownload", join("sub", "nested.png")].map((n) => join(IN, n));
  t.false(w.events.some((e) => "file" in e && ignored.includes(e.file)), "ignored names never reach the pipeline");

  const outFiles = (await readdir(OUT)).sort();
  t.deepEqual(outFiles, [...expected.map((e) => e.output), "failed.jsonl"].sort(), "exactly the outputs, no temp files, no extras");
  const log = (await readFile(join(OUT, "failed.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { file: string; error: string; time: string });
  t.deepEqual(log.map((r) => r.file).sort(), bad.map((n) => join(IN, n)).sort());
  t.true(log.every((r) => r.error.length > 0 && !Number.isNaN(Date.parse(r.time))));
  t.regex(log.find((r) => r.file.endsWith("empty.png"))!.error, /empty/);
  t.regex(log.find((r) => r.file.endsWith("anim.gif"))!.error, /unsupported image format gif/);

  // Still running after the failures: one more file is processed.
  await put("after.webp", await enc(image(10, 10, 3, 8, 10), "webp"));
  await w.until((es) => es.some((e) => e.type === "done" && e.file === join(IN, "after.webp")), "after.webp");
  w.handle.stop();
  await w.done;
  t.is(tf.memory().numTensors, before, "no tensors left behind");

  // Restart: nothing is done twice, failures are not retried.
  const r = observe({ inDir: IN, outDir: OUT, upscaler, ...FAST });
  t.teardown(() => r.handle.stop());
  const files = [...all, join(IN, "after.webp")];
  await r.until((es) => files.every((f) => es.some((e) => "file" in e && e.file === f)), "restart: one event per file");
  t.false(r.events.some((e) => e.type === "done" || e.type === "failed"), JSON.stringify(r.events.filter((e) => e.type === "done" || e.type === "failed")));
  t.is(r.events.filter((e) => e.type === "skipped" && e.reason === "failed-before").length, bad.length);
  // A failed file that is fixed (changed) is tried again; an input newer than its output is redone.
  await put("corrupt.png", await enc(image(8, 8, 3), "png"));
  const later = new Date(Date.now() + 5000);
  await utimes(join(IN, "a.png"), later, later);
  await r.until((es) => ["corrupt.png", "a.png"].every((n) => es.some((e) => e.type === "done" && e.file === join(IN, n))), "fixed and touched files redone");
  t.is((await sharp(join(OUT, "corrupt_x2.png")).metadata()).width, 16);
  t.true(Math.abs((await stat(join(OUT, "a_x2.png"))).mtimeMs - later.getTime()) < 1, "output stamped with the input's mtime");
  r.handle.stop();
  await r.done;
  // failed.jsonl holds each file's latest outcome: the fixed file's line is gone, nothing new came.
  const after = (await readFile(join(OUT, "failed.jsonl"), "utf8")).trim().split("\n").map((l) => (JSON.parse(l) as { file: string }).file);
  t.deepEqual(after.sort(), bad.filter((n) => n !== "corrupt.png").map((n) => join(IN, n)).sort());
  t.regex((r.events.find((e) => e.type === "done" && e.file === join(IN, "corrupt.png")) as { clearedFailure?: string }).clearedFailure ?? "", /.+/, "the done event says a failure was cleared");
});

test.serial("stop: files in flight finish, queued ones are not started, and the stream completes", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "pcl-watch-stop-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const IN = join(dir, "in");
  await mkdir(IN);
  for (let i = 0; i < 5; i++) await writeFile(join(IN, `f${i}.png`), await encodeImage(image(4, 4, 3, 8, i), "png"));
  const started: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((res) => (release = res));
  const job = async (img: { file: string }) => {
    started.push(img.file);
    await gate;
    return { width: 4, height: 4, outWidth: 8, outHeight: 8 };
  };
  const w = observe({ inDir: IN, outDir: join(dir, "out"), upscaler: tinyConvUpscaler(2), job, concurrency: 2, ...FAST });
  t.teardown(() => { w.handle.stop(); release(); });
  await w.until(() => started.length === 2, "two jobs in flight");
  await sleep(FAST.stabilityMs + 300); // every file has been found and queued by now
  t.true(w.events.some((e) => e.type === "watching"), "events do not wait behind busy upscaling slots");
  w.handle.stop();
  release();
  await w.done;
  t.is(started.length, 2, "no job started after stop");
  t.is(w.events.filter((e) => e.type === "done").length, 2);
  t.is(w.events.filter((e) => e.type === "skipped" && e.reason === "stopping").length, 3);
});

test("upscaleEach: a job that throws becomes a failed event and the others go on; one version of a file never runs twice at once", async (t) => {
  const calls: string[] = [];
  const job = async (img: { file: string }) => {
    calls.push(img.file);
    await sleep(20);
    if (img.file === "bad") throw new Error("boom");
    return { width: 1, height: 1, outWidth: 2, outHeight: 2 };
  };
  const pending = (file: string, mtimeMs = 1): Step => ({ type: "image", file, root: "/", format: "png", outputFormat: "png", output: `${file}.out`, size: 1, mtimeMs });
  const out = await lastValueFrom(of(pending("a"), pending("bad"), pending("a"), pending("b"), pending("a", 2)).pipe(upscaleEach(job, { concurrency: 3 }), toArray()));
  t.deepEqual(calls.sort(), ["a", "a", "b", "bad"], "the duplicate version of a is dropped, the new version runs");
  t.deepEqual(out.map((e) => e.type).sort(), ["done", "done", "done", "failed"]);
  t.is((out.find((e) => e.type === "failed") as { error: string }).error, "boom");
  t.throws(() => upscaleEach(job, { concurrency: 0 }), { message: /concurrency must be a positive integer/ });
  // Early disposal: unsubscribing mid-stream is clean (no late emissions).
  const src = new Subject<Step>();
  const seen: Step[] = [];
  const sub = src.pipe(upscaleEach(job, { concurrency: 1 })).subscribe((e) => seen.push(e));
  src.next(pending("x"));
  sub.unsubscribe();
  await sleep(50);
  t.deepEqual(seen, []);
});

test("names and magic bytes", (t) => {
  for (const name of [".DS_Store", "Thumbs.db", "desktop.ini", "a.jpg.part", "b.crdownload", "c.tmp", ".pcl-tmp-x-a.png"]) t.true(isIgnoredName(name), name);
  for (const name of ["photo.jpg", "IMG_0001.PNG", "scan.tif", "no-ext"]) t.false(isIgnoredName(name), name);
  const bytes = (...b: number[]) => new Uint8Array([...b, ...new Array(16).fill(0)]);
  t.deepEqual(sniffImageFormat(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)), { kind: "image", format: "png" });
  t.deepEqual(sniffImageFormat(bytes(0xff, 0xd8, 0xff, 0xdb)), { kind: "image", format: "jpeg" });
  t.deepEqual(sniffImageFormat(new TextEncoder().encode("RIFF\0\0\0\0WEBPVP8 ")), { kind: "image", format: "webp" });
  t.deepEqual(sniffImageFormat(bytes(0x4d, 0x4d, 0x00, 0x2a)), { kind: "image", format: "tiff" });
  t.deepEqual(sniffImageFormat(new TextEncoder().encode("GIF89a......")), { kind: "unsupported", format: "gif" });
  t.deepEqual(sniffImageFormat(new TextEncoder().encode("hello world!")), { kind: "unknown" });
  t.deepEqual(sniffImageFormat(new Uint8Array(0)), { kind: "unknown" });
});

test.serial("CLI: pcl-stream watch upscales a file, then exits 0 on SIGINT", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "pcl-watch-cli-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const IN = join(dir, "in"), OUT = join(dir, "out");
  await mkdir(IN);
  await writeFile(join(IN, "x.png"), await encodeImage(image(8, 8, 3), "png"));
  const bin = resolve("bin/pcl-stream.js");
  const child = spawn(process.execPath, [bin, "watch", IN, OUT, "--model", "bicubic", "--scale", "2", "--stable-ms", "100", "--json", "--backend", "cpu"], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no 'done' line; stdout: ${stdout}\nstderr: ${stderr}`)), 20000);
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('"type":"done"')) { clearTimeout(timer); res(); }
    });
  });
  child.kill("SIGINT");
  t.is(await exit, 0, stderr);
  const done = stdout.trim().split("\n").map((l) => JSON.parse(l) as FileEvent).filter((e) => e.type === "done");
  t.is(done.length, 1);
  t.is((await sharp(join(OUT, "x_x2.png")).metadata()).width, 16);
});

test("then move / delete act on inputs only after success, mirroring subfolders; keep leaves them", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "pcl-watch-then-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const IN = join(dir, "in");
  await mkdir(join(IN, "sub"), { recursive: true });
  for (const f of ["ok.png", join("sub", "ok2.png"), "bad.png", "gone.png"]) await writeFile(join(IN, f), "x");
  const done = (file: string): Step => ({ type: "done", file: join(IN, file), output: "o", width: 1, height: 1, outWidth: 2, outHeight: 2, ms: 1 });
  const failed: Step = { type: "failed", file: join(IN, "bad.png"), error: "boom" };
  const moved = await lastValueFrom(of(done("ok.png"), done(join("sub", "ok2.png")), failed).pipe(afterSuccess({ then: "move", moveDir: join(dir, "moved"), root: IN }), toArray()));
  t.is(moved.length, 3);
  t.deepEqual((await readdir(IN)).sort(), ["bad.png", "gone.png", "sub"]);
  t.deepEqual(await readdir(join(IN, "sub")), []);
  t.deepEqual((await readdir(join(dir, "moved"))).sort(), ["ok.png", "sub"]);
  t.deepEqual(await readdir(join(dir, "moved", "sub")), ["ok2.png"]);
  await rm(join(IN, "gone.png"));
  const deleted = await lastValueFrom(of(done("bad.png"), done("gone.png")).pipe(afterSuccess({ then: "delete" }), toArray()));
  t.deepEqual(deleted.map((e) => e.type), ["done", "done", "warning"], "a delete that fails is a warning, not a crash");
  t.deepEqual(await readdir(IN), ["sub"]);
  t.throws(() => afterSuccess({ then: "move" }), { message: /needs a moveDir/ });
});
