/**
 * The watch folder's edge cases: a writer that pauses longer than the stability window, failed.jsonl
 * holding each file's latest outcome, two inputs that would write one output, an input replaced or
 * deleted while it is read, a read-only output folder and a full disk (a small tmpfs, mounted when
 * the tests run as root), each retried after its back-off.
 */
import test from "ava";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { execFileSync } from "node:child_process";
import { appendFile, chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { lastValueFrom, toArray } from "rxjs";
import sharp from "sharp";
import { encodeImage, type DecodedImage } from "../src/io/image.js";
import { imageJob, listFiles, loggedFiles, readFailedLog, removeFailures, spread, upscaleFiles, type FileEvent, type ImageJob } from "../src/pipelines/watch/index.js";
import { tinyConvUpscaler } from "./helpers/tiny-conv-upscaler.js";
import { observeWatch } from "./helpers/observe-watch.js";

test.before(async () => {
  await tf.setBackend("cpu");
  await tf.ready();
});

const isRoot = process.getuid?.() === 0;

/** Whether this process may mount a tmpfs (root, with the capability: not in every container). Tried once at load time. */
const canMountTmpfs = ((): boolean => {
  if (!isRoot) return false;
  const probe = mkdtempSync(join(tmpdir(), "pcl-mount-probe-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe], { stdio: "ignore" });
    execFileSync("umount", [probe], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
})();

function image(width: number, height: number, seed = 1, noise = false): Omit<DecodedImage, "format"> {
  const data = new Uint8Array(width * height * 3);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    data[i] = noise ? s >>> 24 : Math.round(255 * (0.5 + 0.4 * Math.sin(i * 0.37 + seed)));
  }
  return { width, height, channels: 3, bitDepth: 8, data };
}

async function folders(t: { teardown: (fn: () => Promise<void>) => void }, prefix: string) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const IN = join(dir, "in"), OUT = join(dir, "out");
  await mkdir(IN);
  return { dir, IN, OUT };
}

const readLog = async (OUT: string): Promise<Array<{ file: string; error: string; code?: string }>> =>
  existsSync(join(OUT, "failed.jsonl")) ? (await readFile(join(OUT, "failed.jsonl"), "utf8")).trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];

const types = (events: FileEvent[]): string[] => events.map((e) => (e.type === "skipped" ? `skipped:${e.reason}` : e.type));

test.serial("a writer that pauses longer than the stability window: its file is upscaled once, nothing is recorded as failed", async (t) => {
  const { IN, OUT } = await folders(t, "pcl-watch-pause-");
  const up = tinyConvUpscaler(2);
  t.teardown(() => up.dispose());
  const w = observeWatch({ inDir: IN, outDir: OUT, upscaler: up, stabilityMs: 150, pollMs: 25, incompleteGraceMs: 4000 });
  t.teardown(() => w.handle.stop());
  await w.until((es) => es.some((e) => e.type === "watching"), "watching");
  const bytes = await encodeImage(image(40, 30, 3), "png");
  const file = join(IN, "paused.png");
  await writeFile(file, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
  await sleep(700); // > stabilityMs: the watcher hands the cut-short file on
  await appendFile(file, bytes.subarray(Math.floor(bytes.length * 0.4)));
  await w.until((es) => es.some((e) => e.type === "done" && e.file === file), "done");
  await sleep(400);
  const mine = w.of(file);
  t.is(mine.filter((e) => e.type === "done").length, 1, JSON.stringify(mine));
  t.false(mine.some((e) => e.type === "failed"), JSON.stringify(mine));
  t.deepEqual(await readLog(OUT), []);
  t.deepEqual([(await sharp(join(OUT, "paused_x2.png")).metadata()).width], [80]);
});

test.serial("a writer paused past the grace period: the failure is recorded, and the file's later success removes it from failed.jsonl", async (t) => {
  const { IN, OUT } = await folders(t, "pcl-watch-grace-");
  const up = tinyConvUpscaler(2);
  t.teardown(() => up.dispose());
  const w = observeWatch({ inDir: IN, outDir: OUT, upscaler: up, stabilityMs: 150, pollMs: 25, incompleteGraceMs: 150 });
  t.teardown(() => w.handle.stop());
  await w.until((es) => es.some((e) => e.type === "watching"), "watching");
  const bytes = await encodeImage(image(40, 30, 4), "png");
  const file = join(IN, "stalled.png");
  await writeFile(join(IN, "other.png"), await encodeImage(image(10, 10, 5), "png"));
  await writeFile(file, bytes.subarray(0, Math.floor(bytes.length * 0.5)));
  await w.until((es) => es.some((e) => e.type === "failed" && e.file === file), "the cut-short version fails");
  t.regex((w.of(file).find((e) => e.type === "failed") as { error: string }).error, /incomplete or corrupt png/);
  t.deepEqual((await readLog(OUT)).map((r) => r.file), [file]);
  await appendFile(file, bytes.subarray(Math.floor(bytes.length * 0.5)));
  await w.until((es) => es.some((e) => e.type === "done" && e.file === file), "the completed version");
  const done = w.of(file).find((e) => e.type === "done") as { clearedFailure?: string };
  t.regex(done.clearedFailure ?? "", /incomplete or corrupt png/, "the done event names the failure it cleared");
  t.deepEqual(await readLog(OUT), [], "failed.jsonl holds the latest outcome: no failure");
  t.deepEqual(types(w.of(join(IN, "other.png"))), ["done"]);
});

test.serial("two inputs that would write one output are both refused before either is upscaled, each naming the other (watch and upscale)", async (t) => {
  const { dir, IN, OUT } = await folders(t, "pcl-watch-collide-");
  const up = tinyConvUpscaler(2);
  t.teardown(() => up.dispose());
  await writeFile(join(IN, "a.png"), await encodeImage(image(12, 12, 1), "png"));
  await writeFile(join(IN, "a.jpg"), await encodeImage(image(12, 12, 2), "jpg"));
  await writeFile(join(IN, "b.png"), await encodeImage(image(12, 12, 3), "png"));
  const w = observeWatch({ inDir: IN, outDir: OUT, upscaler: up, format: "png", stabilityMs: 100, pollMs: 25 });
  t.teardown(() => w.handle.stop());
  await w.until((es) => ["a.png", "a.jpg", "b.png"].every((n) => w.of(join(IN, n)).length > 0), "one event per file");
  for (const [mine, other] of [["a.png", "a.jpg"], ["a.jpg", "a.png"]]) {
    const events = w.of(join(IN, mine));
    t.deepEqual(types(events), ["failed"], mine);
    t.regex((events[0] as { error: string }).error, new RegExp(`a_x2\\.png would also be written from .*${other.replace(".", "\\.")}`));
  }
  t.deepEqual(types(w.of(join(IN, "b.png"))), ["done"]);
  t.false(existsSync(join(OUT, "a_x2.png")), "neither input wrote the shared output");
  w.handle.stop();
  await w.done;

  // upscale: files named on the command line from two folders into one OUT.
  await mkdir(join(dir, "other"));
  await writeFile(join(dir, "other", "b.png"), await encodeImage(image(12, 12, 4), "png"));
  const out2 = join(dir, "out2");
  const events = await lastValueFrom(listFiles([join(IN, "b.png"), join(dir, "other", "b.png")]).pipe(
    upscaleFiles(imageJob(up), { naming: { outDir: out2, suffix: "_x2", format: "same" }, overwrite: false, concurrency: 2 }), toArray()));
  t.deepEqual(types(events), ["failed", "failed"]);
  t.false(existsSync(join(out2, "b_x2.png")));
});

test.serial("an input replaced or deleted while it is read: that version is dropped (no output committed, nothing recorded), a replacement is upscaled, the watch goes on", async (t) => {
  const { IN, OUT } = await folders(t, "pcl-watch-midread-");
  const up = tinyConvUpscaler(2);
  t.teardown(() => up.dispose());
  const real = imageJob(up);
  const touched = new Set<string>();
  const replacement = await encodeImage(image(22, 14, 9), "png");
  // The job changes the file under itself on its first run: what a user saving over it, or deleting it, does mid-read.
  const job: ImageJob = async (img) => {
    if (!touched.has(img.file)) {
      touched.add(img.file);
      if (img.file.endsWith("replaced.png")) {
        const run = real(img);
        await writeFile(img.file, replacement);
        return run;
      }
      if (img.file.endsWith("deleted.png")) await rm(img.file);
    }
    return real(img);
  };
  await writeFile(join(IN, "replaced.png"), await encodeImage(image(16, 16, 7), "png"));
  await writeFile(join(IN, "deleted.png"), await encodeImage(image(16, 16, 8), "png"));
  await writeFile(join(IN, "fine.png"), await encodeImage(image(16, 16, 6), "png"));
  const w = observeWatch({ inDir: IN, outDir: OUT, upscaler: up, job, stabilityMs: 100, pollMs: 25 });
  t.teardown(() => w.handle.stop());
  await w.until((es) => es.some((e) => e.type === "done" && e.file === join(IN, "replaced.png")) && w.of(join(IN, "deleted.png")).length > 0 && w.of(join(IN, "fine.png")).length > 0, "events");
  t.deepEqual(types(w.of(join(IN, "replaced.png"))), ["skipped:changed", "done"]);
  t.deepEqual(types(w.of(join(IN, "deleted.png"))), ["skipped:gone"]);
  t.deepEqual(types(w.of(join(IN, "fine.png"))), ["done"]);
  t.is((await sharp(join(OUT, "replaced_x2.png")).metadata()).width, 44, "the output is the replacement's");
  t.deepEqual((await readdir(OUT)).sort(), ["fine_x2.png", "replaced_x2.png"], "no output for the deleted file, no temp files, no failed.jsonl");
});

/** Mounts a tmpfs of `size` at `dir` (root only); returns a remount function and unmounts on teardown. */
function tmpfs(t: { teardown: (fn: () => void) => void }, dir: string, size: string) {
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  t.teardown(() => { try { execFileSync("umount", ["-l", dir]); } catch { /* already gone */ } });
  return (options: string) => execFileSync("mount", ["-o", `remount,${options}`, dir]);
}

// Root without the right to mount cannot make a folder it cannot write to: skipped then.
(canMountTmpfs || !isRoot ? test.serial : test.serial.skip)("a read-only output folder: the failure is recorded (or warned), no partial output, the input untouched, and the file is retried after the back-off", async (t) => {
  const { dir, IN } = await folders(t, "pcl-watch-ro-");
  const mnt = join(dir, "mnt");
  await mkdir(mnt);
  const OUT = join(mnt, "out");
  let makeReadOnly: () => Promise<void>, makeWritable: () => Promise<void>;
  if (canMountTmpfs) {
    const remount = tmpfs(t, mnt, "4m");
    makeReadOnly = async () => { remount("ro"); };
    makeWritable = async () => { remount("rw"); };
  } else {
    t.log("not root: the read-only folder is a chmod 555 one (EACCES) instead of a read-only tmpfs (EROFS)");
    makeReadOnly = () => chmod(OUT, 0o555);
    makeWritable = () => chmod(OUT, 0o755);
  }
  const up = tinyConvUpscaler(2);
  t.teardown(() => up.dispose());
  // The back-off outlasts the checks below, so no retry is writing while they look at OUT.
  const w = observeWatch({ inDir: IN, outDir: OUT, upscaler: up, stabilityMs: 100, pollMs: 25, retryMs: 2500 });
  t.teardown(() => w.handle.stop());
  await w.until((es) => es.some((e) => e.type === "watching"), "watching");
  await makeReadOnly();
  const bytes = await encodeImage(image(16, 16, 11), "png");
  await writeFile(join(IN, "x.png"), bytes);
  await w.until((es) => es.some((e) => e.type === "failed" && e.file === join(IN, "x.png")), "the failure");
  const failed = w.of(join(IN, "x.png")).find((e) => e.type === "failed") as Extract<FileEvent, { type: "failed" }>;
  t.is(failed.code, canMountTmpfs ? "EROFS" : "EACCES");
  t.is(failed.retryInMs, Math.round(2500 * (1 + spread(join(IN, "x.png")))), "the back-off, stretched by the file's own 0-25%");
  t.deepEqual(await readFile(join(IN, "x.png")), bytes, "the input is untouched");
  t.deepEqual((await readdir(OUT)).filter((f) => f !== "failed.jsonl"), [], "no partial output");
  await makeWritable();
  await w.until((es) => es.some((e) => e.type === "done" && e.file === join(IN, "x.png")), "done after the retry");
  t.deepEqual((await readdir(OUT)).filter((f) => f !== "failed.jsonl"), ["x_x2.png"]);
  t.deepEqual(await readLog(OUT), [], "no failure left in failed.jsonl");
});

for (const streamed of [false, true]) {
  const name = `disk full (a 192 KiB tmpfs)${streamed ? ", streamed path" : ""}: ENOSPC recorded, no partial output or temp file, input untouched, the watch goes on, and the file is done once there is room`;
  (canMountTmpfs ? test.serial : test.serial.skip)(name, async (t) => {
    const { dir, IN } = await folders(t, "pcl-watch-full-");
    const mnt = join(dir, "mnt");
    await mkdir(mnt);
    const remount = tmpfs(t, mnt, "192k");
    const OUT = join(mnt, "out");
    const up = tinyConvUpscaler(2);
    t.teardown(() => up.dispose());
    // Noise: its x2 output (600 KiB raw, about as much as PNG) cannot fit.
    const big = await encodeImage(image(200, 170, 12, true), "png");
    await writeFile(join(IN, "big.png"), big);
    await writeFile(join(IN, "small.png"), await encodeImage(image(8, 8, 13), "png"));
    // The back-off outlasts the checks below, so no retry is writing while they look at OUT.
    // One at a time: big's temp file filling the disk would make small fail too (and be retried: right, but not this test's point).
    const w = observeWatch({ inDir: IN, outDir: OUT, upscaler: up, concurrency: 1, stabilityMs: 100, pollMs: 25, retryMs: 2500, ...(streamed ? { maxInMemoryBytes: 0 } : {}) });
    t.teardown(() => w.handle.stop());
    await w.until((es) => es.some((e) => e.type === "failed" && e.file === join(IN, "big.png")) && es.some((e) => e.type === "done" && e.file === join(IN, "small.png")), "big fails, small is done");
    const failed = w.of(join(IN, "big.png")).find((e) => e.type === "failed") as Extract<FileEvent, { type: "failed" }>;
    t.is(failed.code, "ENOSPC", failed.error);
    t.is(failed.retryInMs, Math.round(2500 * (1 + spread(join(IN, "big.png")))), "the back-off, stretched by the file's own 0-25%");
    t.deepEqual(await readFile(join(IN, "big.png")), big, "the input is untouched");
    t.deepEqual((await readdir(OUT)).filter((f) => f !== "failed.jsonl").sort(), ["small_x2.png"], "no partial output, no temp file");
    t.deepEqual((await readLog(OUT)).map((r) => [r.file, r.code]), [[join(IN, "big.png"), "ENOSPC"]]);
    remount("size=8m");
    await w.until((es) => es.some((e) => e.type === "done" && e.file === join(IN, "big.png")), "big done after the retry", 30000);
    t.is((await sharp(join(OUT, "big_x2.png")).metadata()).width, 400);
    t.deepEqual(await readLog(OUT), []);
    w.handle.stop();
    await w.done;
  });
}
if (!canMountTmpfs) console.log(`watch-edge-cases: ${isRoot ? "root, but mounting a tmpfs is not allowed here" : "not root"}, so the disk-full tests (which mount a small tmpfs) are skipped${isRoot ? ", and the read-only folder test too" : ""}`);

test("failed.jsonl on restart: a failure to be retried does not block its version, a later line supersedes an earlier one, removeFailures drops a file's lines atomically", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "pcl-failed-log-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const log = join(dir, "failed.jsonl");
  const line = (o: object) => `${JSON.stringify({ time: "2026-01-01T00:00:00Z", error: "e", ...o })}\n`;
  await writeFile(log, line({ file: "/a.png", size: 1, mtimeMs: 2 }) + line({ file: "/b.png", size: 3, mtimeMs: 4, code: "ENOSPC", retryInMs: 30000 })
    + line({ file: "/c.png", size: 5, mtimeMs: 6 }) + line({ file: "/c.png", error: "collision" }) + '{"file":"/torn');
  const known = await readFailedLog(log);
  t.deepEqual([...known.entries()], [["/a.png", { size: 1, mtimeMs: 2 }]], "b is retried, c's latest line has no version");
  t.deepEqual([...(await loggedFiles(log))].sort(), ["/a.png", "/b.png", "/c.png"]);
  t.true(await removeFailures(log, "/c.png"));
  t.false(await removeFailures(log, "/c.png"));
  t.deepEqual((await readFile(log, "utf8")).trim().split("\n").map((l) => (JSON.parse(l) as { file: string }).file), ["/a.png", "/b.png"], "the torn line goes too");
  t.deepEqual((await readdir(dir)).sort(), ["failed.jsonl"], "no temp file left");
});
