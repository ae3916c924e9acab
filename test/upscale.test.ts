/**
 * Upscaling one image: the band path (bounded memory) against the untiled model output, seams,
 * alpha, gray, 16-bit, EXIF orientation, and the `pcl-stream upscale` command.
 */
import test from "ava";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { mkdtemp, mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { encodeImage, readImage, toRgb, type DecodedImage, type RgbImage } from "../src/io/image.js";
import { forEachUpscaledBand, planBands, writeRgbRows, type UpscaleRgb } from "../src/pipelines/upscale-in-bands.js";
import { writeUpscaledAlpha } from "../src/pipelines/upscale-alpha.js";
import { tiledUpscaleRgb, upscaleDecoded, upscaleFile } from "../src/pipelines/upscale-file.js";
import { run as upscaleCommand } from "../bin/commands/upscale.js";
import { tinyConvUpscaler, upscaleWhole } from "./helpers/tiny-conv-upscaler.js";

test.before(async () => {
  await tf.setBackend("cpu");
  await tf.ready();
});

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** A smooth seeded 8-bit RGB image (sums of low-frequency waves) with some noise. */
function testImage(width: number, height: number, channels: 1 | 2 | 3 | 4 = 3, seed = 1): DecodedImage {
  const rand = seeded(seed);
  const data = new Uint8Array(width * height * channels);
  const phase = [rand() * 6, rand() * 6, rand() * 6, rand() * 6];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) {
    const v = 0.5 + 0.35 * Math.sin(x * 0.31 + y * 0.17 + phase[c]) + 0.1 * (rand() - 0.5);
    data[(y * width + x) * channels + c] = Math.round(255 * Math.min(1, Math.max(0, v)));
  }
  return { width, height, channels, bitDepth: 8, data, format: "png" };
}

/** Runs the band path and assembles the float output. */
async function bandsToFloat(img: DecodedImage, upscaleRgb: UpscaleRgb, scale: number, plan: { bandRows: number; context: number }): Promise<RgbImage> {
  const out = new Float32Array(img.width * scale * img.height * scale * 3);
  await forEachUpscaledBand(img, upscaleRgb, scale, plan, (band, row) => out.set(band.data, row * band.width * 3));
  return { width: img.width * scale, height: img.height * scale, data: out };
}

const maxAbsDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

test("planBands: context exceeds the receptive radius and the overlap; band plus context fits one tile; float budget caps rows", (t) => {
  t.deepEqual(planBands(100, { scale: 4, receptiveRadius: 5, tile: 64, overlap: 4 }), { bandRows: 64 - 12, context: 6 });
  t.deepEqual(planBands(100, { scale: 4, receptiveRadius: 2, tile: 64, overlap: 10 }), { bandRows: 44, context: 10 });
  // 8000 px wide at x4: one LR row of float output is 8000*16*12 bytes; 64 MiB allows 43 rows.
  t.is(planBands(8000, { scale: 4, receptiveRadius: 2, tile: 128, overlap: 2, maxBandBytes: 64 * 2 ** 20 }).bandRows, Math.floor((64 * 2 ** 20) / (8000 * 16 * 12)));
  t.throws(() => planBands(10, { scale: 0, receptiveRadius: 1, tile: 8, overlap: 1 }), { message: /scale must be a positive integer/ });
});

// Serial: it counts the process's live tensors, which async tests running beside it would change.
test.serial("band path equals the untiled model output to 1e-3 (bands alone, and bands over upscaleTiled tiles)", async (t) => {
  const up = tinyConvUpscaler(2);
  const img = testImage(37, 29);
  const whole = await upscaleWhole(up, toRgb(img));
  const before = tf.memory().numTensors;
  const bandsOnly = await bandsToFloat(img, (lr) => upscaleWhole(up, lr), 2, { bandRows: 5, context: 3 });
  t.true(maxAbsDiff(bandsOnly.data, whole.data) < 1e-3, `bands alone: max diff ${maxAbsDiff(bandsOnly.data, whole.data)}`);
  const plan = planBands(img.width, { scale: 2, receptiveRadius: up.receptiveRadius, tile: 12, overlap: 3 });
  const tiled = await bandsToFloat(img, tiledUpscaleRgb(up, { tile: 12, overlap: 3 }), 2, plan);
  t.true(maxAbsDiff(tiled.data, whole.data) < 1e-3, `bands over tiles: max diff ${maxAbsDiff(tiled.data, whole.data)}`);
  t.is(tf.memory().numTensors, before, "no tensor left behind");
  up.dispose();
});

