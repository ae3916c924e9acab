/**
 * A corpus of image files, most of them malformed, generated from a seed at test time (nothing
 * binary is committed): truncations at random offsets, bit flips in headers and in data, empty files,
 * wrong extensions, decompression bombs (headers that declare huge images) in PNG, JPEG, WebP and
 * TIFF, random bytes, GIFs, and valid oddities (CMYK, 16-bit, palette, gray + alpha, animated WebP,
 * the eight EXIF orientations). Each case says what pcl-stream must do with it.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import sharp from "sharp";

/** What must become of a file: upscaled (with the output's size), refused, skipped as not an image, or either of the first two (a bit flip may leave a file readable). */
export type FuzzExpectation =
  | { readonly kind: "done"; readonly width: number; readonly height: number }
  | { readonly kind: "failed" }
  | { readonly kind: "not-an-image" }
  | { readonly kind: "done-or-failed" };

export interface FuzzCase {
  readonly name: string;
  readonly why: string;
  readonly expect: FuzzExpectation;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

interface Base { readonly id: string; readonly ext: string; readonly bytes: Buffer; readonly width: number; readonly height: number; readonly headerBytes: number }

const W = 24, H = 16;

function rawPixels(channels: number, sixteen: boolean, seed: number): Buffer | Uint16Array {
  const rand = seeded(seed);
  const n = W * H * channels, max = sixteen ? 65535 : 255;
  const data = sixteen ? new Uint16Array(n) : Buffer.alloc(n);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < channels; c++) {
    data[(y * W + x) * channels + c] = Math.round(max * Math.min(1, Math.max(0, 0.5 + 0.4 * Math.sin(x * 0.4 + y * 0.3 + c) + 0.1 * (rand() - 0.5))));
  }
  return data;
}

const from = (channels: 1 | 2 | 3 | 4, sixteen = false, seed = 1) =>
  sharp(rawPixels(channels, sixteen, seed), { raw: { width: W, height: H, channels } }).toColourspace(channels <= 2 ? (sixteen ? "grey16" : "b-w") : sixteen ? "rgb16" : "srgb");

/** The valid files every malformed one is made from (24x16 pixels, upscaled x2 to 48x32). */
async function bases(): Promise<Base[]> {
  const frames = await Promise.all([1, 2, 3].map((s) => from(3, false, s).png().toBuffer()));
  const list: Array<[string, string, Promise<Buffer>, number]> = [
    ["png-rgb", ".png", from(3).png().toBuffer(), 64],
    ["png-gray", ".png", from(1).png().toBuffer(), 64],
    ["png-gray-alpha", ".png", from(2).png().toBuffer(), 64],
    ["png-rgba", ".png", from(4).png().toBuffer(), 64],
    ["png-16bit", ".png", from(3, true).png().toBuffer(), 64],
    ["png-palette", ".png", from(3).png({ palette: true }).toBuffer(), 64],
    ["jpeg", ".jpg", from(3).jpeg().toBuffer(), 160],
    ["jpeg-gray", ".jpg", from(1).jpeg().toBuffer(), 160],
    ["jpeg-cmyk", ".jpg", from(3).toColourspace("cmyk").jpeg().toBuffer(), 160],
    ["webp", ".webp", from(3).webp().toBuffer(), 32],
    ["webp-alpha", ".webp", from(4).webp({ lossless: true }).toBuffer(), 32],
    ["webp-animated", ".webp", sharp(frames, { join: { animated: true } }).webp().toBuffer(), 48],
    ["tiff", ".tif", from(3).tiff({ compression: "none" }).toBuffer(), 16],
    ["tiff-lzw-16bit", ".tif", from(3, true).tiff({ compression: "lzw" }).toBuffer(), 16],
    ["tiff-gray-deflate", ".tif", from(1).tiff({ compression: "deflate" }).toBuffer(), 16],
  ];
  return Promise.all(list.map(async ([id, ext, bytes, headerBytes]) => ({ id, ext, bytes: await bytes, width: W, height: H, headerBytes })));
}

