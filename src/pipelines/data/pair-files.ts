/**
 * Paired mode: each HR file matched with its LR file in another folder.
 *
 * Names match on the path relative to each folder, without the extension. The LR file may be named
 * like the HR one (`sub/baby.png`) or carry the scale the way DIV2K and most SR sets do
 * (`sub/babyx4.png` for scale 4); an exact name wins when both exist. HR files without an LR file and
 * LR files without an HR file are reported through `onSkip` and left out.
 *
 * ```ts
 * pairFiles({ hrDir: "hr", hrFiles: ["hr/baby.png"], lrDir: "lr", lrFiles: ["lr/babyx4.png"], scale: 4 });
 * // [{ hr: "hr/baby.png", lr: "lr/babyx4.png" }]
 * ```
 */
import { extname, relative } from "node:path";
import type { OnSkip } from "./list-images.js";

export interface FilePair {
  readonly hr: string;
  /** The LR file, or undefined when the LR image is made from HR. */
  readonly lr?: string;
}

export interface PairFilesInput {
  readonly hrDir: string;
  readonly hrFiles: readonly string[];
  readonly lrDir: string;
  readonly lrFiles: readonly string[];
  readonly scale: number;
  readonly onSkip?: OnSkip;
}

const stem = (dir: string, file: string): string => {
  const rel = relative(dir, file).split("\\").join("/");
  return rel.slice(0, rel.length - extname(rel).length);
};

/** HR files (in their given order) with their LR files; unmatched files are reported and dropped. */
export function pairFiles(input: PairFilesInput): FilePair[] {
  const { hrDir, hrFiles, lrDir, lrFiles, scale, onSkip } = input;
  const suffix = `x${scale}`;
  const exact = new Map<string, string>();
  const suffixed = new Map<string, string>();
  for (const lr of lrFiles) {
    const key = stem(lrDir, lr);
    if (!exact.has(key)) exact.set(key, lr);
    if (key.endsWith(suffix) && !suffixed.has(key.slice(0, -suffix.length))) suffixed.set(key.slice(0, -suffix.length), lr);
  }
  const used = new Set<string>();
  const pairs: FilePair[] = [];
  for (const hr of hrFiles) {
    const key = stem(hrDir, hr);
    const lr = exact.get(key) ?? suffixed.get(key);
    if (lr === undefined) {
      onSkip?.(hr, `no LR image named '${key}.*' or '${key}${suffix}.*' under ${lrDir}`);
      continue;
    }
    used.add(lr);
    pairs.push({ hr, lr });
  }
  for (const lr of lrFiles) {
    if (!used.has(lr)) onSkip?.(lr, `no HR image under ${hrDir} matches this LR image`);
  }
  return pairs;
}
