/**
 * One upscale job, as a worker runs it: the same `upscaleFile` as `pcl-stream upscale` (atomic
 * write, stamped with the input's mtime), made idempotent. The output stamp records the input
 * version it was made from, so a retried job whose first run got as far as the rename finds an
 * up-to-date output (the rule of `upscale` and `watch`: see skip-up-to-date.ts) and does not redo it.
 */
import { readdir, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { firstValueFrom, of } from "rxjs";
import { TEMP_PREFIX } from "../../io/image.js";
import type { Upscaler } from "../../model/upscaler.js";
import { skipUpToDate } from "../../pipelines/watch/skip-up-to-date.js";
import type { PendingImage } from "../../pipelines/watch/steps.js";
import { upscaleFile } from "../upscale-file.js";
import type { UpscaleJobData, UpscaleJobResult } from "./upscale-job.js";

/** A job no retry can fix (its data is bad, or it asks for another scale than the worker's model): it fails at once. */
export class JobRejectedError extends Error {
  override readonly name = "JobRejectedError";
}

/** Removes temp files an earlier, killed run of this job left beside its output (`.pcl-tmp-<hex>-<name>`). */
async function removeLeftoverTemps(output: string): Promise<void> {
  const names = await readdir(dirname(output)).catch(() => [] as string[]);
  const mine = new RegExp(`^${TEMP_PREFIX.replace(/\./g, "\\.")}[0-9a-f]+-${basename(output).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
  await Promise.all(names.filter((n) => mine.test(n)).map((n) => rm(join(dirname(output), n), { force: true })));
}

/**
 * Upscales `data.input` into `data.output` unless an output of this input version is already there.
 * `retry`: an earlier run of the job may have died (killed worker, failed attempt); its temp files are removed first.
 */
export async function processUpscaleJob(data: UpscaleJobData, upscaler: Upscaler, o: { readonly retry: boolean }): Promise<UpscaleJobResult> {
  if (data.scale !== upscaler.scale) throw new JobRejectedError(`the job asks for x${data.scale}, but this worker's model (${upscaler.name}) upscales x${upscaler.scale}`);
  const info = await stat(data.input).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the input ${data.input} (${err.code ?? err.message}); is the storage mounted at the same path on this machine?`);
  });
  if (info.size !== data.size || info.mtimeMs !== data.mtimeMs) return { status: "skipped", output: data.output, reason: "changed" };
  const image: PendingImage = { type: "image", file: data.input, root: dirname(data.input), format: data.inputFormat, outputFormat: data.format, output: data.output, size: data.size, mtimeMs: data.mtimeMs };
  const step = await firstValueFrom(of(image).pipe(skipUpToDate(false)));
  if (step.type === "skipped") return { status: "skipped", output: data.output, reason: "up-to-date" };
  if (o.retry) await removeLeftoverTemps(data.output);
  const started = performance.now();
  const size = await upscaleFile(data.input, data.output, upscaler, {
    format: data.format, mtimeMs: data.mtimeMs,
    ...(data.tile === undefined ? {} : { tile: data.tile }), ...(data.overlap === undefined ? {} : { overlap: data.overlap }),
  });
  return { status: "done", output: data.output, ...size, ms: Math.round(performance.now() - started) };
}
