/**
 * `npm run bench` entry: times the registered workloads on their backends and, when Debian's
 * python3-torch is installed, runs the PyTorch reference scripts in the same run and prints each
 * ratio ours/PyTorch (time ratio; for kernels also the GFLOP/s share).
 *
 *   npm run bench                         all workloads, table output
 *   npm run bench -- --json               one JSON object per line per (workload, backend), then ratios
 *   npm run bench -- --only conv,pcl-raw  workloads whose name starts with one of these prefixes
 *                                         (pcl-raw-*, the op-by-op version, runs only when named)
 *   npm run bench -- --no-pytorch         skip the PyTorch anchor
 *   npm run bench -- --threads 2          native thread count (default: all cores; PyTorch gets the same)
 *
 * Adding a workload: export a TimedWorkload/ReportWorkload (bench/workload.ts) from its own module
 * and add it to WORKLOADS below (lazy imports keep unrelated modules out of a filtered run).
 */
import * as tf from "@tensorflow/tfjs-core";
import { cpus } from "node:os";
import { registerGradients } from "../src/backend/gradients.js";
import { nativeInfo, registerNativeBackend, setNativeThreads } from "../src/backend/native/index.js";
import { runPytorch } from "./pytorch.js";
import type { TimedResult, Workload } from "./workload.js";
import { timeWorkload } from "./workload.js";

interface Entry {
  /** comma-separated workload-name prefixes, used by --only before the module is loaded */
  prefix: string;
  /** run only when --only names it */
  optIn?: boolean;
  load(): Promise<Workload[]>;
}

const WORKLOADS: Entry[] = [
  { prefix: "conv-", load: async () => (await import("./kernels.js")).convKernelWorkloads() },
  // The same iteration written op by op with plain tfjs (no DSL, no fused similarity): a reference
  // for what the DSL's compiled graph saves, not one of the issue's workloads.
  { prefix: "pcl-raw-", optIn: true, load: async () => (await import("./raw-pcl-step.js")).rawPclWorkloads(["native"]) },
  { prefix: "pcl-iteration", load: async () => (await import("./pcl-step.js")).pclStepWorkloads(["native"]).filter((w) => w.name === "pcl-iteration") },
  { prefix: "g-step-", load: async () => (await import("./pcl-step.js")).pclStepWorkloads(["native"]).filter((w) => w.name.startsWith("g-step-")) },
  { prefix: "d-step", load: async () => (await import("./pcl-step.js")).pclStepWorkloads(["native"]).filter((w) => w.name === "d-step") },
  { prefix: "infer-", load: async () => (await import("./inference.js")).inferenceWorkloads(["native"]) },
  { prefix: "imresize", load: async () => [(await import("./imresize.js")).imresizeWorkload()] },
  { prefix: "watch", load: async () => [{ kind: "report", ...(await import("./watch.js")).watchWorkload }] as Workload[] },
];

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const only = argValue(args, "--only")?.split(",").filter(Boolean);
  const threads = Number(argValue(args, "--threads") ?? cpus().length);
  const say = (line: string) => (json ? console.error(line) : console.log(line));

  const reg = registerNativeBackend();
  if (!reg.ok) say(`native backend unavailable: ${reg.reason} (native workloads skipped)`);
  else {
    setNativeThreads(threads);
    const info = nativeInfo();
    if (info.ok) say(`native addon: ${info.isa}, ${info.threads} threads`);
  }
  await registerGradients(); // after the backend modules loaded, so pcl-stream's gradients are the registered ones

  const wanted = (name: string) => (only ? only.some((p) => name.startsWith(p)) : true);
  const workloads: Workload[] = [];
  for (const e of WORKLOADS) {
    const prefixes = e.prefix.split(",");
    const named = only?.some((p) => prefixes.some((q) => q.startsWith(p) || p.startsWith(q)));
    if ((only && !named) || (e.optIn && !named)) continue;
    let loaded: Workload[];
    try {
      loaded = await e.load();
    } catch (err) {
      say(`workloads ${e.prefix}: could not load (${(err as Error).message.split("\n")[0]}), skipped`);
      continue;
    }
    for (const w of loaded) if (wanted(w.name)) workloads.push(w);
  }

  const results: TimedResult[] = [];
  for (const w of workloads) {
    if (w.kind === "report") {
      const r = await w.run();
      if (json) console.log(JSON.stringify({ workload: w.name, report: r }));
      else say(`${w.name}: ${JSON.stringify(r)}`);
      continue;
    }
    for (const b of w.backends) {
      if (!tf.findBackend(b) && !(b === "native" && reg.ok)) {
        say(`${w.name} on ${b}: backend not available, skipped`);
        continue;
      }
      const r = await timeWorkload(w, b);
      results.push(r);
      if (json) console.log(JSON.stringify({ workload: r.workload, backend: r.backend, bestMs: round(r.bestMs), medianMs: round(r.medianMs), gflops: r.gflops === null ? null : round(r.gflops) }));
      else say(`${w.name.padEnd(22)} ${b.padEnd(7)} best ${r.bestMs.toFixed(2).padStart(9)} ms  median ${r.medianMs.toFixed(2).padStart(9)} ms  ${r.gflops === null ? "" : `${r.gflops.toFixed(1).padStart(7)} GFLOP/s`}   ${w.description}`);
    }
  }

  if (args.includes("--no-pytorch")) return;
  const keys = [...new Set(workloads.flatMap((w) => (w.kind === "timed" && w.pytorchKey ? [w.pytorchKey] : [])))];
  if (!keys.length) return;
  say(`running the PyTorch anchor (${threads} threads)...`);
  const torch = runPytorch(keys, threads);
  for (const n of torch.notes) say(n);
  for (const w of workloads) {
    if (w.kind !== "timed" || !w.pytorchKey) continue;
    const t = torch.timings.get(w.pytorchKey);
    const ours = results.find((r) => r.workload === w.name && r.backend === "native");
    if (!t || !ours) continue;
    const timeRatio = ours.bestMs / t.bestMs;
    const gflopsShare = ours.gflops !== null && t.gflops ? ours.gflops / t.gflops : null;
    if (json) {
      console.log(JSON.stringify({ workload: w.name, backend: "pytorch", bestMs: t.bestMs, medianMs: t.medianMs, gflops: t.gflops }));
      console.log(JSON.stringify({ workload: w.name, ratio: "native/pytorch", timeRatio: round(timeRatio), gflopsShare: gflopsShare === null ? null : round(gflopsShare) }));
    } else {
      say(`${w.name.padEnd(22)} pytorch best ${t.bestMs.toFixed(2).padStart(9)} ms  ${t.gflops === null ? "" : `${t.gflops.toFixed(1)} GFLOP/s`}  -> ours/PyTorch time ${timeRatio.toFixed(2)}x${gflopsShare === null ? "" : `, GFLOP/s ${(100 * gflopsShare).toFixed(0)}% of PyTorch`}`);
    }
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

await main();
