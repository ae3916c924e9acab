/**
 * `pcl-stream compare RUN... [--json]`: one table of training runs side by side (recipe, seed,
 * validation PSNR/SSIM, and NIQE where validation measured it (--val-metrics niqe), at each
 * validated iteration, best), read from each run's metrics.jsonl
 * and latest checkpoint. How an L1-only and a PCL run with the same seed are compared.
 */
import { parseArgs } from "node:util";
import { readRunSummary, type RunValidation } from "../../src/train/index.js";

export async function run(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  if (values.help || positionals.length === 0) {
    console.log("usage: pcl-stream compare RUN... [--json]   (RUN: a training --out folder)");
    return values.help ? 0 : 2;
  }
  const runs = await Promise.all(positionals.map(readRunSummary));
  if (values.json) { for (const r of runs) console.log(JSON.stringify(r)); return 0; }
  const iterations = [...new Set(runs.flatMap((r) => r.validations.map((v) => v.iteration)))].sort((a, b) => a - b);
  for (const [i, r] of runs.entries()) console.log(`[${i + 1}] ${r.run}: ${r.graph}, seed ${r.seed}, ${r.iteration} iterations; ${r.recipe}`);
  // NIQE (null in JSON where validation had none to give) shows when any run measured it.
  const withNiqe = runs.some((r) => r.validations.some((v) => v.niqe !== undefined));
  const niqeText = (v: RunValidation) => (withNiqe ? ` / ${typeof v.niqe === "number" ? v.niqe.toFixed(4) : "-"}` : "");
  const head = ["iteration", ...runs.map((_, i) => `[${i + 1}] Y-PSNR / SSIM${withNiqe ? " / NIQE" : ""}`)];
  const rows = iterations.map((it) => [String(it), ...runs.map((r) => { const v = r.validations.find((x) => x.iteration === it); return v ? `${v.psnr.toFixed(3)} / ${v.ssim.toFixed(4)}${niqeText(v)}` : "-"; })]);
  rows.push(["best", ...runs.map((r) => (r.best ? `${r.best.psnr.toFixed(3)} @ ${r.best.iteration}` : "-"))]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  for (const row of [head, widths.map((w) => "-".repeat(w)), ...rows]) console.log(row.map((cell, c) => cell.padStart(widths[c])).join("  "));
  return 0;
}
