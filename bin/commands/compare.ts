/**
 * `pcl-stream compare RUN... [--json]`: one table of training runs side by side (recipe, seed,
 * validation PSNR/SSIM, and NIQE where validation measured it (--val-metrics niqe), at each
 * validated iteration, best), read from each run's metrics.jsonl
 * and latest checkpoint. How an L1-only and a PCL run with the same seed are compared.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readCheckpoint } from "../../src/checkpoint/load.js";

interface Validation { iteration: number; psnr: number; ssim: number; niqe?: number | null }

export interface RunSummary {
  readonly run: string;
  readonly graph: string;
  readonly seed: number;
  readonly iteration: number;
  readonly recipe: string;
  readonly validations: readonly Validation[];
  readonly best: Validation | null;
}

async function summarizeRun(dir: string): Promise<RunSummary> {
  const metrics = join(dir, "metrics.jsonl");
  if (!existsSync(metrics)) throw new Error(`${dir}: no metrics.jsonl (not a pcl-stream training run)`);
  const validations = readFileSync(metrics, "utf8").split("\n").filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string } & Validation)
    .filter((e) => e.type === "validation")
    .map(({ iteration, psnr, ssim, niqe }) => ({ iteration, psnr, ssim, ...(niqe === undefined ? {} : { niqe }) }));
  const ck = await readCheckpoint(join(dir, "latest"));
  const terms = ck.spec.losses.generator.terms.map((t) => (t.loss.kind === "infoNce" ? `${t.weight} InfoNCE(tau ${t.loss.tau})` : `${t.weight} L1`)).join(" + ");
  const recipe = `${terms}; warm-up ${ck.spec.train.warmup}; lr ${ck.spec.train.optimizers.generator.lr}; negatives ${ck.spec.negatives.source}`;
  const best = validations.reduce<Validation | null>((b, v) => (!b || v.psnr > b.psnr ? v : b), null);
  return { run: dir, graph: ck.spec.name, seed: ck.manifest.seed, iteration: ck.manifest.iteration, recipe, validations, best };
}

export async function run(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  if (values.help || positionals.length === 0) {
    console.log("usage: pcl-stream compare RUN... [--json]   (RUN: a training --out folder)");
    return values.help ? 0 : 2;
  }
  const runs = await Promise.all(positionals.map(summarizeRun));
  if (values.json) { for (const r of runs) console.log(JSON.stringify(r)); return 0; }
  const iterations = [...new Set(runs.flatMap((r) => r.validations.map((v) => v.iteration)))].sort((a, b) => a - b);
  for (const [i, r] of runs.entries()) console.log(`[${i + 1}] ${r.run}: ${r.graph}, seed ${r.seed}, ${r.iteration} iterations; ${r.recipe}`);
  // NIQE (null in JSON where validation had none to give) shows when any run measured it.
  const withNiqe = runs.some((r) => r.validations.some((v) => v.niqe !== undefined));
  const niqeText = (v: Validation) => (withNiqe ? ` / ${typeof v.niqe === "number" ? v.niqe.toFixed(4) : "-"}` : "");
  const head = ["iteration", ...runs.map((_, i) => `[${i + 1}] Y-PSNR / SSIM${withNiqe ? " / NIQE" : ""}`)];
  const rows = iterations.map((it) => [String(it), ...runs.map((r) => { const v = r.validations.find((x) => x.iteration === it); return v ? `${v.psnr.toFixed(3)} / ${v.ssim.toFixed(4)}${niqeText(v)}` : "-"; })]);
  rows.push(["best", ...runs.map((r) => (r.best ? `${r.best.psnr.toFixed(3)} @ ${r.best.iteration}` : "-"))]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  for (const row of [head, widths.map((w) => "-".repeat(w)), ...rows]) console.log(row.map((cell, c) => cell.padStart(widths[c])).join("  "));
  return 0;
}
