/**
 * Image files in and out, through sharp. The only place pcl-stream touches pixel files.
 *
 * A `DecodedImage` is what the file holds (EXIF orientation applied): 1 to 4 channels,
 * 8 or 16 bits, interleaved HWC. `toRgb` turns it into the RGB float image every model
 * and metric works on (gray replicated, alpha dropped, values in [0, 1]).
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, statfs, utimes, writeFile } from "node:fs/promises";
import { dirname, extname, basename, join } from "node:path";
import type SharpModule from "sharp";
import type { Sharp } from "sharp";
import { loadSharp } from "./sharp.js";

export type BitDepth = 8 | 16;
export type ChannelCount = 1 | 2 | 3 | 4;

/** Pixels as stored: HWC interleaved, 8-bit in Uint8Array, 16-bit in Uint16Array. */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly channels: ChannelCount;
  readonly bitDepth: BitDepth;
  readonly data: Uint8Array | Uint16Array;
  /** sharp's name of the file format: png, jpeg, webp, tiff, ... */
  readonly format: string;
}

/** RGB, float32, HWC interleaved, values in [0, 1] (not clipped when produced by a model). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** A file that is not a readable image, or an image pcl-stream cannot use. */
export class ImageReadError extends Error {
  override readonly name = "ImageReadError";
  constructor(readonly file: string, reason: string) {
    super(`${file}: cannot read as an image (${reason})`);
  }
}

/** An output image that could not be written (the message names the file and why). */
export class ImageWriteError extends Error {
  override readonly name = "ImageWriteError";
  /** The system error code behind it when there is one (ENOSPC, EACCES, EROFS, ...). */
  readonly code: string | undefined;
  constructor(readonly file: string, reason: string, code?: string) {
    super(`${file}: cannot write the image (${reason})`);
    this.code = code ?? errnoInMessage(reason);
  }
}

/** The errno a message names (libvips reports system errors as text): ENOSPC for "No space left on device", ... */
function errnoInMessage(message: string): string | undefined {
  const named = /\b(E[A-Z]{3,})\b/.exec(message)?.[1];
  if (named) return named;
  if (/no space left on device/i.test(message)) return "ENOSPC";
  if (/disk quota exceeded/i.test(message)) return "EDQUOT";
  if (/read-only file system/i.test(message)) return "EROFS";
  if (/permission denied/i.test(message)) return "EACCES";
  return undefined;
}

/** Decodes a file (or an in-memory buffer, `name` used in errors) with EXIF orientation applied. */
export async function readImage(file: string | Buffer, name = typeof file === "string" ? file : "<buffer>"): Promise<DecodedImage> {
  try {
    const sharp = await loadSharp();
    const meta = await sharp(file).metadata();
    if (!meta.width || !meta.height) throw new Error("no width or height");
    const { data, info } = await asStoredPixels(sharp(file).rotate(), meta).toBuffer({ resolveWithObject: true });
    return storedPixels(data, info, meta);
  } catch (err) {
    if (err instanceof ImageReadError) throw err;
    throw new ImageReadError(name, err instanceof Error ? err.message : String(err));
  }
}

/** True when sharp decodes this image to 16-bit samples. */
export const isSixteenBit = (meta: Pick<SharpModule.Metadata, "depth">): boolean => meta.depth === "ushort" || meta.depth === "short";

/**
 * The decode pipeline's last steps: raw pixels as stored (16-bit kept, 8-bit gray one channel).
 * `readImage` and the row reader of the streaming path (`openImageRows`) share it, so both see
 * the same pixels.
 */
export function asStoredPixels(pipe: Sharp, meta: Pick<SharpModule.Metadata, "depth" | "channels">): Sharp {
  // Without an explicit 16-bit colourspace sharp converts 16-bit input to 8-bit-range sRGB (and gray to 3 channels).
  if (isSixteenBit(meta)) return pipe.toColourspace((meta.channels ?? 3) <= 2 ? "grey16" : "rgb16").raw({ depth: "ushort" });
  // 8-bit gray stays one channel; gray + alpha comes back as RGBA (sharp drops alpha when asked for b-w).
  return (meta.channels === 1 ? pipe.toColourspace("b-w") : pipe).raw();
}

/** `asStoredPixels`' output as a `DecodedImage` (the bytes copied out of sharp's buffer). */
export function storedPixels(data: Buffer, info: SharpModule.OutputInfo, meta: Pick<SharpModule.Metadata, "depth" | "format">): DecodedImage {
  const channels = info.channels as ChannelCount;
  if (channels < 1 || channels > 4) throw new Error(`${info.channels} channels (expected 1 to 4)`);
  const sixteen = isSixteenBit(meta);
  const pixels = sixteen
    ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2).slice()
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  return { width: info.width, height: info.height, channels, bitDepth: sixteen ? 16 : 8, data: pixels, format: meta.format ?? "unknown" };
}

