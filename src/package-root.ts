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
