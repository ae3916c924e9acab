/**
 * Opening the BullMQ queue from a queue URL. bullmq is imported when a queue is opened, not when
 * this module is: importing it defines globals (tslib's helpers), and the package's entry points
 * change no process state on import.
 */
import type { Queue } from "bullmq";
import { Observable, type Subscription } from "rxjs";
import { CONNECT_TIMEOUT_MS, redisClientFor, shutClient } from "./redis-client.js";
import { checkQueueName, DEFAULT_QUEUE_NAME, QueueError, redactedUrl } from "./queue-url.js";

/** Where a queue is: the options every queue function takes. */
export interface QueueLocation {
  /** `redis://HOST:PORT[/DB]` (`rediss://` for TLS; `redis://:PASSWORD@HOST:PORT` with a password). */
  readonly queue: string;
  /** The queue's name on that Redis (default "pcl-stream-upscale"). */
  readonly queueName?: string;
}

/** An open queue and the Redis client it runs on; `close()` closes both. */
export interface OpenQueue {
  readonly queue: Queue;
  close(): Promise<void>;
}

/** The checked name of a location's queue. */
export const queueNameOf = (o: QueueLocation): string => checkQueueName(o.queueName ?? DEFAULT_QUEUE_NAME);

/** Resolves once `ready` does; rejects with a QueueError naming the URL when it fails or the connect timeout passes first. */
export async function whenConnected<T>(ready: Promise<T>, url: string, lastError: () => string | undefined): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const why = (err?: unknown) => {
    // The client's own error (ECONNREFUSED, WRONGPASS) says more than the closed connection it leads to.
    const detail = lastError() ?? (err instanceof Error ? err.message : undefined);
    return `cannot reach Redis at ${redactedUrl(url)}${detail ? ` (${detail})` : ""}`;
  };
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueError(`${why()}: no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
  });
  try {
    return await Promise.race([ready.catch((err: unknown) => { throw new QueueError(why(err)); }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Opens the queue (a producer's or a reader's handle) and waits until Redis answers; close it when done. */
export async function openQueue(o: QueueLocation): Promise<OpenQueue> {
  const name = queueNameOf(o);
  const client = await redisClientFor(o.queue);
  const { Queue } = await import("bullmq");
  const queue = new Queue(name, { connection: client });
  let lastError: string | undefined;
  // Connection trouble comes as 'error' events (an unhandled one would crash the process); the client reconnects by itself.
  queue.on("error", (err: Error) => { lastError = err.message; });
  const close = async (): Promise<void> => {
    await queue.close().catch(() => undefined);
    await shutClient(client);
  };
  try {
    await whenConnected(queue.waitUntilReady(), o.queue, () => lastError);
  } catch (err) {
    await close();
    throw err;
  }
  return { queue, close };
}

/**
 * An Observable that opens the queue on subscribe, runs `body` with it, and closes it when the
 * body's stream ends or the subscriber leaves (also when it leaves while Redis is still connecting).
 */
export function withQueue<T>(o: QueueLocation, body: (queue: Queue) => Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    let open: OpenQueue | undefined;
    let inner: Subscription | undefined;
    let left = false;
    openQueue(o).then(
      (q) => {
        if (left) return void q.close();
        open = q;
        inner = body(q.queue).subscribe(subscriber);
      },
      (err: unknown) => subscriber.error(err),
    );
    return () => {
      left = true;
      inner?.unsubscribe();
      void open?.close();
    };
  });
}
