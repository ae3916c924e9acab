/**
 * The streaming upscale path (bounded memory): the striped TIFF row writer read back by sharp, the
 * band-wise alpha against the whole-image alpha, and whole files through the streamed path against
 * the in-memory path, bit for bit, for RGB, gray, RGBA, 16-bit, EXIF-rotated input and every output
 * format; the input pixel limit.
 */
import test from "ava";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { readImage, type DecodedImage, type OutputFormat } from "../src/io/image.js";
import { InputTooLargeError, openImageRows } from "../src/io/image-rows.js";
import { TiffRowWriter } from "../src/io/tiff-row-writer.js";
import { alphaRowsWriter, writeUpscaledAlpha } from "../src/pipelines/upscale-alpha.js";
import { upscaleFile } from "../src/pipelines/upscale-file.js";
import { bicubicUpscaler } from "../src/model/bicubic.js";
import { tinyConvUpscaler } from "./helpers/tiny-conv-upscaler.js";
import { mulberry32 } from "../src/compile/weights.js";

test.before(async () => {
  await tf.setBackend("cpu");
  await tf.ready();
});

function pixels(width: number, height: number, channels: 1 | 2 | 3 | 4, bitDepth: 8 | 16, seed: number): Uint8Array | Uint16Array {
  const rand = mulberry32(seed);
  const max = bitDepth === 16 ? 65535 : 255;
  const data = bitDepth === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) {
    const v = 0.5 + 0.35 * Math.sin(x * 0.21 + y * 0.13 + c * 1.7) + 0.15 * (rand() - 0.5);
    data[(y * width + x) * channels + c] = Math.round(max * Math.min(1, Math.max(0, v)));
  }
  return data;
}

async function tempDir(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "pcl-stream-streaming-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

for (const [channels, bitDepth, bigTiff] of [[3, 8, false], [1, 8, true], [4, 8, false], [2, 16, false], [3, 16, true]] as const) {
  test(`TiffRowWriter: ${channels} channels, ${bitDepth}-bit${bigTiff ? ", BigTIFF" : ""}, written in uneven row batches, reads back through sharp unchanged`, async (t) => {
    const dir = await tempDir(t);
    const width = 37, height = 29;
    const data = pixels(width, height, channels, bitDepth, channels * 100 + bitDepth);
    const file = join(dir, "rows.tif");
    const writer = await TiffRowWriter.create(file, { width, height, channels, bitDepth }, { bigTiff });
    const row = width * channels;
    for (const [y0, y1] of [[0, 1], [1, 12], [12, 13], [13, 29]]) await writer.write(data.subarray(y0 * row, y1 * row));
    await writer.finish();
    const head = await readFile(file);
    t.is(head.readUInt16LE(2), bigTiff ? 43 : 42);
    const back = await readImage(file);
    t.deepEqual([back.width, back.height, back.bitDepth], [width, height, bitDepth]);
    // 8-bit gray + alpha decodes as RGBA (readImage's convention): compare the gray and alpha planes.
    if (back.channels === channels) t.deepEqual(Array.from(back.data), Array.from(data));
    else {
      t.is(back.channels, 4);
      for (let p = 0; p < width * height; p++) t.true(back.data[p * 4] === data[p * 2] && back.data[p * 4 + 3] === data[p * 2 + 1]);
    }
  });
}

test("TiffRowWriter refuses more rows than the image has, and finishing early", async (t) => {
  const dir = await tempDir(t);
  const writer = await TiffRowWriter.create(join(dir, "a.tif"), { width: 4, height: 2, channels: 3, bitDepth: 8 });
  await t.throwsAsync(writer.write(new Uint8Array(4 * 3 * 3)), { message: /3 rows written, the image has 2/ });
  await t.throwsAsync(writer.write(new Uint8Array(5)), { message: /not a whole number/ });
  await t.throwsAsync(writer.write(new Uint16Array(12)), { message: /expected a Uint8Array/ });
  await writer.write(new Uint8Array(12));
  await t.throwsAsync(writer.finish(), { message: /1 of 2 rows written/ });
});

test("alpha in bands equals the whole-image alpha (8 and 16 bit, uneven bands, x3)", (t) => {
  for (const bitDepth of [8, 16] as const) {
    const img: DecodedImage = { width: 13, height: 11, channels: 4, bitDepth, data: pixels(13, 11, 4, bitDepth, 5), format: "png" };
    const scale = 3, outW = 39, outH = 33;
    const whole = new Uint8Array(outW * outH * 4);
    writeUpscaledAlpha(img, scale, whole, 4);
    const banded = new Uint8Array(outW * outH * 4);
    const write = alphaRowsWriter(13, 11, scale);
    for (const [y0, y1] of [[0, 4], [4, 5], [5, 11]]) {
      const c0 = Math.max(0, y0 - 1), c1 = Math.min(11, y1 + 1);
      const src = { ...img, height: c1 - c0, data: img.data.subarray(c0 * 13 * 4, c1 * 13 * 4) };
      const out = new Uint8Array((y1 - y0) * scale * outW * 4);
      write(src, c0, out, 4, y0 * scale, y1 * scale);
      banded.set(out, y0 * scale * outW * 4);
    }
    t.deepEqual(banded, whole, `${bitDepth}-bit`);
  }
});

test("openImageRows: strips of any height give readImage's rows (EXIF-rotated JPEG, overlapping reads)", async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, "r.jpg");
  await sharp(Buffer.from(pixels(40, 23, 3, 8, 9)), { raw: { width: 40, height: 23, channels: 3 } }).withMetadata({ orientation: 6 }).jpeg().toFile(file);
  const whole = await readImage(file);
  t.deepEqual([whole.width, whole.height], [23, 40]);
  const rows = await openImageRows(file, { stripBytes: 23 * 4 * 7 });
  t.deepEqual([rows.width, rows.height, rows.channels], [23, 40, 3]);
  for (const [y0, y1] of [[0, 5], [3, 12], [10, 30], [28, 40]]) {
    const part = await rows.read(y0, y1);
    t.deepEqual(Array.from(part.data), Array.from(whole.data.subarray(y0 * 23 * 3, y1 * 23 * 3)), `rows ${y0}..${y1}`);
  }
});

