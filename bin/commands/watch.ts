/**
 * `pcl-stream watch IN OUT`: upscales every image in IN (the backlog first) and every image
 * added later, into OUT, until SIGINT/SIGTERM; then finishes the files in flight and exits 0.
 */
import { finalize, lastValueFrom, Subject, tap } from "rxjs";
import { watchFolder, WatchError, type FileEvent } from "../../src/serve/index.js";
import { createProgress, progressMode, type Progress } from "../progress-line.js";
import { COMMON_OPTIONS, COMMON_USAGE, commonFlags, parseCommandArgs, integerFlag, printEvent, startUpscaleCommand, UsageError } from "../upscale-flags.js";
import { runWatchToQueue } from "../watch-to-queue.js";

const USAGE = `usage: pcl-stream watch IN OUT --model MODEL [options]

Upscales the images already in IN that have no up-to-date output in OUT, then every image that
appears in IN, until stopped (Ctrl-C / SIGTERM: files in flight finish, exit 0). A file counts as
written once its size stays the same for --stable-ms. Images are recognized by content; hidden
files, Thumbs.db, desktop.ini, *.part, *.crdownload, *.tmp and .pcl-tmp-* are ignored.
Outputs: OUT/<subfolders>/<name><suffix>.<ext>, written atomically and stamped with the input's
mtime. A file that fails is recorded in OUT/failed.jsonl ({file, error, time, size, mtimeMs}) and
not tried again until it changes; a later success removes its lines. A file is taken only once it
decodes completely; two inputs that would write one output are both refused, each naming the other. Leftover .pcl-tmp-* files in OUT are removed on start.

${COMMON_USAGE}
  --stable-ms N        ms a file's size must stay the same before it is read (default 1000)
  --queue URL          publish a job per image to a shared queue (redis://HOST:PORT[/DB]) instead of
                       upscaling here; pcl-stream worker processes run them (watch --queue --help)
  --retry-ms N         ms before a file whose output could not be written (disk full, permission
                       denied) is tried again; doubles per failure, up to 10 minutes (default 30000)`;

const OPTIONS = { ...COMMON_OPTIONS, "stable-ms": { type: "string", default: "1000" }, "retry-ms": { type: "string", default: "30000" } } as const;

function parse(argv: readonly string[]) {
  const parsed = parseCommandArgs(argv, OPTIONS);
  if (parsed.values.help) return undefined;
  const common = commonFlags(parsed.values);
  if (parsed.positionals.length !== 2) throw new UsageError(`expected IN and OUT folders, got ${parsed.positionals.length} positional argument(s)`);
  const [inDir, outDir] = parsed.positionals;
  return { ...common, inDir, outDir, stableMs: integerFlag("stable-ms", parsed.values["stable-ms"], 0)!, retryMs: integerFlag("retry-ms", parsed.values["retry-ms"], 1)! };
}

export async function run(argv: readonly string[]): Promise<number> {
  if (argv.some((a) => a === "--queue" || a.startsWith("--queue="))) return runWatchToQueue(argv);
  const started = await startUpscaleCommand("watch", USAGE, () => parse(argv));
  if (typeof started === "number") return started;
  const { flags, upscaler } = started;
  const stop = new Subject<void>();
  const events$ = watchFolder({
    inDir: flags.inDir,
    outDir: flags.outDir,
    upscaler,
    ...flags.tiling,
    suffix: flags.suffix,
    format: flags.format,
    overwrite: flags.overwrite,
    concurrency: flags.concurrency,
    recursive: flags.recursive,
    then: flags.then,
    moveDir: flags.moveTo,
    stabilityMs: flags.stableMs,
    retryMs: flags.retryMs,
    stop,
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      console.error(`pcl-stream watch: ${signal} again, exiting now (outputs in flight are left as temp files, removed on the next start)`);
      process.exit(130);
    }
    if (!flags.json) console.error(`pcl-stream watch: ${signal}, finishing the files in flight (again to quit now)`);
    stop.next();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    // The backlog's progress: counted from the start; its total comes with the `watching` event (the scan's end).
    let backlog: Progress | undefined = createProgress({ task: "watch backlog", unit: "files", total: null, mode: progressMode(flags.logFormat, flags.json) });
    let handled = 0, total: number | null = null;
    const onEvent = (event: FileEvent) => {
      if (!backlog) { printEvent(event, flags.json); return; }
      backlog.around(() => printEvent(event, flags.json));
      if (event.type === "watching" && event.backlog !== undefined) { total = event.backlog; backlog.setTotal(total); }
      if (event.type === "done" || event.type === "skipped" || event.type === "failed") { handled += 1; backlog.tick(); }
      if (total !== null && handled >= total) { backlog.finish(); backlog = undefined; }
    };
    await lastValueFrom(events$.pipe(tap(onEvent), finalize(() => backlog?.finish())), { defaultValue: undefined });
    return 0;
  } catch (err) {
    if (!(err instanceof WatchError)) throw err;
    console.error(`pcl-stream ${err.message}`);
    return 2;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    upscaler.dispose();
  }
}
