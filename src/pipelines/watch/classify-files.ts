/**
 * Stage: looks at each pending file's content. Images pcl-stream reads become `image` steps with
 * their planned output; everything else leaves as an event.
 */
import { stat } from "node:fs/promises";
import type { OperatorFunction } from "rxjs";
import { mapStep } from "./map-step.js";
import { outputFormatFor, outputPathFor, type OutputNaming } from "./output-path.js";
import { hasImageExtension, sniffFile } from "./sniff-image-format.js";
import type { Step } from "./steps.js";

/**
 * Pending file -> `image` (png, jpeg, webp, tiff by magic bytes, whatever the name),
 * or `skipped: not-an-image` (not an image, and the name does not claim one: notes.txt),
 * or `failed` (the name claims an image but the content is not one pcl-stream reads: empty, corrupt, gif),
 * or `skipped: gone` (deleted before it was looked at).
 */
export function classifyFiles(naming: OutputNaming): OperatorFunction<Step, Step> {
  return mapStep("pending", async ({ file, root }): Promise<Step> => {
    let info;
    try {
      info = await stat(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { type: "skipped", file, reason: "gone" };
      return { type: "failed", file, error: `cannot read the file (${(err as Error).message})` };
    }
    const version = { size: info.size, mtimeMs: info.mtimeMs };
    if (!info.isFile()) return { type: "skipped", file, reason: "not-an-image" };
    const sniffed = info.size === 0 ? ({ kind: "unknown" } as const) : await sniffFile(file).catch(() => ({ kind: "unknown" }) as const);
    if (sniffed.kind === "image") {
      const outputFormat = outputFormatFor(sniffed.format, naming.format);
      return { type: "image", file, root, format: sniffed.format, outputFormat, output: outputPathFor(file, root, outputFormat, naming), ...version };
    }
    if (!hasImageExtension(file) && sniffed.kind === "unknown") return { type: "skipped", file, reason: "not-an-image" };
    const error =
      info.size === 0
        ? "empty file (0 bytes)"
        : sniffed.kind === "unsupported"
          ? `unsupported image format ${sniffed.format} (expected png, jpeg, webp or tiff)`
          : "content is not a png, jpeg, webp or tiff image (unknown magic bytes)";
    return { type: "failed", file, error, ...version };
  });
}
