/**
 * The watch folder from code: upscale what is in a folder and whatever lands in it later, run an
 * action of your own after each success (here: a manifest line per image), and stop once three
 * images are done (files in flight finish first).
 *
 *   npx tsx examples/watch-with-action.ts [DIR] [MODEL]      (MODEL: a checkpoint folder; default bicubic)
 */
import { appendFile, copyFile, mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { lastValueFrom, Subject, tap, toArray } from "rxjs";
import { loadUpscaler, watchFolder, type DoneEvent, type FileEvent } from "pcl-stream/serve";
import { bundledData } from "pcl-stream/train";

export async function main(dir = join("runs", "watch-example"), model = "bicubic"): Promise<{ events: readonly FileEvent[]; manifest: readonly string[] }> {
  const inDir = join(dir, "inbox"), outDir = join(dir, "outbox"), manifest = join(dir, "manifest.jsonl");
  await mkdir(inDir, { recursive: true });
  const lr = bundledData().set5LrX4;
  // A backlog of two images before the watch starts.
  for (const name of ["baby.png", "bird.png"]) await copyFile(join(lr, name), join(inDir, name));

  const upscaler = await loadUpscaler(model, { scale: 4 });
  const stop = new Subject<void>();
  // Runs after each output is written; what it throws becomes a `warning` event and the watch goes on.
  const recordInManifest = async (done: DoneEvent): Promise<void> => {
    const bytes = (await stat(done.output)).size;
    await appendFile(manifest, `${JSON.stringify({ input: done.file, output: done.output, size: `${done.outWidth}x${done.outHeight}`, bytes, ms: done.ms })}\n`);
  };

  let done = 0;
  const events = await lastValueFrom(watchFolder({ inDir, outDir, upscaler, stop, then: recordInManifest, stabilityMs: 200, pollMs: 50 }).pipe(
    tap((e) => {
      console.log(e.type === "done" ? `done  ${e.file} -> ${e.output}` : e.type === "watching" ? `watching ${e.dir}` : JSON.stringify(e));
      // The backlog is queued: drop a third image in, as a user would.
      if (e.type === "watching") void copyFile(join(lr, "butterfly.png"), join(inDir, "butterfly.png"));
      if (e.type === "done" && ++done === 3) stop.next();
    }),
    toArray(),
  ));
  upscaler.dispose();
  const lines = (await readFile(manifest, "utf8")).trim().split("\n");
  console.log(`${lines.length} lines in ${manifest}`);
  return { events, manifest: lines };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main(process.argv[2], process.argv[3]);
