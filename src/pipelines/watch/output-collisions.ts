/**
 * Stages: two inputs that would write one output (`a.png` and `a.jpg` with `--format png`, or
 * `a.png` and `a.PNG`) are both refused before either is upscaled, each failure naming the other,
 * so neither silently overwrites the other's output.
 *
 * `refuseCollisionsInBatch` (upscale: the file list is finite) waits for every file to be
 * classified, then groups them by output. `refuseSiblingCollisions` (watch: files arrive one at a
 * time) looks, for each image, at the other files in its folder with the same stem, which are the
 * only ones whose output can share its name (outputs mirror the input's folder and keep its stem).
 */
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { concatMap, from, toArray, type OperatorFunction } from "rxjs";
import { isIgnoredName } from "./ignored-name.js";
import { mapStep } from "./map-step.js";
import { outputFormatFor, outputPathFor, type OutputNaming } from "./output-path.js";
import { sniffFile } from "./sniff-image-format.js";
import type { PendingImage, Step } from "./steps.js";

const collision = (image: PendingImage, others: readonly string[]): Step => ({
  type: "failed",
  file: image.file,
  error: `output ${image.output} would also be written from ${others.join(", ")}; rename one of them (neither was upscaled)`,
});

export function refuseCollisionsInBatch(): OperatorFunction<Step, Step> {
  return (source) =>
    source.pipe(
      toArray(),
      concatMap((steps) => {
        const byOutput = new Map<string, string[]>();
        for (const s of steps) if (s.type === "image") byOutput.set(s.output, [...(byOutput.get(s.output) ?? []), s.file]);
        return from(steps.map((s): Step => {
          if (s.type !== "image") return s;
          const others = byOutput.get(s.output)!.filter((f) => f !== s.file);
          return others.length > 0 ? collision(s, others) : s;
        }));
      }),
    );
}

export function refuseSiblingCollisions(naming: OutputNaming): OperatorFunction<Step, Step> {
  return mapStep("image", async (image): Promise<Step> => {
    const dir = dirname(image.file);
    const stem = basename(image.file, extname(image.file));
    const names = await readdir(dir).catch(() => [] as string[]);
    const others: string[] = [];
    for (const name of names) {
      const file = join(dir, name);
      if (file === image.file || isIgnoredName(name) || basename(name, extname(name)) !== stem) continue;
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile() || info.size === 0) continue;
      const sniffed = await sniffFile(file).catch(() => undefined);
      if (sniffed?.kind !== "image") continue;
      if (outputPathFor(file, image.root, outputFormatFor(sniffed.format, naming.format), naming) === image.output) others.push(file);
    }
    return others.length > 0 ? collision(image, others) : image;
  });
}
