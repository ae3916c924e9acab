/**
 * The live dashboard: an HTTP server (loopback by default) with one page that follows run folders
 * as they are written: `metrics.jsonl` and `run.json` polled, new lines pushed to the page over
 * Server-Sent Events, the validation crops served from each run's `val/` folder. It works the
 * same on a run training in this process, one training elsewhere, or a finished one.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { resolve, sep } from "node:path";
import { dashboardHtml, pageAssets } from "./dashboard-page.js";
import { followRun, type RunFollower } from "./run-log.js";

/** Where and what the dashboard serves. */
export interface DashboardOptions {
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** The address to listen on (default 127.0.0.1: this machine only). */
  readonly host?: string;
  /** How often the run folders are read, in ms (default 500). */
  readonly pollMs?: number;
  /** The page's title (default: "pcl-stream: " and the runs' names). */
  readonly title?: string;
}

/** A running dashboard. */
export interface Dashboard {
  /** The page's address, e.g. http://127.0.0.1:41234/ */
  readonly url: string;
  /** Stops polling, ends the event streams and closes the server. */
  close(): Promise<void>;
}

/**
 * Serves the dashboard of the run folders `runs` (they must exist; their files may come later).
 *
 * ```ts
 * const d = await startDashboard(["runs/pcl", "runs/l1-only"], { port: 8080 });
 * console.log(d.url);
 * ```
 *
 * @throws RunReadError (rejected) when a folder does not exist; the server's error (e.g. EADDRINUSE) when it cannot listen.
 */
export async function startDashboard(runs: readonly string[], options: DashboardOptions = {}): Promise<Dashboard> {
  if (!Array.isArray(runs) || runs.length === 0) throw new TypeError("startDashboard: runs must be a non-empty list of run folders");
  const port = options.port ?? 0;
  if (!(Number.isInteger(port) && port >= 0 && port < 65536)) throw new RangeError(`startDashboard: port must be an integer in 0..65535, got ${port}`);
  const host = options.host ?? "127.0.0.1";
  const followers: RunFollower[] = runs.map((dir) => followRun(dir));
  for (const f of followers) f.poll();
  const assets = pageAssets();
  const title = options.title ?? `pcl-stream: ${followers.map((f) => f.current().name).join(", ")}`;
  const page = dashboardHtml(title);
  const clients = new Set<ServerResponse>();

  const send = (res: ServerResponse, event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const poll = () => {
    followers.forEach((f, run) => {
      let update;
      try { update = f.poll(); } catch (err) { console.error(`pcl-stream dashboard: ${(err as Error).message}`); return; }
      if (update) for (const c of clients) send(c, "append", { run, ...update });
    });
  };
  const timer = setInterval(poll, options.pollMs ?? 500);
  const heartbeat = setInterval(() => { for (const c of clients) c.write(": keep-alive\n\n"); }, 15_000);

  const serveFile = (res: ServerResponse, type: string, body: string) => {
    res.writeHead(200, { "content-type": type, "cache-control": "no-cache" });
    res.end(body);
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    let path: string;
    try { path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname); } catch { res.writeHead(400, { "content-type": "text/plain" }).end("bad path\n"); return; }
    if (req.method !== "GET") { res.writeHead(405).end(); return; }
    if (path === "/") return serveFile(res, "text/html; charset=utf-8", page);
    if (path === "/uplot.js") return serveFile(res, "text/javascript; charset=utf-8", assets.uplotJs);
    if (path === "/uplot.css") return serveFile(res, "text/css; charset=utf-8", assets.uplotCss);
    if (path === "/client.js") return serveFile(res, "text/javascript; charset=utf-8", assets.clientJs);
    if (path === "/events") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
      send(res, "state", { runs: followers.map((f) => f.current()) });
      clients.add(res);
      req.on("close", () => clients.delete(res));
      return;
    }
    // Validation crops: /runs/<i>/val/<iteration>/<file>.png, nothing outside the run's val/ folder.
    const m = /^\/runs\/(\d+)\/(val\/.+\.png)$/.exec(path);
    const f = m ? followers[Number(m[1])] : undefined;
    if (m && f) {
      const file = resolve(f.dir, m[2]);
      if (file.startsWith(resolve(f.dir, "val") + sep) && existsSync(file) && statSync(file).isFile()) {
        res.writeHead(200, { "content-type": "image/png", "cache-control": "max-age=3600" });
        createReadStream(file).pipe(res);
        return;
      }
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  };

  const server = createServer(handle);
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => { server.off("error", fail); ok(); });
  });
  const address = server.address();
  const actual = typeof address === "object" && address ? address.port : port;
  const shownHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  return {
    url: `http://${shownHost}:${actual}/`,
    close: () => new Promise<void>((done) => {
      clearInterval(timer);
      clearInterval(heartbeat);
      for (const c of clients) c.end();
      clients.clear();
      server.close(() => done());
      server.closeAllConnections();
    }),
  };
}
