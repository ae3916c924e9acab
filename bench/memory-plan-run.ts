/**
 * One measured training run for the memory plan: `npx tsx bench/memory-plan-run.ts GRAPH BATCH PATCH
 * [RECOMPUTE] [BACKEND]` trains GRAPH for 2 contrastive iterations (no warm-up, no validation) on the bundled T91 and prints
 * one JSON line: the plan's estimate (from the run's start event) and the process's peak RSS
 * (getrusage's maxrss), so the two can be compared in a fresh process per configuration.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastValueFrom, NEVER, toArray } from "rxjs";
import { loadGraphFile } from "../bin/graph-file.js";
import { bundledData } from "../src/package-root.js";
import { selectBackend } from "../src/backend/select.js";
import { pcl, type Recompute } from "../src/dsl/index.js";
import { train } from "../src/pipelines/train/train.js";

const [graph, batch, patch, recompute = "auto", backend = "native"] = process.argv.slice(2);
if (!graph || !batch || !patch) {
  console.error("usage: tsx bench/memory-plan-run.ts GRAPH BATCH PATCH [auto|none|groups|blocks] [BACKEND]");
  process.exit(2);
}
const chosen = await selectBackend(backend, { quiet: true });
const base = await loadGraphFile(graph);
const spec = pcl({ ...base, train: { ...base.train, batch: Number(batch), patch: Number(patch), iterations: 2, validateEvery: 2, warmup: 0, recompute: recompute as Recompute | "auto" } });
const out = mkdtempSync(join(tmpdir(), "pcl-memory-plan-"));
const started = performance.now();
try {
  const events = await lastValueFrom(train({ spec, data: bundledData().train, val: null, out, resume: false, backend: chosen, stop: NEVER }).pipe(toArray()));
  const start = events.find((e) => e.type === "start");
  const steps = events.filter((e) => e.type === "step");
  if (start?.type !== "start" || steps.length !== 2) throw new Error(`expected a start event and 2 steps, got ${events.map((e) => e.type).join(", ")}`);
  console.log(JSON.stringify({
    graph, batch: Number(batch), patch: Number(patch), backend: chosen, recompute: start.memory.recompute,
    estimateBytes: Math.round(start.memory.estimateBytes), peakRssBytes: process.resourceUsage().maxRSS * 1024,
    activationBytes: Math.round(start.memory.activationBytes), stateBytes: start.memory.stateBytes, dataBytes: start.memory.dataBytes, runtimeBytes: start.memory.runtimeBytes,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  }));
} finally {
  rmSync(out, { recursive: true, force: true });
}