/** PNG with its IHDR size replaced (CRC fixed), so only the header lies. */
function pngClaiming(png: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(png);
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
}

/** JPEG with its SOF size replaced. */
function jpegClaiming(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i < out.length - 9; i++) {
    if (out[i] === 0xff && out[i + 1] >= 0xc0 && out[i + 1] <= 0xc2) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
  }
  throw new Error("jpegClaiming: no SOF marker");
}

/** A WebP that is only a VP8X header declaring a width x height canvas. */
function webpClaiming(width: number, height: number): Buffer {
  const chunk = Buffer.alloc(18);
  chunk.write("VP8X", 0, "latin1");
  chunk.writeUInt32LE(10, 4);
  chunk.writeUIntLE(width - 1, 12, 3);
  chunk.writeUIntLE(height - 1, 15, 3);
  const head = Buffer.alloc(12);
  head.write("RIFF", 0, "latin1");
  head.writeUInt32LE(4 + chunk.length, 4);
  head.write("WEBP", 8, "latin1");
  return Buffer.concat([head, chunk]);
}

/** An uncompressed little-endian TIFF whose IFD declares width x height (one tiny strip of real data). */
function tiffClaiming(width: number, height: number): Buffer {
  const entries: Array<[number, number, number]> = [[256, 4, width], [257, 4, height], [258, 3, 8], [259, 3, 1], [262, 3, 1], [273, 4, 8], [277, 3, 1], [278, 4, height], [279, 4, 16]];
  const ifdAt = 8 + 16;
  const out = Buffer.alloc(ifdAt + 2 + entries.length * 12 + 4);
  out.write("II", 0, "latin1");
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(ifdAt, 4);
  out.writeUInt16LE(entries.length, ifdAt);
  entries.forEach(([tag, type, value], i) => {
    const p = ifdAt + 2 + i * 12;
    out.writeUInt16LE(tag, p); out.writeUInt16LE(type, p + 2); out.writeUInt32LE(1, p + 4);
    if (type === 3) out.writeUInt16LE(value, p + 8); else out.writeUInt32LE(value, p + 8);
  });
  return out;
}

