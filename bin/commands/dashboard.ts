/** `pcl-stream dashboard RUN... [--port N] [--host H]`: the live dashboard of finished or running runs, until Ctrl-C. */
import { parseArgs } from "node:util";
import { RunReadError, startDashboard } from "../../src/train/index.js";

const HELP = `usage: pcl-stream dashboard RUN... [--port N] [--host H]
  RUN         a run folder (pcl-stream train --out); several are overlaid for comparison.
              It follows OUT/metrics.jsonl and the validation crops as a running train writes them.
  --port N    TCP port (default 6060; 0: any free port)
  --host H    the address to listen on (default 127.0.0.1: this machine only)
Stops on Ctrl-C.`;

export async function run(argv: readonly string[]): Promise<number> {
  let values: { port?: string; host?: string; help?: boolean }, positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, options: { port: { type: "string" }, host: { type: "string" }, help: { type: "boolean", short: "h" } } }));
  } catch (err) {
    console.error(`pcl-stream dashboard: ${(err as Error).message}\n${HELP}`);
    return 2;
  }
  if (values.help) { console.log(HELP); return 0; }
  if (positionals.length === 0) { console.error(`pcl-stream dashboard: expected at least one RUN folder\n${HELP}`); return 2; }
  const port = values.port === undefined ? 6060 : Number(values.port);
  if (!(Number.isInteger(port) && port >= 0 && port < 65536)) { console.error(`pcl-stream dashboard: --port must be a port number (0..65535), got '${values.port}'`); return 2; }
  let dashboard;
  try {
    dashboard = await startDashboard(positionals, { port, ...(values.host === undefined ? {} : { host: values.host }) });
  } catch (err) {
    if (err instanceof RunReadError) { console.error(`pcl-stream dashboard: ${err.message}`); return 2; }
    const code = (err as { code?: string }).code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") { console.error(`pcl-stream dashboard: cannot listen on ${values.host ?? "127.0.0.1"}:${port} (${code}); try --port 0`); return 2; }
    throw err;
  }
  console.log(`dashboard: ${dashboard.url}  (Ctrl-C to stop)`);
  const d = dashboard;
  await new Promise<void>((done) => {
    const stop = () => { process.off("SIGINT", stop); process.off("SIGTERM", stop); void d.close().then(done); };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  return 0;
}
