/**
 * Names the watcher never looks at: hidden files and folders, OS clutter, partial downloads,
 * and pcl-stream's own temp files.
 */
import { basename, relative, sep } from "node:path";
import { TEMP_PREFIX } from "../../io/image.js";

const CLUTTER = new Set(["thumbs.db", "desktop.ini", "ehthumbs.db"]);
const PARTIAL_EXTENSIONS = [".part", ".crdownload", ".tmp", ".download", ".partial", ".swp"];

/** True for one file or folder name to ignore (`.DS_Store`, `Thumbs.db`, `x.jpg.part`, `.pcl-tmp-*`, ...). */
export function isIgnoredName(name: string): boolean {
  const lower = name.toLowerCase();
  return name.startsWith(".") || name.startsWith(TEMP_PREFIX) || name.startsWith("~$") || CLUTTER.has(lower) || PARTIAL_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** True when any segment of `path` below `root` is an ignored name (the root's own name does not count). */
export function isIgnoredPath(root: string, path: string): boolean {
  const rel = relative(root, path);
  if (rel === "") return false;
  return rel.split(sep).some(isIgnoredName) || isIgnoredName(basename(path));
}
