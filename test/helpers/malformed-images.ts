/**
 * A corpus of image files, good and malformed, generated at test time (seeded; nothing binary is
 * committed) for the training data loader's fuzz test. Each case says what must happen to it:
 * "valid" files must be loaded (with the size given), "invalid" ones reported, and "either" ones
 * (random truncations and bit flips, which a decoder may or may not notice) either loaded whole or
 * reported, never both, never neither.
 *
 * Kinds: PNG (RGB, palette, gray, gray + alpha, RGBA, 16-bit), JPEG (RGB, CMYK, every EXIF
 * orientation), WebP, TIFF, GIF, animated GIF and WebP, AVIF, files with the wrong extension, empty
 * files, non-image extensions, truncations at random offsets, bit flips in headers and in data, and
 * decompression bombs (headers claiming 10^10 pixels) in PNG, JPEG, WebP and TIFF.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync, crc32 } from "node:zlib";
import sharp from "sharp";
import { createRng } from "../../src/pipelines/data/index.js";

export type Expect = "valid" | "invalid" | "either";

export interface CorpusCase {
  readonly file: string;
  readonly expect: Expect;
  /** What it is, for failure messages. */
  readonly what: string;
  /** For valid cases: the decoded width and height (EXIF orientation applied). */
  readonly size?: readonly [number, number];
  /** For valid 8-bit RGB cases: the pixels it must decode to (within `tolerance`, on a 0..255 scale). */
  readonly pixels?: Uint8Array;
  readonly tolerance?: number;
  /** Left out by the folder listing (not an image extension) rather than by the decoder. */
  readonly listing?: boolean;
}

const W = 32, H = 24;

/** A smooth, detailed 8-bit RGB test picture (no flat areas). */
function picture(seed: number): Uint8Array {
  const px = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) {
    px[(y * W + x) * 3 + c] = Math.round(127 + 90 * Math.sin((x + seed) * 0.45 + c) * Math.cos((y - seed) * 0.35 + 0.5 * c));
  }
  return px;
}

const raw = (px: Uint8Array | Uint16Array, channels: number) => sharp(px, { raw: { width: W, height: H, channels: channels as 1 | 2 | 3 | 4 } });

/** PNG chunk with its CRC. */
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td) >>> 0);
  return Buffer.concat([len, td, crc]);
}

/** A well-formed PNG whose header claims width x height (CRC right) over a few bytes of data. */
function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(Buffer.alloc(1 << 16))), chunk("IEND", Buffer.alloc(0))]);
}

/** `jpeg` with its SOF0/SOF2 frame size replaced. */
function jpegBomb(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i + 9 < out.length;) {
    if (out[i] !== 0xff) break;
    const marker = out[i + 1];
    const len = out.readUInt16BE(i + 2);
    if (marker === 0xc0 || marker === 0xc2) { out.writeUInt16BE(height, i + 5); out.writeUInt16BE(width, i + 7); return out; }
    i += 2 + len;
  }
  throw new Error("no SOF marker");
}

/** A WebP (VP8X) whose canvas claims 16384 x 16384 (14-bit fields hold width - 1). */
function webpBomb(webp: Buffer): Buffer {
  const vp8x = Buffer.alloc(10);
  vp8x.writeUIntLE(16383, 4, 3); vp8x.writeUIntLE(16383, 7, 3);
  const body = webp.subarray(12);
  const c = Buffer.concat([Buffer.from("VP8X"), Buffer.from([10, 0, 0, 0]), vp8x, body]);
  const head = Buffer.concat([Buffer.from("RIFF"), Buffer.alloc(4), Buffer.from("WEBP")]);
  head.writeUInt32LE(4 + c.length, 4);
  return Buffer.concat([head, c]);
}