const CASES: readonly { name: string; channels: 1 | 2 | 3 | 4; bitDepth: 8 | 16; input: "png" | "tiff"; format: OutputFormat }[] = [
  { name: "RGB png -> png", channels: 3, bitDepth: 8, input: "png", format: "png" },
  { name: "RGBA png -> png", channels: 4, bitDepth: 8, input: "png", format: "png" },
  { name: "gray png -> png", channels: 1, bitDepth: 8, input: "png", format: "png" },
  { name: "16-bit RGB png -> png", channels: 3, bitDepth: 16, input: "png", format: "png" },
  { name: "16-bit gray+alpha png -> tiff", channels: 2, bitDepth: 16, input: "png", format: "tiff" },
  { name: "RGBA tiff -> jpg", channels: 4, bitDepth: 8, input: "tiff", format: "jpg" },
  { name: "RGB png -> webp", channels: 3, bitDepth: 8, input: "png", format: "webp" },
];

for (const c of CASES) {
  test(`streamed upscale equals the in-memory one bit for bit: ${c.name}`, async (t) => {
    const dir = await tempDir(t);
    const width = 45, height = 38;
    const raw = pixels(width, height, c.channels, c.bitDepth, 11);
    const input = join(dir, `in.${c.input}`);
    let pipe = sharp(c.bitDepth === 16 ? raw : Buffer.from(raw), { raw: { width, height, channels: c.channels } });
    pipe = pipe.toColourspace(c.channels <= 2 ? (c.bitDepth === 16 ? "grey16" : "b-w") : c.bitDepth === 16 ? "rgb16" : "srgb");
    await (c.input === "png" ? pipe.png() : pipe.tiff({ compression: "lzw" })).toFile(input);
    const up = tinyConvUpscaler(2);
    try {
      const whole = join(dir, `whole.${c.format}`), streamed = join(dir, `streamed.${c.format}`);
      await upscaleFile(input, whole, up, { format: c.format, tile: 24, overlap: 4 });
      // Tiny bands and strips, so the band, strip and TIFF-strip edges all fall inside the image.
      await upscaleFile(input, streamed, up, { format: c.format, tile: 24, overlap: 4, maxInMemoryBytes: 0, maxBandBytes: 90 * 2 * 2 * 3 * 4 * 5 });
      t.deepEqual(await readFile(streamed), await readFile(whole), "the files are identical");
      const a = await readImage(whole);
      t.deepEqual([a.width, a.height], [width * 2, height * 2]);
      t.deepEqual((await readdir(dir)).sort(), ["in." + c.input, `streamed.${c.format}`, `whole.${c.format}`].sort(), "no temp files left");
    } finally {
      up.dispose();
    }
  });
}

