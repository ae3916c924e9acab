/**
 * `pcl-stream enqueue --queue URL INPUT... [-o OUT]`: one upscale job per image on the shared queue,
 * for `pcl-stream worker`s anywhere to run. Files are found and named as `upscale` finds and names them.
 */
import { lastValueFrom, tap } from "rxjs";
import { enqueueFiles, InputError, QueueError, type QueueEvent } from "../../src/serve/index.js";
import { PRODUCER_OPTIONS, PRODUCER_USAGE, printLine, producerFlags, QUEUE_OPTIONS, QUEUE_USAGE, queueEventLine, queueFlags } from "../queue-flags.js";
import { parseCommandArgs, UsageError } from "../upscale-flags.js";

const USAGE = `usage: pcl-stream enqueue --queue URL INPUT... [-o OUT] [options]

Queues one upscale job per image in INPUT (image files, or folders of images recognized by content)
whose output is not up to date. Workers (pcl-stream worker) on any machine run them; they must see
the same files at the same absolute paths. A job's id comes from the file's path, size and mtime: a
file version is queued once however often it is enqueued; a changed file is a new job.

${QUEUE_USAGE}
  -o, --out DIR        write outputs under DIR (default: beside each input)
${PRODUCER_USAGE}
  -h, --help           this text

Exit status: 0 when every image was queued (or already was, or is up to date), 1 when any failed,
2 on bad usage or when Redis cannot be reached.`;

const OPTIONS = { ...QUEUE_OPTIONS, ...PRODUCER_OPTIONS, out: { type: "string", short: "o" } } as const;

function parse(argv: readonly string[]) {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help) return undefined;
  const location = queueFlags(values);
  if (positionals.length === 0) throw new UsageError("no INPUT given (image files or folders)");
  return { ...location, ...producerFlags(values), inputs: positionals, json: values.json, ...(values.out === undefined ? {} : { outDir: values.out }) };
}

export async function run(argv: readonly string[]): Promise<number> {
  let flags;
  try {
    flags = parse(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`pcl-stream enqueue: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (!flags) {
    console.log(USAGE);
    return 0;
  }
  const { inputs, json, ...options } = flags;
  let failed = 0, queued = 0, already = 0;
  try {
    await lastValueFrom(enqueueFiles(inputs, options).pipe(tap((e: QueueEvent) => {
      if (e.type === "failed") failed++;
      if (e.type === "queued") queued++;
      if (e.type === "already-queued") already++;
      printLine(e, queueEventLine(e), json);
    })), { defaultValue: undefined });
  } catch (err) {
    console.error(`pcl-stream enqueue: ${err instanceof Error ? err.message : String(err)}`);
    return err instanceof QueueError || err instanceof InputError ? 2 : 1;
  }
  if (!json) console.error(`pcl-stream enqueue: ${queued} queued, ${already} already in the queue, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}
