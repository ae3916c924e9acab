/**
 * Bench workload "memory-plan": the training memory plan's estimate against the measured peak RSS
 * of the same run, each configuration in a fresh process (bench/memory-plan-run.ts: 2 contrastive
 * iterations on the bundled T91): edsr-tiny (batch 16, 32; LR patch 24), EDSR baseline and RCAN
 * with the paper's E (batch 2, 4; LR patch 48), and the paper's recipe with recomputation (RCAN,
 * batch 16, `--recompute groups`). Opt-in (minutes on CPU):
 * `npm run bench -- --only memory-plan`.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ReportWorkload } from "./workload.js";

const RUNNER = fileURLToPath(new URL("./memory-plan-run.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

export const MEMORY_PLAN_CONFIGS: readonly (readonly [graph: string, batch: number, patch: number, recompute?: string])[] = [
  ["graphs/edsr-tiny.pcl.ts", 16, 24], ["graphs/edsr-tiny.pcl.ts", 32, 24],
  ["graphs/edsr.pcl.ts", 2, 48], ["graphs/edsr.pcl.ts", 4, 48],
  ["graphs/rcan.pcl.ts", 2, 48], ["graphs/rcan.pcl.ts", 4, 48],
  ["graphs/rcan.pcl.ts", 16, 48, "groups"],
];

export interface MemoryPlanRow {
  readonly graph: string;
  readonly batch: number;
  readonly patch: number;
  readonly recompute: string;
  readonly estimateGiB: number;
  readonly peakRssGiB: number;
  /** measured / estimated */
  readonly ratio: number;
}

/** Runs one configuration in a child process and parses its line. */
export function measureConfig(graph: string, batch: number, patch: number, backend: string, recompute = "auto"): MemoryPlanRow {
  const r = spawnSync(process.execPath, ["--import", "tsx", RUNNER, graph, String(batch), String(patch), recompute, backend], { cwd: ROOT, encoding: "utf8", maxBuffer: 16 << 20 });
  const line = (r.stdout ?? "").trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (r.status !== 0 || !line) throw new Error(`memory-plan-run ${graph} ${batch} ${patch} failed (${r.status ?? r.signal}): ${(r.stderr ?? "").trim().split("\n").slice(-3).join(" ")}`);
  const o = JSON.parse(line) as { recompute: string; estimateBytes: number; peakRssBytes: number };
  const gib = (b: number) => Math.round((b / 2 ** 30) * 1000) / 1000;
  return { graph, batch, patch, recompute: o.recompute, estimateGiB: gib(o.estimateBytes), peakRssGiB: gib(o.peakRssBytes), ratio: Math.round((o.peakRssBytes / o.estimateBytes) * 1000) / 1000 };
}

export function memoryPlanWorkload(backend: string): ReportWorkload {
  return {
    kind: "report",
    name: "memory-plan",
    description: "memory plan's estimate vs measured peak RSS (2 contrastive iterations, fresh process each)",
    run: async () => MEMORY_PLAN_CONFIGS.map(([graph, batch, patch, recompute]) => measureConfig(graph, batch, patch, backend, recompute)),
  };
}