/** A little-endian TIFF whose one IFD claims 100000 x 100000 8-bit RGB, strips pointing at a few bytes. */
function tiffBomb(): Buffer {
  const entries: [number, number, number, number][] = [
    [256, 4, 1, 100000], [257, 4, 1, 100000], [258, 3, 1, 8], [259, 3, 1, 1], [262, 3, 1, 2],
    [273, 4, 1, 8 + 2 + 12 * 11 + 4], [277, 3, 1, 3], [278, 4, 1, 100000], [279, 4, 1, 64], [284, 3, 1, 1], [339, 3, 1, 1],
  ];
  const ifd = Buffer.alloc(2 + 12 * entries.length + 4);
  ifd.writeUInt16LE(entries.length, 0);
  entries.forEach(([tag, type, count, value], i) => {
    const o = 2 + 12 * i;
    ifd.writeUInt16LE(tag, o); ifd.writeUInt16LE(type, o + 2); ifd.writeUInt32LE(count, o + 4);
    if (type === 3) ifd.writeUInt16LE(value, o + 8); else ifd.writeUInt32LE(value, o + 8);
  });
  return Buffer.concat([Buffer.from([0x49, 0x49, 42, 0, 8, 0, 0, 0]), ifd, Buffer.alloc(64)]);
}

