/**
 * `pcl-stream queue status|retry-failed --queue URL`: what the shared queue holds (waiting, active,
 * done, failed, and the last failures), and re-queuing the failed jobs.
 */
import { queueStatus, QueueError, retryFailedJobs, type QueueStatus } from "../../src/serve/index.js";
import { QUEUE_OPTIONS, QUEUE_USAGE, queueFlags } from "../queue-flags.js";
import { integerFlag, parseCommandArgs, UsageError } from "../upscale-flags.js";

const USAGE = `usage: pcl-stream queue status --queue URL [--failures N] [--json]
       pcl-stream queue retry-failed --queue URL [--json]

status        counts of jobs waiting, active (being run), delayed (waiting to retry), done and
              failed (every try failed), the workers connected, and the last failures with their errors
retry-failed  moves every failed job back to the queue, its tries counted afresh

${QUEUE_USAGE}
  --failures N         how many of the last failures status lists (default 5)
  --json               one JSON object on stdout (status: the counts and lastFailures; retry-failed: {retried: [...]})
  -h, --help           this text`;

const OPTIONS = { ...QUEUE_OPTIONS, failures: { type: "string", default: "5" }, json: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } } as const;
const ACTIONS = ["status", "retry-failed"] as const;

function parse(argv: readonly string[]) {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help) return undefined;
  const [action, ...extra] = positionals;
  if (!(ACTIONS as readonly string[]).includes(action ?? "")) throw new UsageError(action ? `unknown action '${action}' (expected ${ACTIONS.join(" or ")})` : `expected an action: ${ACTIONS.join(" or ")}`);
  if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
  return { action: action as (typeof ACTIONS)[number], ...queueFlags(values), failures: integerFlag("failures", values.failures, 0)!, json: values.json };
}

function statusText(s: QueueStatus): string {
  const lines = [
    `queue ${s.queueName} on ${s.queue}${s.workers === null ? "" : `: ${s.workers} worker${s.workers === 1 ? "" : "s"} connected`}`,
    `  waiting ${s.waiting}   active ${s.active}   delayed ${s.delayed}   done ${s.done}   failed ${s.failed}`,
  ];
  if (s.lastFailures.length) {
    lines.push(`last failures (newest first; pcl-stream queue retry-failed re-queues them):`);
    for (const f of s.lastFailures) lines.push(`  ${f.failedAt ?? "?"}  ${f.file}: ${f.error} (${f.attempts} attempt${f.attempts === 1 ? "" : "s"}, ${f.jobId})`);
  }
  return lines.join("\n");
}

export async function run(argv: readonly string[]): Promise<number> {
  let flags;
  try {
    flags = parse(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`pcl-stream queue: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (!flags) {
    console.log(USAGE);
    return 0;
  }
  const { action, json, failures, ...location } = flags;
  try {
    if (action === "status") {
      const s = await queueStatus({ ...location, failures });
      console.log(json ? JSON.stringify(s) : statusText(s));
    } else {
      const retried = await retryFailedJobs(location);
      if (json) console.log(JSON.stringify({ retried }));
      else {
        for (const f of retried) console.log(`retry ${f.file} (${f.jobId}; failed: ${f.error})`);
        console.log(`${retried.length} failed job${retried.length === 1 ? "" : "s"} back in the queue`);
      }
    }
    return 0;
  } catch (err) {
    console.error(`pcl-stream queue: ${err instanceof Error ? err.message : String(err)}`);
    return err instanceof QueueError ? 2 : 1;
  }
}
