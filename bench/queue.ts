/**
 * Bench workload "queue": images per minute through the job queue with 1, 2 and 4 `pcl-stream worker`
 * processes on this machine (each at its default concurrency, 2), against the single-process watch
 * folder (bench/watch.ts, concurrency 2) in the same run, for edsr-tiny and bicubic, 256x256 -> 1024x1024.
 *
 * A redis-server is started on a free loopback port (no persistence) and stopped after; without one
 * the workload reports that it was skipped. Worker start-up (node, the backend, the model) is not
 * timed: the clock starts when every worker is taking jobs and the images are enqueued, and stops at
 * the last `done`. Each worker's first job includes its backend's first-call setup; the watch figure
 * is measured after a warm-up.
 *
 * The model: edsr-tiny with its seeded initial weights, written as a checkpoint the workers load
 * (speed does not depend on the values), or the checkpoint in PCL_BENCH_MODEL. Images:
 * PCL_BENCH_QUEUE_IMAGES (default 16). Workers use PCL_BACKEND when set, else the best available.
 *
 * `npm run bench -- --only queue` (opt-in: minutes on CPU).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { lastValueFrom, toArray } from "rxjs";
import { getBackend } from "@tensorflow/tfjs-core";
import { saveCheckpoint } from "../src/checkpoint/save.js";
import { compileGenerator } from "../src/compile/network.js";
import { encodeImage } from "../src/io/image.js";
import { bicubicUpscaler } from "../src/model/bicubic.js";
import { enqueueFiles } from "../src/serve/queue/enqueue-files.js";
import { redisServerPath, startRedisServer } from "../test/helpers/redis-server.js";
import { loadUpscaler } from "../src/serve/load-upscaler.js";
import { measureThroughput } from "./watch.js";

/** A deterministic textured 8-bit RGB image (as bench/watch.ts makes them). */
function textured(size: number, seed: number) {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) {
    data[(y * size + x) * 3 + c] = Math.round(127.5 + 127 * Math.sin(0.05 * x * (c + 1) + 0.07 * y + seed) * Math.cos(0.013 * x * y + c));
  }
  return { width: size, height: size, channels: 3 as const, bitDepth: 8 as const, data };
}

/** Writes edsr-tiny's seeded initial weights as a checkpoint the workers can load. */
async function edsrTinyCheckpoint(dir: string): Promise<string> {
  const spec = (await import("../graphs/edsr-tiny.pcl.js")).default;
  const g = compileGenerator(spec.generator, 1);
  try {
    await saveCheckpoint(dir, {
      spec, iteration: 0, seed: 1, best: null, backend: getBackend(), generator: g.variables, embedding: null,
      adam: { generator: { step: 0, m: new Map(), v: new Map() }, embedding: null }, ema: null,
    });
  } finally {
    g.dispose();
  }
  return dir;
}

interface Worker {
  readonly child: ChildProcess;
  /** Resolves when the worker takes jobs. */
  readonly ready: Promise<void>;
  /** Rejects when the worker dies or a job fails (never resolves). */
  readonly trouble: Promise<never>;
  done: number;
}

