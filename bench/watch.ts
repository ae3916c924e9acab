/**
 * Bench workload "watch": the watch pipeline's throughput (images per minute, 256x256 -> 1024x1024,
 * edsr-tiny, concurrency 2, real PNG files through chokidar, sharp and atomic writes), and the peak
 * RSS of a separate process upscaling one 4000x4000 image through the same file path.
 *
 * The model: a checkpoint directory in PCL_BENCH_MODEL if set (or 'bicubic'), else edsr-tiny compiled
 * from graphs/edsr-tiny.pcl.ts with its seeded initial weights (speed does not depend on the values).
 * Other knobs: PCL_BENCH_WATCH_IMAGES (default 4), PCL_BENCH_RSS_SIZE (default 4000; 0 skips),
 * PCL_BENCH_RSS_MODEL (default: the same model; 'bicubic' for a quick memory check on slow backends).
 *
 * `npm run bench -- --only watch` (opt-in: minutes on CPU), or standalone `npx tsx bench/watch.ts`
 * (one JSON object). As a module: `watchWorkload.run(makeUpscaler?)`.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { filter, firstValueFrom, scan, tap } from "rxjs";
import { selectBackend } from "../src/backend/select.js";
import { compileGenerator } from "../src/compile/network.js";
import { encodeImage } from "../src/io/image.js";
import { loadUpscaler } from "../src/serve/load-upscaler.js";
import { generatorUpscaler } from "../src/model/generator-upscaler.js";
import type { Upscaler } from "../src/model/upscaler.js";
import { upscaleFile } from "../src/pipelines/upscale-file.js";
import { watchFolder, type FileEvent } from "../src/pipelines/watch/index.js";

/** The Upscaler the bench runs; others may replace it (e.g. with a trained edsr-tiny checkpoint). */
export type UpscalerFactory = () => Promise<Upscaler>;

/** edsr-tiny from the graph file, seeded initial weights. */
export async function edsrTinyUpscaler(): Promise<Upscaler> {
  const spec = (await import("../graphs/edsr-tiny.pcl.js")).default;
  return generatorUpscaler(compileGenerator(spec.generator, 1), spec.generator, spec.scale, `${spec.name} (initial weights)`);
}

export const defaultUpscaler: UpscalerFactory = async () => {
  const model = process.env.PCL_BENCH_MODEL;
  return model ? loadUpscaler(model, { scale: 4 }) : edsrTinyUpscaler();
};

/** A deterministic textured 8-bit RGB image (sharp's encoder sees real-looking data, not a flat color). */
function textured(size: number, seed: number) {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) {
    data[(y * size + x) * 3 + c] = Math.round(127.5 + 127 * Math.sin(0.05 * x * (c + 1) + 0.07 * y + seed) * Math.cos(0.013 * x * y + c));
  }
  return { width: size, height: size, channels: 3 as const, bitDepth: 8 as const, data };
}

export interface WatchThroughput {
  readonly images: number;
  readonly seconds: number;
  readonly imagesPerMinute: number;
  readonly model: string;
}

/** Drops `images` 256x256 PNGs into a watched folder and times them until all are written. */
export async function measureThroughput(upscaler: Upscaler, images: number): Promise<WatchThroughput> {
  const dir = await mkdtemp(join(tmpdir(), "pcl-bench-watch-"));
  try {
    const inDir = join(dir, "in"), outDir = join(dir, "out");
    await mkdir(inDir);
    const files = await Promise.all(Array.from({ length: images }, (_, i) => encodeImage(textured(256, i), "png")));
    // Warm-up outside the timing (kernel setup, first-call compilation): a small image, enough on every backend.
    await writeFile(join(dir, "warm.png"), await encodeImage(textured(32, 99), "png"));
    await upscaleFile(join(dir, "warm.png"), join(dir, "warm_x4.png"), upscaler, { format: "png" });
    const handle = watchFolder({ inDir, outDir, upscaler, concurrency: 2, stabilityMs: 100, pollMs: 20 });
    let started = 0;
    const finished = firstValueFrom(
      handle.events$.pipe(
        tap((e: FileEvent) => {
          if (e.type === "watching") {
            started = performance.now();
            void Promise.all(files.map((bytes, i) => writeFile(join(inDir, `img${i}.png`), bytes)));
          }
          if (e.type === "failed") throw new Error(`bench image failed: ${e.file}: ${e.error}`);
        }),
        scan((done, e) => done + (e.type === "done" ? 1 : 0), 0),
        filter((done) => done === images),
      ),
    );
    await finished;
    const seconds = (performance.now() - started) / 1000;
    handle.stop();
    return { images, seconds, imagesPerMinute: (images / seconds) * 60, model: upscaler.name };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface PeakRss {
  readonly size: number;
  readonly peakRssMiB: number;
  readonly seconds: number;
  readonly model: string;
}

/** Runs `upscaleFile` on one size x size PNG in a fresh process (this file with --rss-child) and reads its peak RSS. */
export async function measurePeakRss(size: number, model?: string): Promise<PeakRss> {
  const dir = await mkdtemp(join(tmpdir(), "pcl-bench-rss-"));
  try {
    await writeFile(join(dir, "big.png"), await encodeImage(textured(size, 3), "png"));
    const self = fileURLToPath(import.meta.url);
    const env = { ...process.env, ...(model ? { PCL_BENCH_MODEL: model } : {}) };
    const child = spawn(process.execPath, ["--import", "tsx", self, "--rss-child", join(dir, "big.png"), join(dir, "big_x4.png")], { env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((res) => child.on("exit", res));
    if (code !== 0) throw new Error(`peak-RSS child exited with ${code}: ${out}`);
    return JSON.parse(out.trim().split("\n").pop()!) as PeakRss;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function rssChild(input: string, output: string): Promise<void> {
  await selectBackend(undefined, { quiet: true, workload: "inference" });
  const upscaler = await defaultUpscaler();
  const t0 = performance.now();
  const r = await upscaleFile(input, output, upscaler, { format: "png" });
  const seconds = (performance.now() - t0) / 1000;
  // maxRSS is in KiB on Linux and macOS.
  console.log(JSON.stringify({ size: r.width, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), seconds, model: upscaler.name }));
}

/** The workload as bench/run.ts lists it (run.ts adds kind 'report'; `npm run bench -- --only watch`). */
export const watchWorkload = {
  name: "watch",
  description: "watch pipeline: images/min 256->1024 (edsr-tiny, concurrency 2) and peak RSS upscaling one 4000x4000 image",
  async run(makeUpscaler: UpscalerFactory = defaultUpscaler): Promise<{ throughput: WatchThroughput; peakRss?: PeakRss }> {
    const backend = await selectBackend(undefined, { quiet: true, workload: "inference" });
    const upscaler = await makeUpscaler();
    try {
      const throughput = await measureThroughput(upscaler, Number(process.env.PCL_BENCH_WATCH_IMAGES ?? 4));
      const size = Number(process.env.PCL_BENCH_RSS_SIZE ?? 4000);
      const peakRss = size > 0 ? await measurePeakRss(size, process.env.PCL_BENCH_RSS_MODEL) : undefined;
      return { throughput: { ...throughput, model: `${throughput.model} on ${backend}` }, ...(peakRss ? { peakRss } : {}) };
    } finally {
      upscaler.dispose();
    }
  },
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv[2] === "--rss-child") await rssChild(process.argv[3], process.argv[4]);
  else console.log(JSON.stringify(await watchWorkload.run(), null, 2));
}
