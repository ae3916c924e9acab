/**
 * Removes pcl-stream's leftover temp files (`.pcl-tmp-*`) below a folder: what a crash during an
 * atomic write leaves behind. Run on start, before anything is written.
 */
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { TEMP_PREFIX } from "../../io/image.js";

/** Deletes `.pcl-tmp-*` files in `dir` (and its subfolders when `recursive`); returns the paths removed. */
export async function cleanTempFiles(dir: string, recursive: boolean): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name.startsWith(TEMP_PREFIX)) {
      await rm(path, { force: true });
      removed.push(path);
    } else if (recursive && entry.isDirectory()) {
      removed.push(...(await cleanTempFiles(path, true)));
    }
  }
  return removed;
}
