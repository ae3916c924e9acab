/**
 * `pcl-stream upscale`: upscales image files and folders once, through the same file pipeline
 * as `watch` (content sniffing, up-to-date skipping, atomic writes, one line per file).
 */
import { lastValueFrom, Subject, tap } from "rxjs";
import { countInputFiles, upscaleFiles, type FileEvent } from "../../src/serve/index.js";
import { createProgress, progressMode } from "../progress-line.js";
import { COMMON_OPTIONS, COMMON_USAGE, commonFlags, parseCommandArgs, printEvent, startUpscaleCommand, UsageError } from "../upscale-flags.js";

const USAGE = `usage: pcl-stream upscale --model MODEL INPUT... [-o OUT] [options]

INPUT is an image file or a folder of images (recognized by content; hidden files, Thumbs.db,
*.part, *.crdownload, *.tmp are left out of folders). Outputs are named <name><suffix>.<ext>
and written atomically; an output at least as new as its input is skipped (--overwrite redoes it).

  -o, --out DIR        write outputs under DIR (default: beside each input)
${COMMON_USAGE}

Exit status: 0 when every image was upscaled or skipped, 1 when any failed, 2 on bad usage.`;

const OPTIONS = { ...COMMON_OPTIONS, out: { type: "string", short: "o" } } as const;

function parse(argv: readonly string[]) {
  const parsed = parseCommandArgs(argv, OPTIONS);
  if (parsed.values.help) return undefined;
  const common = commonFlags(parsed.values);
  if (parsed.positionals.length === 0) throw new UsageError("no INPUT given (image files or folders)");
  if (common.then === "move" && !common.moveTo) throw new UsageError("--then move needs --move-to DIR");
  return { ...common, inputs: parsed.positionals, out: parsed.values.out };
}

export async function run(argv: readonly string[]): Promise<number> {
  const started = await startUpscaleCommand("upscale", USAGE, () => parse(argv));
  if (typeof started === "number") return started;
  const { flags, upscaler } = started;
  const stop = new Subject<void>();
  const onSignal = (): void => stop.next();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let failed = 0;
  const progress = createProgress({ task: "upscale", unit: "files", total: null, mode: progressMode(flags.logFormat, flags.json) });
  // The total, counted ahead with upscaleFiles' own listing, gives the ETA; without it the line still counts.
  countInputFiles(flags.inputs, { upscaler, recursive: flags.recursive, ...(flags.suffix === undefined ? {} : { suffix: flags.suffix }), ...(flags.out === undefined ? {} : { outDir: flags.out }), ...(flags.moveTo === undefined ? {} : { moveDir: flags.moveTo }) })
    .then((n) => progress.setTotal(n), () => {});
  try {
    await lastValueFrom(
      upscaleFiles(flags.inputs, {
        upscaler, ...flags.tiling, suffix: flags.suffix, format: flags.format, overwrite: flags.overwrite, concurrency: flags.concurrency,
        recursive: flags.recursive, then: flags.then, stop,
        ...(flags.out === undefined ? {} : { outDir: flags.out }), ...(flags.moveTo === undefined ? {} : { moveDir: flags.moveTo }),
      }).pipe(
        tap((event: FileEvent) => {
          if (event.type === "failed") failed++;
          progress.around(() => printEvent(event, flags.json));
          if (event.type === "done" || event.type === "skipped" || event.type === "failed") progress.tick();
        }),
      ),
      { defaultValue: undefined },
    );
  } catch (err) {
    console.error(`pcl-stream upscale: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    progress.finish();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    upscaler.dispose();
  }
  return failed > 0 ? 1 : 0;
}
