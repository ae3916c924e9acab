/**
 * The Redis client BullMQ runs on: BullMQ's own adapter for Bun's client interface
 * (`createBunRedisClient`: Lua scripts by EVALSHA, MULTI/EXEC, reconnects with backoff) over our
 * RESP connection. BullMQ 6 no longer brings ioredis, and this package installs none; passing a built
 * client instance is also what BullMQ's ESM build asks for.
 */
import type { IRedisClient } from "bullmq";
import { parseQueueUrl } from "./queue-url.js";
import { ConnectionFamily, RespConnection } from "./resp-connection.js";

/** How long a connect attempt waits (ms). */
export const CONNECT_TIMEOUT_MS = 5000;

/** The connections and adapters made from one client (its duplicates included), for `shutClient`. */
const families = new WeakMap<IRedisClient, { readonly connections: ConnectionFamily; readonly adapters: Set<IRedisClient> }>();

/** A client for the Redis of `url` (connecting starts at once). Close it with `shutClient` after closing the BullMQ objects using it. */
export async function redisClientFor(url: string): Promise<IRedisClient> {
  const a = parseQueueUrl(url);
  const { createBunRedisClient } = await import("bullmq");
  const connections = new ConnectionFamily();
  const raw = new RespConnection({
    host: a.host, port: a.port, db: a.db, tls: a.tls, connectTimeout: CONNECT_TIMEOUT_MS,
    ...(a.username === undefined ? {} : { username: a.username }), ...(a.password === undefined ? {} : { password: a.password }),
  }, connections);
  // The adapter's raw-client type is Bun's; ours has the same members it uses.
  const client = createBunRedisClient(raw as unknown as Parameters<typeof createBunRedisClient>[0]);
  const adapters = new Set<IRedisClient>([client]);
  const track = (c: IRedisClient): IRedisClient => {
    const duplicate = c.duplicate.bind(c);
    c.duplicate = (...args: unknown[]) => {
      const d = track(duplicate(...args));
      adapters.add(d);
      return d;
    };
    return c;
  };
  families.set(track(client), { connections, adapters });
  return client;
}

/**
 * Closes a client for good, with every duplicate: quits them, marks them ended (so the adapter's
 * reconnect timer stops; its `quit` alone does not stop one that is already retrying) and closes
 * their sockets.
 */
export async function shutClient(client: IRedisClient): Promise<void> {
  const family = families.get(client);
  await client.quit().catch(() => undefined);
  if (!family) return;
  for (const a of family.adapters) a.status = "end";
  family.connections.shut();
}