/** Writes the corpus into `dir` (flat, names never ignored by the watcher) and returns its cases. */
export async function writeFuzzCorpus(dir: string, seed = 14): Promise<FuzzCase[]> {
  const rand = seeded(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo));
  const cases: FuzzCase[] = [];
  let n = 0;
  const add = async (label: string, ext: string, bytes: Buffer | string, why: string, expect: FuzzExpectation): Promise<void> => {
    const name = `case-${String(n++).padStart(3, "0")}-${label}${ext}`;
    await writeFile(join(dir, name), bytes);
    cases.push({ name, why, expect });
  };
  const all = await bases();
  const ok = { kind: "done", width: 2 * W, height: 2 * H } as const;
  for (const b of all) await add(b.id, b.ext, b.bytes, `valid ${b.id}`, ok);
  // EXIF orientations: 5 to 8 swap width and height.
  for (let o = 1; o <= 8; o++) {
    await add(`jpeg-exif-${o}`, ".jpg", await from(3, false, o).withMetadata({ orientation: o }).jpeg().toBuffer(), `EXIF orientation ${o}`, o >= 5 ? { kind: "done", width: 2 * H, height: 2 * W } : ok);
  }
  // Wrong extensions: the content decides.
  const byId = (id: string): Base => all.find((b) => b.id === id)!;
  for (const [id, ext] of [["png-rgb", ".jpg"], ["jpeg", ".png"], ["webp", ".tif"], ["tiff", ".webp"], ["png-rgba", ""], ["jpeg", ".txt"], ["png-16bit", ".JPEG"]] as const) {
    await add(`${id}-named${ext.replace(".", "-") || "-noext"}`, ext, byId(id).bytes, `${id} content under a wrong extension '${ext}'`, ok);
  }
  // Truncations at random offsets (never the whole file).
  for (const b of all) for (let k = 0; k < 6; k++) {
    const at = int(0, b.bytes.length - 1);
    // A truncated PNG/JPEG/WebP/TIFF misses its end: its decoder must say so.
    await add(`${b.id}-truncated-${at}`, b.ext, b.bytes.subarray(0, at), `${b.id} truncated at byte ${at} of ${b.bytes.length}`, { kind: "failed" });
  }
  // Bit flips: three in the header, three in the data, per base.
  for (const b of all) for (let k = 0; k < 6; k++) {
    const bytes = Buffer.from(b.bytes);
    const inHeader = k < 3;
    const at = inHeader ? int(0, Math.min(b.headerBytes, bytes.length)) : int(Math.min(b.headerBytes, bytes.length - 1), bytes.length);
    const bit = int(0, 8);
    bytes[at] ^= 1 << bit;
    await add(`${b.id}-flip-${inHeader ? "header" : "data"}-${at}.${bit}`, b.ext, bytes, `${b.id} with bit ${bit} of byte ${at} flipped`, { kind: "done-or-failed" });
  }
  // Empty files.
  for (const ext of [".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff"]) await add("empty", ext, "", `0 bytes named ${ext}`, { kind: "failed" });
  await add("empty-noext", "", "", "0 bytes, no extension", { kind: "not-an-image" });
  // Decompression bombs: headers that declare far more pixels than the limit.
  const png = byId("png-rgb").bytes, jpeg = byId("jpeg").bytes;
  for (const [w, h] of [[100000, 100000], [30000, 30000], [16384, 16385], [1, 2 ** 31 - 1]] as const) await add(`png-bomb-${w}x${h}`, ".png", pngClaiming(png, w, h), `PNG header declaring ${w}x${h}`, { kind: "failed" });
  for (const [w, h] of [[65000, 65000], [30000, 20000]] as const) await add(`jpeg-bomb-${w}x${h}`, ".jpg", jpegClaiming(jpeg, w, h), `JPEG SOF declaring ${w}x${h}`, { kind: "failed" });
  for (const [w, h] of [[16384, 16384], [16383, 16383]] as const) await add(`webp-bomb-${w}x${h}`, ".webp", webpClaiming(w, h), `WebP VP8X declaring ${w}x${h}, no image data`, { kind: "failed" });
  for (const [w, h] of [[100000, 100000], [4000000, 1]] as const) await add(`tiff-bomb-${w}x${h}`, ".tif", tiffClaiming(w, h), `TIFF IFD declaring ${w}x${h}`, { kind: "failed" });
  // Random bytes, with and without an image extension; a valid magic number followed by garbage.
  for (let k = 0; k < 6; k++) {
    const bytes = Buffer.from(Array.from({ length: int(1, 3000) }, () => int(0, 256)));
    await add(`random-${k}`, [".png", ".jpg", ".webp", ".tif", ".png", ".jpg"][k], bytes, "random bytes under an image extension", { kind: "failed" });
  }
  for (let k = 0; k < 3; k++) await add(`random-noext-${k}`, ".bin", Buffer.from(Array.from({ length: int(20, 500) }, () => int(0, 256))).fill(0x20, 0, 4), "random bytes, no image extension", { kind: "not-an-image" });
  for (const [magic, ext] of [[png.subarray(0, 8), ".png"], [jpeg.subarray(0, 3), ".jpg"], [Buffer.from("RIFF\0\0\0\0WEBP"), ".webp"], [Buffer.from([0x49, 0x49, 0x2a, 0]), ".tif"]] as const) {
    await add(`magic-then-garbage`, ext, Buffer.concat([magic, Buffer.from(Array.from({ length: int(10, 400) }, () => int(0, 256)))]), `a valid ${ext} magic number followed by garbage`, { kind: "failed" });
  }
  // GIF, still and animated: not a format pcl-stream reads.
  const frames = await Promise.all([1, 2].map((s) => from(3, false, s).png().toBuffer()));
  await add("gif-animated", ".gif", await sharp(frames, { join: { animated: true } }).gif().toBuffer(), "animated GIF", { kind: "failed" });
  await add("gif-still", ".gif", await from(3).gif().toBuffer(), "still GIF", { kind: "failed" });
  return cases;
}
