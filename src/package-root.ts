/**
 * The folder of pcl-stream's package.json, found from this file's location, so that what ships
 * beside the code (the native addon's build folder, the bundled data) is found the same way from
 * the sources (src/, run through tsx) and from the build (dist/src/, plain node).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

/** The package's root folder (holds package.json, build/, data/). */
export function packageRoot(): string {
  if (root !== undefined) return root;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "pcl-stream") {
      root = dir;
      return dir;
    }
    if (dirname(dir) === dir) throw new Error(`pcl-stream: no package.json named pcl-stream above ${start}`);
  }
}

/** The image folders that ship with pcl-stream, as absolute paths. */
export interface BundledData {
  /** HR training images: the T91 set (91 PNGs), what `train` reads by default. */
  readonly train: string;
  /** Set5's HR images, what `train` validates on by default. */
  readonly set5: string;
  /** Set5's MATLAB-made x4 LR images (same names as the HR ones), for `evaluateFolder`'s `lrDir`. */
  readonly set5LrX4: string;
}

/** Where the bundled data sets are (inside the installed package). */
export function bundledData(): BundledData {
  const data = join(packageRoot(), "data");
  return { train: join(data, "train"), set5: join(data, "set5", "HR"), set5LrX4: join(data, "set5", "LR_bicubic", "X4") };
}
