/**
 * The end-of-run report: one self-contained HTML file (uPlot, the page script, the numbers and the
 * crops inline as data: URLs) with a run's or several runs' curves, best validation, latest crops,
 * a crop gallery, recipe, backend and the command that made each. It opens from disk with no network.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { ValidationCrop } from "../pipelines/train/validation-crops.js";
import { dashboardHtml } from "./dashboard-page.js";
import { readRunLog, type LoggedStep, type LoggedValidation, type RunLog } from "./run-log.js";

/** The report's file name inside a run folder (what `pcl-stream train` writes at the end). */
export const REPORT_FILE = "report.html";

/** At most this many steps per run are drawn (evenly thinned, the last one kept). */
const MAX_STEPS = 4000;

function thin(steps: readonly LoggedStep[]): readonly LoggedStep[] {
  if (steps.length <= MAX_STEPS) return steps;
  const every = Math.ceil(steps.length / MAX_STEPS);
  return steps.filter((_, i) => i % every === 0 || i === steps.length - 1);
}

const dataUrl = (file: string) => `data:image/png;base64,${readFileSync(file).toString("base64")}`;

function inlineCrops(run: RunLog, crops: readonly ValidationCrop[], keys: readonly (keyof ValidationCrop)[]): ValidationCrop[] {
  return crops.map((c) => ({ ...c, ...Object.fromEntries(keys.map((k) => [k, dataUrl(join(run.dir, c[k]))])) }));
}

function reportRun(run: RunLog) {
  const withCrops = run.validations.filter((v) => v.crops.length > 0);
  const latest = withCrops.at(-1);
  const best = withCrops.reduce<LoggedValidation | undefined>((b, v) => (!b || v.psnr > b.psnr ? v : b), undefined);
  const validations = run.validations.map((v) => (v === latest ? { ...v, crops: inlineCrops(run, v.crops, ["bicubic", "sr", "hr"]) } : { ...v, crops: [] }));
  const gallery = [
    ...(best ? [{ iteration: best.iteration, label: "best", crops: inlineCrops(run, best.crops, ["strip"]) }] : []),
    ...(latest && latest !== best ? [{ iteration: latest.iteration, label: "latest", crops: inlineCrops(run, latest.crops, ["strip"]) }] : []),
  ];
  return { name: run.name, dir: run.dir, info: run.info, steps: thin(run.steps), validations, gallery };
}

/**
 * The report of the run folders `runs` as HTML (several runs are overlaid for comparison).
 *
 * ```ts
 * writeFileSync("ablation.html", buildReport(["runs/pcl", "runs/l1-only"]));
 * ```
 *
 * @throws RunReadError when a folder holds no metrics.jsonl or a line of it is not JSON.
 */
export function buildReport(runs: readonly string[], options: { readonly title?: string } = {}): string {
  if (!Array.isArray(runs) || runs.length === 0) throw new TypeError("buildReport: runs must be a non-empty list of run folders");
  const logs = runs.map((dir) => readRunLog(dir));
  const title = options.title ?? `pcl-stream report: ${logs.map((r) => r.name).join(", ")}`;
  return dashboardHtml(title, { written: Date.now(), runs: logs.map(reportRun) });
}

/** Writes `buildReport(runs)` to `file` (through a temp file and a rename: never half a report). */
export function writeReport(runs: readonly string[], file: string, options: { readonly title?: string } = {}): void {
  const html = buildReport(runs, options);
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
  writeFileSync(tmp, html);
  renameSync(tmp, file);
}
