/**
 * Watch soak: a watched folder fed N small files (default 2000 PNGs of 48x32, written in bursts
 * while the watch runs), upscaled x2 with bicubic in this process. Samples the process's RSS every
 * 500 ms and the live tensor count after each file, and prints one JSON object: files done, wall
 * time, RSS at the start / peak / end, the RSS slope over the run (least squares, MiB per 1000 files
 * done, after the first 10%), and the tensor counts (must stay flat).
 *
 *   npx tsx bench/watch-soak.ts [--files 2000] [--backend cpu]
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as tf from "@tensorflow/tfjs-core";
import sharp from "sharp";
import { useBackend, type BackendName } from "../src/backend/index.js";
import { bicubicUpscaler } from "../src/model/bicubic.js";
import { watchFolder } from "../src/pipelines/watch/index.js";

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const files = Number(flag("--files") ?? 2000);
await useBackend(flag("--backend") as BackendName | undefined, { workload: "inference" });

const dir = await mkdtemp(join(tmpdir(), "pcl-watch-soak-"));
const IN = join(dir, "in"), OUT = join(dir, "out");
await mkdir(IN);
try {
  const upscaler = bicubicUpscaler(2);
  const handle = watchFolder({ inDir: IN, outDir: OUT, upscaler, stabilityMs: 100, pollMs: 50 });
  const samples: Array<{ done: number; rss: number }> = [];
  const tensors: number[] = [];
  let done = 0, failed = 0;
  const finished = new Promise<void>((resolve, reject) => {
    handle.events$.subscribe({
      next: (e) => {
        if (e.type === "done") { done++; tensors.push(tf.memory().numTensors); }
        if (e.type === "failed") failed++;
        if (done + failed === files) handle.stop();
      },
      error: reject,
      complete: resolve,
    });
  });
  const startRss = process.memoryUsage().rss;
  const sampler = setInterval(() => samples.push({ done, rss: process.memoryUsage().rss }), 500);
  const started = performance.now();
  const base = Buffer.alloc(48 * 32 * 3);
  for (let i = 0; i < files; i++) {
    for (let p = 0; p < base.length; p++) base[p] = (p * 7 + i * 13) & 255;
    await writeFile(join(IN, `f-${String(i).padStart(5, "0")}.png`), await sharp(base, { raw: { width: 48, height: 32, channels: 3 } }).png().toBuffer());
    if (i % 100 === 99) await sleep(200); // bursts
  }
  await finished;
  clearInterval(sampler);
  const wallS = (performance.now() - started) / 1000;
  const tail = samples.filter((s) => s.done >= files * 0.1);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const mx = mean(tail.map((s) => s.done)), my = mean(tail.map((s) => s.rss));
  const slope = tail.reduce((a, s) => a + (s.done - mx) * (s.rss - my), 0) / Math.max(1e-9, tail.reduce((a, s) => a + (s.done - mx) ** 2, 0));
  const mib = (b: number): number => Number((b / 2 ** 20).toFixed(1));
  console.log(JSON.stringify({
    files, done, failed, wallS: Math.round(wallS), backend: tf.getBackend(),
    rssStartMiB: mib(startRss), rssPeakMiB: mib(Math.max(...samples.map((s) => s.rss))), rssEndMiB: mib(samples.at(-1)?.rss ?? 0),
    rssSlopeMiBPer1000Files: Number((slope * 1000 / 2 ** 20).toFixed(2)),
    tensorsAfterFirstDone: tensors[0], tensorsAfterLastDone: tensors.at(-1), tensorsMax: Math.max(...tensors),
  }));
  upscaler.dispose();
} finally {
  await rm(dir, { recursive: true, force: true });
}
