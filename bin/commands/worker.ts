/**
 * `pcl-stream worker --queue URL --model MODEL`: takes upscale jobs off the shared queue and runs them
 * with the `upscale` pipeline, until SIGINT/SIGTERM (jobs in flight finish, no new ones are taken).
 */
import { lastValueFrom, Subject, tap } from "rxjs";
import { loadUpscaler, queueWorker, QueueError, type QueueWorkerEvent, type Upscaler } from "../../src/serve/index.js";
import { BACKEND_CHOICES, startBackend } from "../backend-flag.js";
import { printLine, QUEUE_OPTIONS, QUEUE_USAGE, queueFlags, workerEventLine } from "../queue-flags.js";
import { integerFlag, parseCommandArgs, UsageError } from "../upscale-flags.js";

const USAGE = `usage: pcl-stream worker --queue URL --model MODEL [options]

Runs upscale jobs from the queue (queued by pcl-stream enqueue or pcl-stream watch --queue) until
stopped: Ctrl-C / SIGTERM lets the jobs in flight finish and takes no new ones (a second signal quits
at once; those jobs go back to the queue once their lock expires). Start one per machine (or more),
each seeing the inputs and outputs at the same paths. Outputs are written atomically; a retried job
whose output of the same input version exists is not redone. A worker that dies (killed, machine
gone) has its jobs retried by the others after --lock-ms.

${QUEUE_USAGE}
  --model MODEL        'bicubic' or a checkpoint directory from training (required)
  --scale N            upscaling factor (default 4; a checkpoint must match it; jobs for another fail)
  --concurrency N      jobs in flight at once in this process (default 2)
  --lock-ms N          a job's lock, renewed while it runs; a dead worker's jobs return after it (default 30000)
  --stalled-check-ms N how often this worker looks for jobs of dead workers (default 30000)
  --name NAME          this worker's name, recorded on its jobs (default HOST:PID)
  --backend NAME       ${BACKEND_CHOICES} (default: the best available)
  --json               one JSON object per event on stdout instead of text lines
  -h, --help           this text`;

const OPTIONS = {
  ...QUEUE_OPTIONS,
  model: { type: "string" },
  scale: { type: "string", default: "4" },
  concurrency: { type: "string", default: "2" },
  "lock-ms": { type: "string", default: "30000" },
  "stalled-check-ms": { type: "string", default: "30000" },
  name: { type: "string" },
  backend: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

function parse(argv: readonly string[]) {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help) return undefined;
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (jobs come from the queue; pcl-stream enqueue adds them)`);
  if (!values.model) throw new UsageError("--model is required ('bicubic' or a checkpoint directory)");
  return {
    ...queueFlags(values),
    model: values.model,
    scale: integerFlag("scale", values.scale, 1)!,
    concurrency: integerFlag("concurrency", values.concurrency, 1)!,
    lockMs: integerFlag("lock-ms", values["lock-ms"], 100)!,
    stalledCheckMs: integerFlag("stalled-check-ms", values["stalled-check-ms"], 100)!,
    ...(values.name === undefined ? {} : { name: values.name }),
    backend: values.backend,
    json: values.json,
  };
}

export async function run(argv: readonly string[]): Promise<number> {
  let flags;
  try {
    flags = parse(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`pcl-stream worker: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (!flags) {
    console.log(USAGE);
    return 0;
  }
  const { model, scale, backend, json, ...options } = flags;
  let upscaler: Upscaler;
  try {
    await startBackend(backend, "inference");
    upscaler = await loadUpscaler(model, { scale });
  } catch (err) {
    console.error(`pcl-stream worker: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  const stop = new Subject<void>();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      console.error(`pcl-stream worker: ${signal} again, exiting now (its jobs in flight go back to the queue once their lock expires)`);
      process.exit(130);
    }
    stop.next();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await lastValueFrom(queueWorker({ ...options, upscaler, stop }).pipe(tap((e: QueueWorkerEvent) => printLine(e, workerEventLine(e), json))), { defaultValue: undefined });
    return 0;
  } catch (err) {
    console.error(`pcl-stream worker: ${err instanceof Error ? err.message : String(err)}`);
    return err instanceof QueueError ? 2 : 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    upscaler.dispose();
  }
}