test("no step at band borders on a smooth ramp (and without context there is one, so the check can fail)", async (t) => {
  const up = tinyConvUpscaler(2, 3);
  const width = 24, height = 30;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = 40 + 5 * y + 2 * x;
  const img: DecodedImage = { width, height, channels: 3, bitDepth: 8, data, format: "png" };
  const bandRows = 6;
  // Largest change between consecutive output rows, at band borders (LR rows 6, 12, ...) and inside bands, away from the image edge.
  const steps = (out: RgbImage): { border: number; inside: number } => {
    let border = 0, inside = 0;
    for (let y = 4; y < out.height - 6; y++) {
      let d = 0;
      for (let i = 0; i < out.width * 3; i++) d = Math.max(d, Math.abs(out.data[(y + 1) * out.width * 3 + i] - out.data[y * out.width * 3 + i]));
      if ((y + 1) % (bandRows * 2) === 0) border = Math.max(border, d); else inside = Math.max(inside, d);
    }
    return { border, inside };
  };
  const good = steps(await bandsToFloat(img, (lr) => upscaleWhole(up, lr), 2, { bandRows, context: 3 }));
  t.true(good.border <= good.inside + 1e-3, `with context: border step ${good.border} vs inside ${good.inside}`);
  const cut = steps(await bandsToFloat(img, (lr) => upscaleWhole(up, lr), 2, { bandRows, context: 0 }));
  t.true(cut.border > cut.inside + 1e-2, `without context the border shows: ${cut.border} vs ${cut.inside}`);
  up.dispose();
});

test("upscaleDecoded never hands the model more than one band plus context", async (t) => {
  const up = tinyConvUpscaler(2);
  const img = testImage(40, 45);
  const heights: number[] = [];
  const spy: UpscaleRgb = (lr) => { heights.push(lr.height); return upscaleWhole(up, lr); };
  // Budget of 4 LR rows: 40 px * 2 * 2 * 12 bytes per LR row.
  const out = await upscaleDecoded(img, spy, up, 8, { tile: 16, overlap: 2, maxBandBytes: 4 * 40 * 4 * 12 });
  t.true(heights.length >= 45 / 4, `bands: ${heights.length}`);
  t.true(Math.max(...heights) <= 4 + 2 * 3, `largest band with context: ${Math.max(...heights)}`);
  t.is(out.width, 80);
  t.is(out.height, 90);
  up.dispose();
});

test("writeRgbRows: 3 channels keep RGB, 1 channel takes the mean; clipped and rounded", (t) => {
  const band: RgbImage = { width: 2, height: 1, data: new Float32Array([0.1, 0.2, 0.3, 1.5, -0.2, 0.5]) };
  const rgb = new Uint8Array(2 * 2 * 3);
  writeRgbRows(rgb, 3, band, 1);
  t.deepEqual([...rgb.subarray(6)], [26, 51, 77, 255, 0, 128]);
  const gray16 = new Uint16Array(2 * 2 * 2);
  writeRgbRows(gray16, 2, band, 0);
  t.deepEqual([...gray16.subarray(0, 4)], [Math.round(0.2 * 65535), 0, Math.round(((1.5 - 0.2 + 0.5) / 3) * 65535), 0]);
});

test("writeUpscaledAlpha: bilinear with aligned pixel centres, clamped edges, 16 to 8 bits", (t) => {
  // 1x2 alpha [0, 65535] at x2: sample points -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1).
  const img: DecodedImage = { width: 2, height: 1, channels: 2, bitDepth: 16, data: new Uint16Array([9, 0, 9, 65535]), format: "png" };
  const out = new Uint8Array(4 * 2 * 2);
  writeUpscaledAlpha(img, 2, out, 2);
  const alpha = [...out].filter((_, i) => i % 2 === 1);
  t.deepEqual(alpha, [0, 64, 191, 255, 0, 64, 191, 255]);
  t.throws(() => writeUpscaledAlpha(testImage(2, 2, 3), 2, out, 2), { message: /expected 2 or 4/ });
});

