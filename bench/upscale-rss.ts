/**
 * Peak memory of `pcl-stream upscale` on one large image: makes a WIDTHxHEIGHT PNG (a bundled Set5
 * image resized with sharp, so it compresses like a photo), runs the CLI on it in a separate process
 * under `/usr/bin/time -v`, and prints one JSON object: the model, sizes, wall time and peak RSS.
 *
 *   npx tsx bench/upscale-rss.ts --size 12000x9000 --model bicubic
 *   npx tsx bench/upscale-rss.ts --size 3000x2250 --model runs/x/best [--keep DIR] [-- extra upscale flags]
 *
 * Needs /usr/bin/time (GNU time) and about (output pixels x 3 bytes) of free disk beside the output
 * (the streaming path's raw rows) plus the encoded output.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";

const args = process.argv.slice(2);
const extra = args.includes("--") ? args.slice(args.indexOf("--") + 1) : [];
const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 && !args.slice(0, i).includes("--") ? args[i + 1] : undefined; };
const [width, height] = (flag("--size") ?? "12000x9000").split("x").map(Number);
const model = flag("--model") ?? "bicubic";
const keep = flag("--keep");
if (!(width > 0 && height > 0)) throw new Error(`--size: expected WIDTHxHEIGHT, got ${flag("--size")}`);

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = keep ?? (await mkdtemp(join(tmpdir(), "pcl-upscale-rss-")));
try {
  const input = join(dir, `input-${width}x${height}.png`);
  await sharp(join(root, "data/set5/HR/baby.png"), { limitInputPixels: false }).resize(width, height, { kernel: "cubic", fit: "fill" }).png().toFile(input);
  const started = performance.now();
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn("/usr/bin/time", ["-v", process.execPath, join(root, "bin/pcl-stream.js"), "upscale", "--model", model, input, "-o", join(dir, "out"), "--overwrite", "--max-input-pixels", String(width * height), ...extra], { stdio: ["ignore", "inherit", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (c) => resolve({ code: c, stderr: err }));
  });
  const wallS = (performance.now() - started) / 1000;
  const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1]);
  if (code !== 0 || !rssKb) throw new Error(`upscale failed (exit ${code}):\n${stderr.split("\n").filter((l) => !l.includes("already registered")).join("\n")}`);
  const [name] = await readdir(join(dir, "out"));
  const outFile = join(dir, "out", name);
  const meta = await sharp(outFile, { limitInputPixels: false }).metadata();
  console.log(JSON.stringify({ model, input: `${width}x${height}`, output: `${meta.width}x${meta.height}`, outputBytes: (await stat(outFile)).size, wallS: Math.round(wallS), peakRssGiB: Number((rssKb / 2 ** 20).toFixed(2)) }));
} finally {
  if (!keep) await rm(dir, { recursive: true, force: true });
}