/** True when the image has an alpha channel (2 = gray + alpha, 4 = RGB + alpha). */
export const hasAlpha = (img: DecodedImage): boolean => img.channels === 2 || img.channels === 4;

/** Gray replicated to RGB, alpha dropped, scaled to [0, 1] (by 255 or 65535). */
export function toRgb(img: DecodedImage): RgbImage {
  const { width, height, channels, data } = img;
  const scale = img.bitDepth === 16 ? 1 / 65535 : 1 / 255;
  const out = new Float32Array(width * height * 3);
  const gray = channels <= 2;
  for (let p = 0, s = 0, o = 0; p < width * height; p++, s += channels, o += 3) {
    if (gray) {
      const v = data[s] * scale;
      out[o] = v; out[o + 1] = v; out[o + 2] = v;
    } else {
      out[o] = data[s] * scale; out[o + 1] = data[s + 1] * scale; out[o + 2] = data[s + 2] * scale;
    }
  }
  return { width, height, data: out };
}

/** The alpha channel alone, in [0, 1], or undefined when the image has none. */
export function alphaOf(img: DecodedImage): Float32Array | undefined {
  if (!hasAlpha(img)) return undefined;
  const { width, height, channels, data } = img;
  const scale = img.bitDepth === 16 ? 1 / 65535 : 1 / 255;
  const out = new Float32Array(width * height);
  for (let p = 0; p < width * height; p++) out[p] = data[p * channels + channels - 1] * scale;
  return out;
}

/** Reads a file straight to RGB in [0, 1]. */
export async function readRgb(file: string): Promise<RgbImage> {
  return toRgb(await readImage(file));
}

/** Float channels in [0, 1] (clipped) to 8 or 16 bits, rounded. */
export function quantize(values: Float32Array, bitDepth: BitDepth): Uint8Array | Uint16Array {
  const max = bitDepth === 16 ? 65535 : 255;
  const out = bitDepth === 16 ? new Uint16Array(values.length) : new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round(values[i] * max);
    out[i] = v < 0 ? 0 : v > max ? max : v;
  }
  return out;
}

/** The image formats pcl-stream writes. */
export type OutputFormat = "png" | "jpg" | "webp" | "tiff";

/** The output format that a file extension names, if pcl-stream writes it. */
export function formatOfPath(file: string): OutputFormat | undefined {
  const ext = extname(file).toLowerCase();
  if (ext === ".png") return "png";
  if (ext === ".jpg" || ext === ".jpeg") return "jpg";
  if (ext === ".webp") return "webp";
  if (ext === ".tif" || ext === ".tiff") return "tiff";
  return undefined;
}

/** Formats that keep 16 bits per channel. */
export const keeps16Bit = (format: OutputFormat): boolean => format === "png" || format === "tiff";

/** The sharp pipeline that encodes `img` as `format`. 16-bit data stays 16-bit where the format allows, else is reduced to 8. */
function encoder(sharp: typeof SharpModule, img: Omit<DecodedImage, "format">, format: OutputFormat, quality: number): Sharp {
  let { data, bitDepth } = img;
  if (bitDepth === 16 && !keeps16Bit(format)) {
    const d8 = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) d8[i] = Math.round(data[i] / 257);
    data = d8; bitDepth = 8;
  }
  // sharp takes the raw sample depth from the typed array's class (its `raw.depth` is ignored for input):
  // 16-bit data must arrive as a Uint16Array, or its bytes are read as 8-bit samples.
  const raw = bitDepth === 16 ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  // Raw pixels we made ourselves: no decompression-bomb risk, so no pixel limit (an 8000x8000 input at x4 is 1e9 pixels).
  return encodePixels(sharp(raw, { limitInputPixels: false, raw: { width: img.width, height: img.height, channels: img.channels } }), img.channels, bitDepth, format, quality);
}

/**
 * The encoding steps for pixels of `channels` channels at `bitDepth` bits (already reduced to 8 where
 * `format` keeps no 16), whatever `pipe` reads them from: a raw buffer (`encodeImage`) or the
 * striped TIFF the streaming path writes row by row (`encodeRowsAtomic`), so both give the same file.
 */
export function encodePixels(pipe: Sharp, channels: ChannelCount, bitDepth: BitDepth, format: OutputFormat, quality: number): Sharp {
  // Gray must be marked as such, or sharp writes it as 3-channel sRGB.
  const p = pipe.toColourspace(channels <= 2 ? (bitDepth === 16 ? "grey16" : "b-w") : bitDepth === 16 ? "rgb16" : "srgb");
  switch (format) {
    case "png": return p.png();
    case "jpg": return (channels === 2 || channels === 4 ? p.flatten({ background: "#ffffff" }) : p).jpeg({ quality });
    case "webp": return p.webp({ quality });
    case "tiff": return p.tiff();
  }
}

