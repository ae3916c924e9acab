/**
 * The Redis client BullMQ runs on: an ioredis connection (BullMQ 6's peer dependency for Redis)
 * wrapped by BullMQ's own ioredis adapter. ioredis reconnects with back-off by itself; BullMQ
 * duplicates the client for its blocking reads and closes those duplicates with the queue or
 * worker that made them.
 */
import type { IRedisClient } from "bullmq";
import type { Redis } from "ioredis";
import { parseQueueUrl } from "./queue-url.js";

/** How long a connect attempt waits (ms). */
export const CONNECT_TIMEOUT_MS = 5000;

/** The ioredis connection under each adapter, for `shutClient`. */
const connections = new WeakMap<IRedisClient, Redis>();

/** A client for the Redis of `url` (connecting starts at once). Close it with `shutClient` after closing the BullMQ objects using it. */
export async function redisClientFor(url: string): Promise<IRedisClient> {
  const a = parseQueueUrl(url);
  // Loaded here, not at import: the package's entry points change no process state on import.
  const { Redis: RedisClient } = await import("ioredis");
  const { createIORedisClient } = await import("bullmq");
  const raw = new RedisClient({
    host: a.host, port: a.port, db: a.db, connectTimeout: CONNECT_TIMEOUT_MS,
    // BullMQ's workers block on Redis: a command must wait for a reconnect instead of failing after N retries.
    maxRetriesPerRequest: null,
    ...(a.tls ? { tls: {} } : {}),
    ...(a.username === undefined ? {} : { username: a.username }), ...(a.password === undefined ? {} : { password: a.password }),
  });
  // Connection trouble reaches the caller through BullMQ's 'error' events and the connect timeout;
  // without a listener here ioredis would also print each reconnect failure.
  raw.on("error", () => undefined);
  const client = createIORedisClient(raw);
  connections.set(client, raw);
  return client;
}

/** Closes a client for good: quits it and stops its reconnecting. */
export async function shutClient(client: IRedisClient): Promise<void> {
  const raw = connections.get(client);
  if (raw && raw.status === "ready") await raw.quit().catch(() => undefined);
  raw?.disconnect(false);
}
