/**
 * `--queue redis://HOST:PORT[/DB]`: the Redis a queue lives on, parsed and checked before anything
 * connects, so a typo is an error naming the URL instead of a client retrying forever.
 */

/** A queue that cannot be used: a bad URL or queue name, or a Redis that does not answer. */
export class QueueError extends Error {
  override readonly name = "QueueError";
}

/** Where the queue lives: the Redis connection and the queue's name on it. */
export interface QueueAddress {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  /** rediss:// (TLS). */
  readonly tls: boolean;
}

/** The queue's name on Redis when none is given (several queues may share one Redis under other names). */
export const DEFAULT_QUEUE_NAME = "pcl-stream-upscale";

/** Parses `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]` (or `rediss://` for TLS); throws QueueError naming the URL and what was expected. */
export function parseQueueUrl(url: string): QueueAddress {
  const expected = "expected redis://HOST:PORT[/DB] (or rediss:// for TLS)";
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueError(`queue URL '${url}' is not a URL (${expected})`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new QueueError(`queue URL '${url}': scheme '${u.protocol.replace(/:$/, "")}' is not redis (${expected})`);
  if (!u.hostname) throw new QueueError(`queue URL '${url}' has no host (${expected})`);
  const port = u.port === "" ? 6379 : Number(u.port);
  const path = u.pathname.replace(/^\//, "");
  const db = path === "" ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0 || !/^\d*$/.test(path)) throw new QueueError(`queue URL '${url}': the database '${path}' is not a non-negative integer (${expected})`);
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, "$1"),
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    tls: u.protocol === "rediss:",
  };
}

/** Checks a queue name (BullMQ keys are `bull:<name>:...`, so no ':'). */
export function checkQueueName(name: string): string {
  if (typeof name !== "string" || !/^[A-Za-z0-9._-]+$/.test(name)) throw new QueueError(`queue name '${String(name)}' must be letters, digits, '.', '_' or '-'`);
  return name;
}

/** The URL without its password, for messages and logs. */
export const redactedUrl = (url: string): string => url.replace(/^(rediss?:\/\/[^:@/]*:)[^@/]*@/, "$1***@");
