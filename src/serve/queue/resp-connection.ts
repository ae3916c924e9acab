/**
 * One Redis connection speaking RESP2 over TCP (or TLS): commands are written as arrays of bulk
 * strings and replies matched to them in order. It has the surface of Bun's RedisClient (`send`,
 * `connected`, `onconnect` / `onclose`, `duplicate`), so BullMQ's own adapter for that client
 * (`createBunRedisClient`: scripts, transactions, reconnects) runs on it. Why not ioredis: BullMQ 6
 * made it an optional peer dependency, and pcl-stream does not install one (see redis-client.ts).
 */
import { isIP, connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

/** Where to connect, and the handshake (AUTH, SELECT). */
export interface RespOptions {
  readonly host: string;
  readonly port: number;
  readonly db?: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: boolean;
  /** ms before a connect attempt gives up (default 5000). */
  readonly connectTimeout?: number;
}

/** An error reply from Redis (`-ERR ...`, `-NOSCRIPT ...`). */
export class RedisReplyError extends Error {
  override readonly name = "RedisReplyError";
}

/** A decoded reply: bulk and simple strings as UTF-8 strings, integers as numbers, nil as null; errors inside arrays (EXEC) as RedisReplyError. */
export type Reply = string | number | null | RedisReplyError | Reply[];

const CRLF = Buffer.from("\r\n");

/** Encodes one command: `*<n>\r\n` then `$<len>\r\n<bytes>\r\n` per argument. */
export function encodeCommand(args: readonly (string | number | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const bytes = Buffer.isBuffer(a) ? a : Buffer.from(String(a), "utf8");
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

/** Parses one reply starting at `pos`; undefined when the buffer does not hold all of it yet. */
export function parseReply(buf: Buffer, pos: number): { reply: Reply; next: number } | undefined {
  if (pos >= buf.length) return undefined;
  const eol = buf.indexOf(CRLF, pos);
  if (eol < 0) return undefined;
  const line = buf.toString("utf8", pos + 1, eol);
  switch (String.fromCharCode(buf[pos])) {
    case "+": return { reply: line, next: eol + 2 };
    case "-": return { reply: new RedisReplyError(line), next: eol + 2 };
    case ":": return { reply: Number(line), next: eol + 2 };
    case "$": {
      const n = Number(line);
      if (n < 0) return { reply: null, next: eol + 2 };
      if (eol + 2 + n + 2 > buf.length) return undefined;
      return { reply: buf.toString("utf8", eol + 2, eol + 2 + n), next: eol + 2 + n + 2 };
    }
    case "*": {
      const n = Number(line);
      if (n < 0) return { reply: null, next: eol + 2 };
      const items: Reply[] = [];
      let next = eol + 2;
      for (let i = 0; i < n; i++) {
        const item = parseReply(buf, next);
        if (!item) return undefined;
        items.push(item.reply);
        next = item.next;
      }
      return { reply: items, next };
    }
    default:
      throw new RedisReplyError(`unexpected reply type '${String.fromCharCode(buf[pos])}' from Redis (not RESP2)`);
  }
}

/** The message BullMQ's adapter recognizes as a closed connection. */
const CLOSED = "Connection closed";

/**
 * A connection and its duplicates (BullMQ's blocking connection, reconnects). Once shut, none of
 * them connects again: a client that is closing must not be revived by a reconnect in flight.
 */
export class ConnectionFamily {
  closed = false;
  readonly members = new Set<RespConnection>();
  shut(): void {
    this.closed = true;
    for (const m of this.members) m.close();
    this.members.clear();
  }
}

export class RespConnection {
  connected = false;
  onconnect: () => void = () => {};
  onclose: (err?: Error) => void = () => {};
  onerror: (err: Error) => void = () => {};
  private socket: Socket | undefined;
  private pending: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private buffered: Buffer = Buffer.alloc(0);
  private closing = false;

  constructor(readonly options: RespOptions, readonly family = new ConnectionFamily()) {}

  /** Opens the socket and runs the handshake; `onconnect` fires before it resolves. A failure calls `onclose(err)` and rejects. */
  async connect(): Promise<void> {
    const o = this.options;
    if (this.family.closed) throw new Error(CLOSED);
    this.closing = false;
    this.family.members.add(this);
    const socket = o.tls ? tlsConnect({ host: o.host, port: o.port, ...(isIP(o.host) ? {} : { servername: o.host }) }) : netConnect({ host: o.host, port: o.port });
    let lastError: Error | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`connect to ${o.host}:${o.port} timed out after ${o.connectTimeout ?? 5000} ms`)), o.connectTimeout ?? 5000);
        socket.once(o.tls ? "secureConnect" : "connect", () => { clearTimeout(timer); resolve(); });
        socket.once("error", (err) => { clearTimeout(timer); reject(err); });
      });
    } catch (err) {
      socket.destroy();
      this.onclose(err as Error);
      throw err;
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30000);
    this.socket = socket;
    this.buffered = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", (err) => { lastError = err; });
    socket.on("close", () => {
      const wasUp = this.socket === socket;
      if (wasUp) this.socket = undefined;
      this.connected = false;
      this.failPending(new Error(CLOSED));
      if (wasUp && !this.closing) this.onclose(lastError ?? new Error(`${CLOSED} by ${o.host}:${o.port}`));
    });
    try {
      if (o.password !== undefined) await this.write(o.username !== undefined ? ["AUTH", o.username, o.password] : ["AUTH", o.password]);
      if (o.db) await this.write(["SELECT", String(o.db)]);
    } catch (err) {
      this.close();
      this.onclose(err as Error);
      throw err;
    }
    if (this.family.closed) {
      this.close();
      throw new Error(CLOSED);
    }
    this.connected = true;
    this.onconnect();
  }

  /** Sends one command; resolves with its reply, rejects with a RedisReplyError or a closed-connection error. */
  send(command: string, args: readonly (string | number | Buffer)[] = []): Promise<Reply> {
    if (!this.connected) return Promise.reject(new Error(CLOSED));
    return this.write([command, ...args]);
  }

  /** Closes the socket; commands still waiting fail with "Connection closed". */
  close(): void {
    this.closing = true;
    this.connected = false;
    this.family.members.delete(this);
    this.socket?.destroy();
    this.socket = undefined;
    this.failPending(new Error(CLOSED));
  }

  /** A new, unconnected connection to the same server. */
  async duplicate(): Promise<RespConnection> {
    return new RespConnection(this.options, this.family);
  }

  private write(args: readonly (string | number | Buffer)[]): Promise<Reply> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error(CLOSED));
    return new Promise<Reply>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      socket.write(encodeCommand(args));
    });
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    let pos = 0;
    for (;;) {
      let parsed;
      try {
        parsed = parseReply(this.buffered, pos);
      } catch (err) {
        this.onerror(err as Error);
        this.socket?.destroy(err as Error);
        return;
      }
      if (!parsed) break;
      pos = parsed.next;
      const waiter = this.pending.shift();
      if (!waiter) continue;
      if (parsed.reply instanceof RedisReplyError) waiter.reject(parsed.reply);
      else waiter.resolve(parsed.reply);
    }
    this.buffered = pos === this.buffered.length ? Buffer.alloc(0) : this.buffered.subarray(pos);
  }

  private failPending(err: Error): void {
    const waiting = this.pending;
    this.pending = [];
    for (const w of waiting) w.reject(err);
  }
}
