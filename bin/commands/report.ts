/** `pcl-stream report RUN... [-o FILE]`: one self-contained HTML report of a run, or of several overlaid. */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { REPORT_FILE, RunReadError, writeReport } from "../../src/train/index.js";

const HELP = `usage: pcl-stream report RUN... [-o FILE] [--title TEXT]
  RUN         a run folder written by pcl-stream train (several: their curves overlaid)
  -o FILE     where to write the HTML (default: RUN/${REPORT_FILE} for one run; required for several)
  --title T   the page's title
The report is one file (charts, numbers and crops inline): it opens with no network.`;

export async function run(argv: readonly string[]): Promise<number> {
  let values: { o?: string; title?: string; help?: boolean }, positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, options: { o: { type: "string", short: "o" }, title: { type: "string" }, help: { type: "boolean", short: "h" } } }));
  } catch (err) {
    console.error(`pcl-stream report: ${(err as Error).message}\n${HELP}`);
    return 2;
  }
  if (values.help) { console.log(HELP); return 0; }
  if (positionals.length === 0) { console.error(`pcl-stream report: expected at least one RUN folder\n${HELP}`); return 2; }
  const target = values.o ?? (positionals.length === 1 ? join(positionals[0], REPORT_FILE) : undefined);
  if (target === undefined) { console.error("pcl-stream report: several runs need -o FILE (where the comparison goes)"); return 2; }
  try {
    writeReport(positionals, resolve(target), values.title === undefined ? {} : { title: values.title });
  } catch (err) {
    if (err instanceof RunReadError) { console.error(`pcl-stream report: ${err.message}`); return 2; }
    throw err;
  }
  console.log(resolve(target));
  return 0;
}
