/**
 * `pcl-stream quality IMAGE|DIR... [--metrics niqe] [--border N] [--json]`: no-reference quality
 * (NIQE) of image files and folders, one line per image and then their mean
 * (src/pipelines/measure-quality.ts).
 */
import { parseArgs } from "node:util";
import { from, lastValueFrom, tap, toArray } from "rxjs";
import { measureQuality, type QualityResult } from "../../src/eval/index.js";
import { parseMetrics } from "../metrics-flag.js";

const USAGE = `usage: pcl-stream quality IMAGE|DIR... [options]

  IMAGE|DIR        image files, or folders of them (searched recursively)
  --metrics LIST   niqe (default; the only no-reference metric: PSNR and SSIM need an HR image,
                   see pcl-stream eval)
  --border N       pixels cropped from every side first (default 0)
  --json           one JSON line per image, {"file","niqe"}, then {"images","niqe"}: the mean
                   over the images that have a NIQE

NIQE (Mittal et al. 2013) as MATLAB's niqe computes it, on the Y channel of the 8-bit image:
lower is more natural. An image needs at least two 96x96 blocks; one without a NIQE prints null
(with the reason on stderr) and makes the exit code 1.`;

const OPTIONS = {
  metrics: { type: "string", default: "niqe" },
  border: { type: "string", default: "0" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

export async function run(argv: readonly string[]): Promise<number> {
  let values, positionals: string[], border: number;
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true }));
    if (values.help) { console.log(USAGE); return 0; }
    if (positionals.length === 0) throw new Error("expected at least one IMAGE or DIR");
    parseMetrics("--metrics", values.metrics, ["niqe"]);
    border = Number(values.border);
    if (!(Number.isInteger(border) && border >= 0)) throw new Error(`--border: expected an integer >= 0, got '${values.border}'`);
  } catch (err) {
    console.error(`pcl-stream quality: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const json = values.json;
  const print = (r: QualityResult) => {
    if (Number.isNaN(r.niqe)) console.error(`pcl-stream quality: ${r.file}: ${r.reason}`);
    if (json) console.log(JSON.stringify({ file: r.file, niqe: Number.isNaN(r.niqe) ? null : r.niqe }));
    else console.log(`${r.file}  ${r.width}x${r.height}  NIQE ${Number.isNaN(r.niqe) ? "-" : r.niqe.toFixed(4)}`);
  };
  let results: QualityResult[];
  try {
    results = await lastValueFrom(from(positionals).pipe(measureQuality({ border }), tap(print), toArray()));
  } catch (err) {
    console.error(`pcl-stream quality: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const measured = results.filter((r) => !Number.isNaN(r.niqe));
  const mean = measured.length ? measured.reduce((s, r) => s + r.niqe, 0) / measured.length : null;
  if (json) console.log(JSON.stringify({ images: measured.length, niqe: mean }));
  else console.log(`mean of ${measured.length} image${measured.length === 1 ? "" : "s"}: NIQE ${mean === null ? "-" : mean.toFixed(4)}`);
  if (results.length === 0) { console.error("pcl-stream quality: no image files found"); return 1; }
  return measured.length === results.length ? 0 : 1;
}