test("upscaleFile: RGBA 16-bit PNG stays RGBA 16-bit; gray stays gray; JPEG EXIF orientation applied", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "pcl-upscale-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const up = tinyConvUpscaler(2);
  // 16-bit RGBA with constant alpha 0x4000.
  const w = 12, h = 10, px = new Uint16Array(w * h * 4);
  for (let i = 0; i < w * h; i++) { px[i * 4] = (i * 997) % 65536; px[i * 4 + 1] = 30000; px[i * 4 + 2] = 1000 + i * 50; px[i * 4 + 3] = 0x4000; }
  await writeFile(join(dir, "rgba16.png"), await encodeImage({ width: w, height: h, channels: 4, bitDepth: 16, data: px }, "png"));
  const r = await upscaleFile(join(dir, "rgba16.png"), join(dir, "out", "rgba16_x2.png"), up, { format: "png", tile: 8, overlap: 2 });
  t.deepEqual(r, { width: 12, height: 10, outWidth: 24, outHeight: 20 });
  const meta = await sharp(join(dir, "out", "rgba16_x2.png")).metadata();
  t.deepEqual([meta.channels, meta.depth], [4, "ushort"]);
  const out16 = (await readImage(join(dir, "out", "rgba16_x2.png"))).data;
  t.true(out16.filter((_, i) => i % 4 === 3).every((a) => a === 0x4000), "constant alpha stays constant");
  // The RGB equals the untiled model output, quantized to 16 bits (alpha does not leak into RGB).
  const lr = toRgb({ width: w, height: h, channels: 4, bitDepth: 16, data: px, format: "png" });
  const ref = await upscaleWhole(up, lr);
  let worst = 0;
  for (let p = 0; p < 24 * 20; p++) for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(out16[p * 4 + c] / 65535 - Math.min(1, Math.max(0, ref.data[p * 3 + c]))));
  t.true(worst <= 1 / 65535 + 1e-6, `16-bit RGB vs reference: ${worst}`);

  await writeFile(join(dir, "gray.png"), await encodeImage({ width: 9, height: 7, channels: 1, bitDepth: 8, data: new Uint8Array(63).map((_, i) => i * 4) }, "png"));
  t.is((await sharp(join(dir, "gray.png")).metadata()).channels, 1, "the input is one-channel gray");
  await upscaleFile(join(dir, "gray.png"), join(dir, "out", "gray_x2.png"), up, { format: "png" });
  const gray = await sharp(join(dir, "out", "gray_x2.png")).metadata();
  t.is(gray.channels, 1);
  t.deepEqual([gray.width, gray.height], [18, 14]);

  // Stored 16x8, EXIF orientation 6 (rotate 90 clockwise): displayed 8x16, so the output is 16x32.
  await sharp({ create: { width: 16, height: 8, channels: 3, background: { r: 10, g: 200, b: 30 } } }).jpeg().withMetadata({ orientation: 6 }).toFile(join(dir, "rot.jpg"));
  const rot = await upscaleFile(join(dir, "rot.jpg"), join(dir, "out", "rot_x2.jpg"), up, { format: "jpg", mtimeMs: 1_700_000_000_123 });
  t.deepEqual([rot.outWidth, rot.outHeight], [16, 32]);
  t.is((await sharp(join(dir, "out", "rot_x2.jpg")).metadata()).format, "jpeg");
  t.true(Math.abs((await stat(join(dir, "out", "rot_x2.jpg"))).mtimeMs - 1_700_000_000_123) < 1, "output stamped with the given mtime");
  t.deepEqual((await readdir(join(dir, "out"))).filter((f) => f.startsWith(".pcl-tmp-")), [], "no temp files left");
  up.dispose();
});

test("pcl-stream upscale: folders (--recursive mirrors subfolders), up-to-date skipping, --overwrite, exit 1 on a bad file", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "pcl-upscale-cli-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const input = join(dir, "in");
  await mkdir(join(input, "sub"), { recursive: true });
  const solid = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: { r: 120, g: 60, b: 30 } } });
  await solid(8, 6).png().toFile(join(input, "a.png"));
  await solid(5, 7).webp().toFile(join(input, "sub", "b.webp"));
  await writeFile(join(input, ".hidden.png"), "x");
  const out = join(dir, "out");
  const logs: string[] = [];
  const log = console.log;
  console.log = (line: string) => logs.push(line);
  try {
    t.is(await upscaleCommand(["--model", "bicubic", "--scale", "2", "--recursive", "-o", out, "--backend", "cpu", input]), 0);
    t.deepEqual((await sharp(join(out, "a_x2.png")).metadata()).width, 16);
    const b = await sharp(join(out, "sub", "b_x2.webp")).metadata();
    t.deepEqual([b.format, b.width, b.height], ["webp", 10, 14]);
    t.is(logs.filter((l) => l.startsWith("done")).length, 2);
    logs.length = 0;
    t.is(await upscaleCommand(["--model", "bicubic", "--scale", "2", "--recursive", "-o", out, input]), 0);
    t.is(logs.filter((l) => l.startsWith("skip") && l.includes("up-to-date")).length, 2, logs.join("\n"));
    logs.length = 0;
    t.is(await upscaleCommand(["--model", "bicubic", "--scale", "2", "--overwrite", "--format", "png", "--suffix=-big", "-o", out, join(input, "a.png")]), 0);
    t.is((await sharp(join(out, "a-big.png")).metadata()).width, 16);
    await writeFile(join(input, "broken.jpg"), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const error = console.error;
    console.error = () => {};
    try {
      t.is(await upscaleCommand(["--model", "bicubic", "--scale", "2", "-o", out, input]), 1);
      t.is(await upscaleCommand(["--model", "bicubic", "--then", "move", input]), 2, "--then move without --move-to is a usage error");
      t.is(await upscaleCommand(["--model", join(dir, "no-such-checkpoint"), input]), 2, "a model that cannot load is reported, exit 2");
      t.is(await upscaleCommand(["--model", "bicubic", "--format", "gif", input]), 2);
      t.is(await upscaleCommand(["--model", "bicubic", join(dir, "missing.png")]), 1, "a missing input is reported");
    } finally {
      console.error = error;
    }
  } finally {
    console.log = log;
  }
});
