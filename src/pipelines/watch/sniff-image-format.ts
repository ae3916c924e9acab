/**
 * Recognizes an image by its first bytes (magic numbers), so a renamed or extension-less image
 * is still found and a text file named x.png is not mistaken for one.
 */
import { open } from "node:fs/promises";
import { extname } from "node:path";
import type { ImageFormat } from "./steps.js";

/** What the first bytes say: a format pcl-stream reads, another image format, or not an image. */
export type Sniffed = { readonly kind: "image"; readonly format: ImageFormat } | { readonly kind: "unsupported"; readonly format: string } | { readonly kind: "unknown" };

const startsWith = (head: Uint8Array, bytes: readonly number[], at = 0): boolean => bytes.every((b, i) => head[at + i] === b);
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** Classifies the first (at least 12) bytes of a file. */
export function sniffImageFormat(head: Uint8Array): Sniffed {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: "image", format: "png" };
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { kind: "image", format: "jpeg" };
  if (startsWith(head, ascii("RIFF")) && startsWith(head, ascii("WEBP"), 8)) return { kind: "image", format: "webp" };
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return { kind: "image", format: "tiff" };
  if (startsWith(head, ascii("GIF87a")) || startsWith(head, ascii("GIF89a"))) return { kind: "unsupported", format: "gif" };
  if (startsWith(head, ascii("BM"))) return { kind: "unsupported", format: "bmp" };
  if (startsWith(head, ascii("ftyp"), 4)) return { kind: "unsupported", format: "heif/avif" };
  return { kind: "unknown" };
}

/** Reads the first bytes of a file and classifies them. */
export async function sniffFile(file: string): Promise<Sniffed> {
  const handle = await open(file, "r");
  try {
    const head = new Uint8Array(16);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return sniffImageFormat(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

const IMAGE_EXTENSIONS = new Set([".png", ".jpg", ".jpeg", ".jpe", ".webp", ".tif", ".tiff", ".gif", ".bmp", ".avif", ".heic", ".heif"]);

/** True when the file name claims to be an image (so unreadable content is a failure, not something to ignore). */
export const hasImageExtension = (file: string): boolean => IMAGE_EXTENSIONS.has(extname(file).toLowerCase());
