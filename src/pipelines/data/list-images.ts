/**
 * The image files under a folder, recursively, in a fixed order.
 *
 * Sorted by path (code-unit order, not locale order), so the same folder lists the same way on every
 * machine and a seeded sampler picks the same files. Dotfiles and dot-folders are skipped (this also
 * skips pcl-stream's own `.pcl-tmp-*` files). Files whose extension is not an image format are
 * reported through `onSkip` and left out.
 *
 * ```ts
 * const files = await listImages("data/t91", { onSkip: (f, why) => console.warn(f, why) });
 * ```
 */
import { readdir } from "node:fs/promises";
import { extname, join, relative } from "node:path";

/** Extensions read as images (lower case, with the dot); every one of them sharp decodes. */
export const IMAGE_EXTENSIONS: readonly string[] = [".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".gif", ".avif"];

/** Called once for each file left out of the data, with the reason. */
export type OnSkip = (file: string, reason: string) => void;

/** The default `OnSkip`: one line on stderr per file left out. */
export const warnOnSkip: OnSkip = (file, reason) => {
  process.stderr.write(`pcl-stream: skipping ${file}: ${reason}\n`);
};

/** True when the file name has an image extension (case-insensitive) and is not a dotfile. */
export function isImageFile(name: string): boolean {
  return !baseIsDotfile(name) && IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}

const baseIsDotfile = (name: string): boolean => (name.split(/[\\/]/).pop() ?? "").startsWith(".");

/** A folder that cannot be listed (missing, not a folder, no permission). */
export class ListImagesError extends Error {
  override readonly name = "ListImagesError";
  constructor(readonly dir: string, reason: string) {
    super(`${dir}: cannot list the folder (${reason})`);
  }
}

export interface ListImagesOptions {
  /** Told about each non-dot file that is not an image. Default: nothing is told. */
  readonly onSkip?: OnSkip;
}

/** Paths (each `join(dir, relative)`) of the image files under `dir`, sorted. */
export async function listImages(dir: string, options: ListImagesOptions = {}): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (err) {
    throw new ListImagesError(dir, err instanceof Error ? err.message : String(err));
  }
  const images: string[] = [];
  const others: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    const file = join(entry.parentPath, entry.name);
    if (relative(dir, file).split(/[\\/]/).some((part) => part.startsWith("."))) continue;
    (isImageFile(entry.name) ? images : others).push(file);
  }
  const byPath = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  others.sort(byPath);
  for (const file of others) {
    options.onSkip?.(file, `'${extname(file) || "(no extension)"}' is not an image extension (${IMAGE_EXTENSIONS.join(" ")})`);
  }
  return images.sort(byPath);
}