/** Writes the corpus into `dir` and returns its cases (at least 200). */
export async function writeMalformedCorpus(dir: string, seed = 14): Promise<CorpusCase[]> {
  mkdirSync(dir, { recursive: true });
  const rng = createRng(seed);
  const cases: CorpusCase[] = [];
  const put = (name: string, bytes: Uint8Array, c: Omit<CorpusCase, "file">) => {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    cases.push({ file, ...c });
  };
  const px = picture(1);
  const rgb = () => raw(px, 3);
  const gray = new Uint8Array(W * H), grayAlpha = new Uint8Array(W * H * 2), rgba = new Uint8Array(W * H * 4);
  for (let i = 0; i < W * H; i++) {
    gray[i] = px[i * 3];
    grayAlpha[i * 2] = px[i * 3]; grayAlpha[i * 2 + 1] = 255 - (i % 200);
    rgba.set(px.subarray(i * 3, i * 3 + 3), i * 4); rgba[i * 4 + 3] = 128 + (i % 100);
  }
  const px16 = new Uint16Array(W * H * 3);
  for (let i = 0; i < px16.length; i++) px16[i] = px[i] * 257 + (i % 200);
  const size: [number, number] = [W, H];
  const bases: { name: string; bytes: Buffer; tolerance: number }[] = [
    { name: "rgb.png", bytes: await rgb().png().toBuffer(), tolerance: 0 },
    { name: "rgb.jpg", bytes: await rgb().jpeg({ quality: 95 }).toBuffer(), tolerance: 24 },
    { name: "rgb.webp", bytes: await rgb().webp({ lossless: true }).toBuffer(), tolerance: 0 },
    { name: "rgb.tif", bytes: await rgb().tiff({ compression: "lzw" }).toBuffer(), tolerance: 0 },
    { name: "rgb.gif", bytes: await rgb().gif().toBuffer(), tolerance: 60 },
  ];
  for (const b of bases) put(b.name, b.bytes, { expect: "valid", what: b.name, size, pixels: px, tolerance: b.tolerance });
  put("palette.png", await rgb().png({ palette: true, colours: 256 }).toBuffer(), { expect: "valid", what: "palette PNG", size, pixels: px, tolerance: 60 });
  put("gray.png", await raw(gray, 1).toColourspace("b-w").png().toBuffer(), { expect: "valid", what: "gray PNG", size });
  put("gray-alpha.png", await raw(grayAlpha, 2).toColourspace("b-w").png().toBuffer(), { expect: "valid", what: "gray + alpha PNG", size });
  put("rgba.png", await raw(rgba, 4).png().toBuffer(), { expect: "valid", what: "RGBA PNG", size, pixels: px, tolerance: 0 });
  put("rgb16.png", await raw(px16, 3).toColourspace("rgb16").png().toBuffer(), { expect: "valid", what: "16-bit PNG", size, pixels: px, tolerance: 1 });
  put("cmyk.jpg", await rgb().toColourspace("cmyk").jpeg({ quality: 95 }).toBuffer(), { expect: "valid", what: "CMYK JPEG", size, pixels: px, tolerance: 40 });
  put("avif.avif", await rgb().avif({ quality: 90 }).toBuffer(), { expect: "valid", what: "AVIF", size });
  const frames = [await rgb().png().toBuffer(), await raw(picture(5), 3).png().toBuffer()];
  put("animated.gif", await sharp(frames, { join: { animated: true } }).gif().toBuffer(), { expect: "valid", what: "animated GIF (first frame)", size });
  put("animated.webp", await sharp(frames, { join: { animated: true } }).webp({ lossless: true }).toBuffer(), { expect: "valid", what: "animated WebP (first frame)", size, pixels: px, tolerance: 0 });
  for (let o = 1; o <= 8; o++) {
    put(`orientation-${o}.jpg`, await rgb().jpeg({ quality: 95 }).withMetadata({ orientation: o }).toBuffer(), { expect: "valid", what: `JPEG with EXIF orientation ${o}`, size: o >= 5 ? [H, W] : size });
  }
  // Wrong extensions: decoders go by content, so these are good images.
  put("png-named.jpg", bases[0].bytes, { expect: "valid", what: "a PNG named .jpg", size, pixels: px, tolerance: 0 });
  put("jpeg-named.png", bases[1].bytes, { expect: "valid", what: "a JPEG named .png", size, pixels: px, tolerance: 24 });
  put("webp-named.tiff", bases[2].bytes, { expect: "valid", what: "a WebP named .tiff", size, pixels: px, tolerance: 0 });
  put("tiff-named.webp", bases[3].bytes, { expect: "valid", what: "a TIFF named .webp", size, pixels: px, tolerance: 0 });
  // Not images: text under image names, images under other names, empty files.
  put("text.png", Buffer.from("this is not an image\n"), { expect: "invalid", what: "text named .png" });
  put("html.jpg", Buffer.from("<!doctype html><title>404</title>"), { expect: "invalid", what: "an HTML error page named .jpg" });
  put("image.txt", bases[0].bytes, { expect: "invalid", what: "a PNG named .txt", listing: true });
  put("README", Buffer.from("notes"), { expect: "invalid", what: "a file with no extension", listing: true });
  put("weights.bin", Buffer.alloc(64, 1), { expect: "invalid", what: "a .bin file", listing: true });
  for (const ext of ["png", "jpg", "jpeg", "webp", "tif", "tiff", "gif", "bmp", "avif"]) put(`empty.${ext}`, new Uint8Array(0), { expect: "invalid", what: `an empty .${ext}` });
  put("flat.png", await raw(new Uint8Array(W * H * 3).fill(90), 3).png().toBuffer(), { expect: "invalid", what: "one flat colour (what a broken decode gives)" });
  // Decompression bombs: headers claiming far more pixels than any sane image.
  put("bomb.png", pngBomb(100000, 100000), { expect: "invalid", what: "PNG bomb (100000 x 100000)" });
  put("bomb.jpg", jpegBomb(bases[1].bytes, 65000, 65000), { expect: "invalid", what: "JPEG bomb (65000 x 65000)" });
  put("bomb.webp", webpBomb(await rgb().webp({ quality: 80 }).toBuffer()), { expect: "invalid", what: "WebP bomb (16384 x 16384 canvas)" });
  put("bomb.tif", tiffBomb(), { expect: "invalid", what: "TIFF bomb (100000 x 100000)" });
  put("random.png", Uint8Array.from({ length: 4096 }, () => rng.int(256)), { expect: "invalid", what: "random bytes named .png" });
  // Truncations at random offsets and bit flips in headers and data, of each format.
  const sources = [...bases, { name: "rgb16.png", bytes: await raw(px16, 3).toColourspace("rgb16").png().toBuffer(), tolerance: 0 }];
  for (const b of sources) {
    const [stem, ext] = [b.name.replace(/\.[^.]+$/, ""), b.name.split(".").pop()!];
    for (let k = 0; k < 15; k++) {
      const at = k === 0 ? 8 : 1 + rng.int(b.bytes.length - 1);
      put(`trunc-${stem}-${k}.${ext}`, b.bytes.subarray(0, at), { expect: at <= 16 ? "invalid" : "either", what: `${b.name} truncated to ${at} of ${b.bytes.length} bytes` });
    }
    for (let k = 0; k < 15; k++) {
      const flipped = Buffer.from(b.bytes);
      const header = k < 7;
      const at = header ? rng.int(Math.min(64, flipped.length)) : 64 + rng.int(flipped.length - 64);
      flipped[at] ^= 1 << rng.int(8);
      put(`flip-${stem}-${k}.${ext}`, flipped, { expect: "either", what: `${b.name} with a bit flipped at byte ${at} (${header ? "header" : "data"})` });
    }
  }
  return cases;
}