/** Encodes an image to a buffer. 16-bit data is written 16-bit where the format allows, else reduced to 8. */
export async function encodeImage(img: Omit<DecodedImage, "format">, format: OutputFormat, quality = 95): Promise<Buffer> {
  return encoder(await loadSharp(), img, format, quality).toBuffer();
}

/** Options of the atomic writers. */
export interface AtomicWriteOptions {
  /** Stamps the file with this modification time (seconds since the epoch, or a Date) before the rename. */
  readonly mtime?: number | Date;
  /** Called once the temp file is complete, before the rename; what it throws is passed on as is (and nothing is renamed). */
  readonly beforeRename?: () => Promise<void>;
}

/** Runs `write(tmp)` on a temp file beside `file` (`.pcl-tmp-*`), then renames it to `file`; the temp file is removed on failure. */
export async function atomically(file: string, write: (tmp: string) => Promise<unknown>, options?: AtomicWriteOptions): Promise<void> {
  const tmp = join(dirname(file), `${TEMP_PREFIX}${randomBytes(6).toString("hex")}-${basename(file)}`);
  let vetoed: { readonly err: unknown } | undefined;
  try {
    await mkdir(dirname(file), { recursive: true });
    await write(tmp);
    if (options?.mtime !== undefined) await utimes(tmp, new Date(), options.mtime);
    if (options?.beforeRename) {
      try {
        await options.beforeRename();
      } catch (err) {
        vetoed = { err };
        throw err;
      }
    }
    await rename(tmp, file);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // libvips does not always pass the system error on (a full disk can surface as "Warning treated as
    // error"): a write that failed with the file system (nearly) full, before its temp file is removed, is ENOSPC.
    const code = (err as NodeJS.ErrnoException).code ?? errnoInMessage(message) ?? (vetoed || err instanceof ImageWriteError ? undefined : await fullDisk(dirname(file)));
    await rm(tmp, { force: true }).catch(() => undefined);
    if (vetoed || err instanceof ImageWriteError) throw err;
    throw new ImageWriteError(file, code === "ENOSPC" && !/no space/i.test(message) ? `${message}; no space left on device` : message, code);
  }
}

/** "ENOSPC" when the file system holding `dir` has less than 1 MiB available, else undefined. */
async function fullDisk(dir: string): Promise<string | undefined> {
  const s = await statfs(dir).catch(() => undefined);
  return s && s.bavail * s.bsize < 2 ** 20 ? "ENOSPC" : undefined;
}

/**
 * Writes atomically: the bytes go to a temp file beside the target (`.pcl-tmp-*`), then a rename.
 * A crash leaves no partial file under the target's name. `mtime` stamps the file before the rename,
 * so it never appears with another modification time.
 */
export async function writeFileAtomic(file: string, bytes: Buffer, options?: AtomicWriteOptions): Promise<void> {
  await atomically(file, (tmp) => writeFile(tmp, bytes), options);
}

/**
 * Encodes `img` straight into a temp file beside `file`, then renames it: like
 * `writeFileAtomic(file, await encodeImage(img, format))` without holding the encoded bytes in
 * memory (for huge outputs).
 */
export async function encodeImageAtomic(file: string, img: Omit<DecodedImage, "format">, format: OutputFormat, options?: AtomicWriteOptions & { readonly quality?: number }): Promise<void> {
  const sharp = await loadSharp();
  await atomically(file, (tmp) => encoder(sharp, img, format, options?.quality ?? 95).toFile(tmp), options);
}

/** Prefix of pcl-stream's own temp files (ignored by the watcher, cleaned on start). */
export const TEMP_PREFIX = ".pcl-tmp-";

/** Encodes and writes atomically; the format comes from the extension unless given. */
export async function writeImage(file: string, img: Omit<DecodedImage, "format">, format = formatOfPath(file)): Promise<void> {
  if (!format) throw new ImageWriteError(file, `unknown output extension '${extname(file)}' (expected .png, .jpg, .webp or .tif)`);
  await writeFileAtomic(file, await encodeImage(img, format));
}

/** RGB float in [0, 1] to an 8-bit (or 16-bit) RGB image ready for `writeImage`. */
export function fromRgb(img: RgbImage, bitDepth: BitDepth = 8): Omit<DecodedImage, "format"> {
  return { width: img.width, height: img.height, channels: 3, bitDepth, data: quantize(img.data, bitDepth) };
}
