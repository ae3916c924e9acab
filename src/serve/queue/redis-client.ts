/**
 * The Redis client BullMQ runs on: BullMQ's own adapter for Bun's client interface
 * (`createBunRedisClient`: Lua scripts by EVALSHA, MULTI/EXEC, reconnects with backoff) over our
 * RESP connection. BullMQ 6 no longer brings ioredis, and this package installs none; passing a built
 * client instance is also what BullMQ's ESM build asks for.
 */
import type { IRedisClient } from "bullmq";
import { parseQueueUrl } from "./queue-url.js";
import { RespConnection } from "./resp-connection.js";

/** How long a connect attempt waits (ms). */
export const CONNECT_TIMEOUT_MS = 5000;

/** A client for the Redis of `url` (connecting starts at once). The caller quits it after closing the BullMQ objects using it. */
export async function redisClientFor(url: string): Promise<IRedisClient> {
  const a = parseQueueUrl(url);
  const { createBunRedisClient } = await import("bullmq");
  const raw = new RespConnection({
    host: a.host, port: a.port, db: a.db, tls: a.tls, connectTimeout: CONNECT_TIMEOUT_MS,
    ...(a.username === undefined ? {} : { username: a.username }), ...(a.password === undefined ? {} : { password: a.password }),
  });
  // The adapter's raw-client type is Bun's; ours has the same members it uses.
  return createBunRedisClient(raw as unknown as Parameters<typeof createBunRedisClient>[0]);
}
