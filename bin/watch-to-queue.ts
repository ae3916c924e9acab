/**
 * `pcl-stream watch IN OUT --queue URL`: the watch folder as a producer. Files are found as `watch`
 * finds them; each image version becomes a job on the queue instead of being upscaled here.
 */
import { lastValueFrom, Subject, tap } from "rxjs";
import { QueueError, watchToQueue, WatchError, type QueueEvent } from "../src/serve/index.js";
import { PRODUCER_OPTIONS, PRODUCER_USAGE, printLine, producerFlags, QUEUE_OPTIONS, QUEUE_USAGE, queueEventLine, queueFlags } from "./queue-flags.js";
import { integerFlag, parseCommandArgs, UsageError } from "./upscale-flags.js";

const USAGE = `usage: pcl-stream watch IN OUT --queue URL [options]

Publishes one upscale job per image in IN without an up-to-date output in OUT, then per image that
appears or changes in IN, until stopped (Ctrl-C / SIGTERM). pcl-stream worker processes, on any
machine that sees IN and OUT at the same paths, run them. One watcher, many workers; several
watchers of one folder queue each file version once.

${QUEUE_USAGE}
${PRODUCER_USAGE}
  --stable-ms N        ms a file's size must stay the same before it is queued (default 1000)
  -h, --help           this text

The model is the workers' (pcl-stream worker --model); --model, --backend and --concurrency are
theirs too and are ignored here. --then move|delete and --overwrite are not available with --queue
(the input must stay where the workers read it).`;

const OPTIONS = {
  ...QUEUE_OPTIONS, ...PRODUCER_OPTIONS, "stable-ms": { type: "string", default: "1000" },
  model: { type: "string" }, backend: { type: "string" }, concurrency: { type: "string" }, then: { type: "string" }, overwrite: { type: "boolean" },
} as const;

function parse(argv: readonly string[]) {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help) return undefined;
  if (positionals.length !== 2) throw new UsageError(`expected IN and OUT folders, got ${positionals.length} positional argument(s)`);
  if (values.then !== undefined && values.then !== "keep") throw new UsageError(`--then ${values.then} is not available with --queue: workers read the input after this watcher has moved on`);
  if (values.overwrite) throw new UsageError("--overwrite is not available with --queue: delete the outputs to redo them");
  const ignored = (["model", "backend", "concurrency"] as const).filter((f) => values[f] !== undefined);
  const [inDir, outDir] = positionals;
  return { ...queueFlags(values), ...producerFlags(values), inDir, outDir, stabilityMs: integerFlag("stable-ms", values["stable-ms"], 0)!, json: values.json, ignored };
}

export async function runWatchToQueue(argv: readonly string[]): Promise<number> {
  let flags;
  try {
    flags = parse(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`pcl-stream watch: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (!flags) {
    console.log(USAGE);
    return 0;
  }
  const { json, ignored, ...options } = flags;
  if (ignored.length) console.error(`pcl-stream watch: ${ignored.map((f) => `--${f}`).join(", ")} ignored with --queue (the workers' flags: pcl-stream worker --help)`);
  const stop = new Subject<void>();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) process.exit(130);
    if (!json) console.error(`pcl-stream watch: ${signal}, stopping (jobs already queued stay in the queue)`);
    stop.next();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await lastValueFrom(watchToQueue({ ...options, stop }).pipe(tap((e: QueueEvent) => printLine(e, queueEventLine(e), json))), { defaultValue: undefined });
    return 0;
  } catch (err) {
    if (!(err instanceof WatchError) && !(err instanceof QueueError)) throw err;
    console.error(`pcl-stream ${err instanceof QueueError ? "watch: " : ""}${err.message}`);
    return 2;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