function startWorker(url: string, queueName: string, model: string, onDone: () => void): Worker {
  const bin = resolve("bin/pcl-stream.js");
  const child = spawn(process.execPath, [bin, "worker", "--queue", url, "--queue-name", queueName, "--model", model, "--json", ...(process.env.PCL_BACKEND ? ["--backend", process.env.PCL_BACKEND] : [])], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "", partial = "", stopping = false;
  let ready: () => void = () => {}, trouble: (err: Error) => void = () => {};
  const worker: Worker = {
    child, done: 0,
    ready: new Promise<void>((res) => (ready = res)),
    trouble: new Promise<never>((_, rej) => (trouble = rej)),
  };
  worker.trouble.catch(() => undefined);
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  child.once("exit", (code) => { if (!stopping) trouble(new Error(`worker exited with ${code}: ${stderr}`)); });
  child.stdout!.on("data", (d: Buffer) => {
    const lines = (partial + d.toString()).split("\n");
    partial = lines.pop()!;
    for (const line of lines) {
      const e = JSON.parse(line) as { type: string; error?: string };
      if (e.type === "ready") ready();
      if (e.type === "stopping") stopping = true;
      if (e.type === "done") { worker.done++; onDone(); }
      if (e.type === "failed") trouble(new Error(`bench job failed: ${e.error}`));
    }
  });
  return worker;
}

export interface QueueThroughput {
  readonly processes: number;
  readonly seconds: number;
  readonly imagesPerMinute: number;
  /** Images each worker did. */
  readonly perWorker: readonly number[];
}

/** Enqueues `files` and times `processes` workers through them (start-up excluded). */
async function timeWorkers(url: string, queueName: string, model: string, processes: number, inDir: string, outDir: string, images: number): Promise<QueueThroughput> {
  let finished = 0;
  let allDone: () => void = () => {};
  const everything = new Promise<void>((res) => (allDone = res));
  const workers = Array.from({ length: processes }, () => startWorker(url, queueName, model, () => { if (++finished === images) allDone(); }));
  try {
    await Promise.race([Promise.all(workers.map((w) => w.ready)), ...workers.map((w) => w.trouble)]);
    const started = performance.now();
    const events = await lastValueFrom(enqueueFiles(inDir, { queue: url, queueName, outDir }).pipe(toArray()));
    const queued = events.filter((e) => e.type === "queued").length;
    if (queued !== images) throw new Error(`queued ${queued} of ${images} images: ${JSON.stringify(events.filter((e) => e.type !== "queued"))}`);
    await Promise.race([everything, ...workers.map((w) => w.trouble)]);
    const seconds = (performance.now() - started) / 1000;
    return { processes, seconds, imagesPerMinute: (images / seconds) * 60, perWorker: workers.map((w) => w.done) };
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGTERM");
    await Promise.all(workers.map((w) => new Promise((res) => (w.child.exitCode !== null ? res(null) : w.child.once("exit", res)))));
  }
}

export const queueWorkload = {
  name: "queue",
  description: "job queue: images/min 256->1024 with 1, 2, 4 worker processes vs single-process watch (edsr-tiny, bicubic)",
  async run(): Promise<unknown> {
    const binary = redisServerPath();
    if (!binary) return { skipped: "redis-server not installed" };
    const images = Number(process.env.PCL_BENCH_QUEUE_IMAGES ?? 16);
    const redis = await startRedisServer(binary);
    const dir = await mkdtemp(join(tmpdir(), "pcl-bench-queue-"));
    try {
      const inDir = join(dir, "in");
      await mkdir(inDir);
      for (let i = 0; i < images; i++) await writeFile(join(inDir, `img${i}.png`), await encodeImage(textured(256, i), "png"));
      const models = [
        { name: "edsr-tiny", checkpoint: process.env.PCL_BENCH_MODEL ?? (await edsrTinyCheckpoint(join(dir, "edsr-tiny"))) },
        { name: "bicubic", checkpoint: "bicubic" },
      ];
      const rows = [];
      for (const m of models) {
        const upscaler = m.checkpoint === "bicubic" ? bicubicUpscaler(4) : await loadUpscaler(m.checkpoint, { scale: 4 });
        let watch;
        try {
          watch = await measureThroughput(upscaler, images);
        } finally {
          upscaler.dispose();
        }
        const workers: QueueThroughput[] = [];
        for (const processes of [1, 2, 4]) {
          const queueName = `bench-${m.name}-${processes}`;
          workers.push(await timeWorkers(redis.url, queueName, m.checkpoint, processes, inDir, join(dir, queueName), images));
        }
        rows.push({
          model: m.name, images, size: "256x256 -> 1024x1024",
          watch: { processes: 1, seconds: round(watch.seconds), imagesPerMinute: round(watch.imagesPerMinute) },
          workers: workers.map((w) => ({ ...w, seconds: round(w.seconds), imagesPerMinute: round(w.imagesPerMinute), vsWatch: round(w.imagesPerMinute / watch.imagesPerMinute) })),
        });
      }
      return { backend: process.env.PCL_BACKEND ?? `workers: best available; watch: ${getBackend()}`, rows };
    } finally {
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

const round = (x: number): number => Math.round(x * 100) / 100;