test("streamed bicubic x4 equals the in-memory one, and a failing model leaves no output and no temp file", async (t) => {
  const dir = await tempDir(t);
  const input = join(dir, "in.png");
  await sharp(Buffer.from(pixels(33, 21, 3, 8, 3)), { raw: { width: 33, height: 21, channels: 3 } }).png().toFile(input);
  const up = bicubicUpscaler(4);
  await upscaleFile(input, join(dir, "a.png"), up, { format: "png" });
  await upscaleFile(input, join(dir, "b.png"), up, { format: "png", maxInMemoryBytes: 0, maxBandBytes: 132 * 4 * 3 * 4 * 3 });
  t.deepEqual(await readFile(join(dir, "b.png")), await readFile(join(dir, "a.png")));
  let calls = 0;
  const failing = { ...up, upscale: (lr: tf.Tensor4D) => { if (++calls === 3) throw new Error("model exploded"); return up.upscale(lr); } };
  await t.throwsAsync(upscaleFile(input, join(dir, "c.png"), failing, { format: "png", maxInMemoryBytes: 0, maxBandBytes: 132 * 4 * 3 * 4 * 3 }), { message: /model exploded/ });
  t.deepEqual((await readdir(dir)).sort(), ["a.png", "b.png", "in.png"]);
});

test("--max-input-pixels: an input above the limit fails from its header, naming the file, the size and the limit", async (t) => {
  const dir = await tempDir(t);
  const input = join(dir, "big.png");
  await sharp({ create: { width: 300, height: 200, channels: 3, background: "#808080" } }).png().toFile(input);
  const up = bicubicUpscaler(2);
  const err = await t.throwsAsync(upscaleFile(input, join(dir, "o.png"), up, { format: "png", maxInputPixels: 50_000 }), { instanceOf: InputTooLargeError });
  t.regex(err!.message, /big\.png: cannot read as an image \(300x200 is 0\.1 Mpx, above the limit of 0\.1 Mpx; raise --max-input-pixels/);
  await upscaleFile(input, join(dir, "o.png"), up, { format: "png", maxInputPixels: 60_000 });
  t.deepEqual((await readdir(dir)).sort(), ["big.png", "o.png"]);
});

test.serial("pcl-stream upscale --max-input-pixels: the file above the limit fails with the message, exit 1; a bad value is a usage error", async (t) => {
  const dir = await tempDir(t);
  const input = join(dir, "wide.png");
  await sharp({ create: { width: 400, height: 100, channels: 3, background: "#406080" } }).png().toFile(input);
  const { run } = await import("../bin/commands/upscale.js");
  const lines: string[] = [];
  const error = console.error, log = console.log;
  console.error = (...a: unknown[]) => { lines.push(a.join(" ")); };
  console.log = (...a: unknown[]) => { lines.push(a.join(" ")); };
  try {
    t.is(await run(["--model", "bicubic", "--scale", "2", "--backend", "cpu", "--max-input-pixels", "39999", "-o", join(dir, "out"), input]), 1);
    t.true(lines.some((l) => /^FAIL .*wide\.png: .*400x100 is 0\.0 Mpx, above the limit of 0\.0 Mpx; raise --max-input-pixels/.test(l)), lines.join("\n"));
    t.is(await run(["--model", "bicubic", "--scale", "2", "--backend", "cpu", "--max-input-pixels", "40000", "-o", join(dir, "out"), input]), 0);
    t.is(await run(["--model", "bicubic", "--max-input-pixels", "lots", input]), 2);
    t.true(lines.some((l) => l.includes("--max-input-pixels: expected an integer >= 1, got 'lots'")));
  } finally {
    console.error = error;
    console.log = log;
  }
});
