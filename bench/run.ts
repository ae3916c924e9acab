/**
 * `npm run bench` entry: times the registered workloads on one backend and, when Debian's
 * python3-torch is installed, runs the PyTorch reference scripts in the same run and prints each
 * ratio ours/PyTorch (time ratio; for kernels also the GFLOP/s share; for the memory-carrying
 * workloads also the peak-memory ratio). The first lines (the first `--json` object) say what it
 * ran on: CPU model, cores, the backend and its device (webgpu: the adapter), the native addon's
 * ISA and threads.
 *
 *   npm run bench                         the default workloads on native (+ tfjs cpu where a workload lists it)
 *   npm run bench -- --json               {"machine": ...} first, then one JSON object per (workload, backend),
 *                                         then PyTorch's figures and the ratios
 *   npm run bench -- --backend webgpu     run on that backend: cpu, native (default), webgpu, tensorflow,
 *                                         tensorflow-gpu, activated as the CLI does (selectBackend)
 *   npm run bench -- --only conv,pcl-raw  workloads whose name starts with one of these prefixes; a prefix
 *                                         that matches a default workload selects only default ones
 *                                         (opt-in ones run when named more precisely, or exactly)
 *   npm run bench -- --paper              also the paper-scale workloads (opt-in, minutes each on 2 cores):
 *                                         pcl-iteration-rcan-b16, pcl-iteration-edsr-b16, pcl-iteration-rcan-b2,
 *                                         train-step-rcan-b2, train-step-han-b2, train-step-edsr-b2,
 *                                         infer-edsr-512, infer-rcan-512
 *   npm run bench -- --recompute groups   the generator's recomputation in the training workloads
 *                                         (none | groups | blocks; default none); PyTorch's reference
 *                                         checkpoints the same units
 *   npm run bench -- --reps 1 --warmup 0  override every workload's repetitions (short runs while developing)
 *   npm run bench -- --batch 1 --patch 24 --image 64
 *                                         SMOKE-test sizes for the paper workloads (names kept, results
 *                                         marked smoke: true; not the named workload's figures)
 *   npm run bench -- --no-pytorch         skip the PyTorch anchor (and the NumPy references)
 *   npm run bench -- --threads 2          native thread count (default: all cores; PyTorch gets the same)
 *   npm run bench -- --no-isolate         run the memory workloads in this process (see below)
 *
 * The PyTorch references run first, each in its own process, so that its peak memory and ours
 * are never held at once. Each memory workload (the paper ones) runs in a child process of its
 * own (`--no-isolate`: in this one), as each PyTorch reference does, so that its peak RSS and
 * webgpu's buffer pool (which only grows) are its own. Peak memory: tensor bytes at the peak of
 * one repetition (`peakTensorBytes`), the GPU figures of tf.memory() where the backend reports
 * them (webgpu), and the process's peak RSS (`peakRssKiB`; null when, in-process, it did not
 * rise during the workload).
 *
 * Adding a workload: see bench/catalog.ts.
 */
import * as tf from "@tensorflow/tfjs-core";
import { spawn } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { BackendError, selectBackend, selectedBackendInfo, type BackendName } from "../src/backend/select.js";
import { BenchUsageError, childArgv, parseBenchArgs, selectWorkloads, unmatchedPrefixes, type BenchArgs } from "./args.js";
import { WORKLOADS, type LoadContext } from "./catalog.js";
import { memoryFields, memoryRatio, memoryText, paramCheck } from "./compare.js";
import { machineInfo, machineLines } from "./machine.js";
import { runPytorch, type TorchTiming } from "./pytorch.js";
import type { PytorchScriptRef, TimedResult, TimedWorkload, Workload } from "./workload.js";
import { repetitions, timeWorkload } from "./workload.js";

const GPU_BACKENDS: readonly string[] = ["webgpu", "tensorflow-gpu"];

/**
 * Activates the run's backend as the CLI does and returns its tfjs registry name. The default run
 * asks for native and, where the addon does not load, goes on with tfjs's cpu (as before).
 */
async function activate(args: BenchArgs, say: (line: string) => void): Promise<{ name: BackendName; tfjsName: string }> {
  try {
    const name = await selectBackend(args.backend ?? "native", { quiet: true });
    return { name, tfjsName: tf.getBackend() };
  } catch (err) {
    if (args.backend !== undefined || !(err instanceof BackendError)) throw err;
    say(`native backend unavailable: ${err.message} (running on tfjs's cpu)`);
    const name = await selectBackend("cpu", { quiet: true });
    return { name, tfjsName: tf.getBackend() };
  }
}

async function main(): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof BenchUsageError)) throw err;
    console.error(`npm run bench: ${err.message}`);
    return 2;
  }
  if (args.help) {
    console.log("npm run bench -- [--json] [--backend NAME] [--only PREFIX,...] [--paper] [--recompute none|groups|blocks] [--reps N] [--warmup N] [--batch N] [--patch N] [--image N] [--threads N] [--no-pytorch] [--no-isolate]\n(see the top of bench/run.ts)");
    return 0;
  }
  const { json } = args;
  const threads = args.threads ?? cpus().length;
  const say = (line: string) => (json || args.child ? console.error(line) : console.log(line));

  const catalog = WORKLOADS.flatMap((e) => e.names.map((name) => ({ name, optIn: e.optIn === true, paper: e.paper === true })));
  const unmatched = unmatchedPrefixes(catalog, args.only);
  if (unmatched.length) {
    console.error(`npm run bench: --only ${unmatched.join(",")} matches no workload (expected a prefix of one of: ${catalog.map((w) => w.name).join(", ")})`);
    return 2;
  }
  const picked = selectWorkloads(catalog, args.only, args.paper);

  // The native addon's threads are set before the backend starts (native, and the kernels tfjs's cpu does not have).
  const native = await import("../src/backend/native/index.js");
  native.setNativeThreads(threads);
  let backend: { name: BackendName; tfjsName: string };
  try {
    backend = await activate(args, say);
  } catch (err) {
    console.error(`npm run bench: ${(err as Error).message}`);
    return 2;
  }
  // Child processes (the watch workload's peak-RSS run) use the same backend.
  if (args.backend !== undefined) process.env.PCL_BACKEND = backend.name;
  const nativeInfo = native.nativeInfo();
  const machine = machineInfo({ backend: backend.name, selected: selectedBackendInfo(), native: nativeInfo, threads, recompute: args.recompute });
  // A child of an isolated run prints only its results ({"childResult": ...} lines) on stdout, for the parent.
  if (!args.child) {
    if (json) console.log(JSON.stringify({ machine }));
    for (const line of machineLines(machine)) say(line);
  }

  const ctx: LoadContext = { primary: backend.tfjsName, addCpu: args.backend === undefined, args };
  const workloads: Workload[] = [];
  for (const e of WORKLOADS) {
    if (!e.names.some((n) => picked.has(n))) continue;
    let loaded: Workload[];
    try {
      loaded = await e.load(ctx);
    } catch (err) {
      say(`workloads ${e.names.join(",")}: could not load (${(err as Error).message.split("\n")[0]}), skipped`);
      continue;
    }
    for (const w of loaded) if (picked.has(w.name)) workloads.push(w);
  }
  const timed = workloads.filter((w): w is TimedWorkload => w.kind === "timed");
  const repsOf = (w: TimedWorkload) => repetitions(w, backend.tfjsName, args);

  // PyTorch first: its processes have exited (and freed their memory) before ours run.
  let torch: { timings: Map<string, TorchTiming>; notes: string[] } = { timings: new Map(), notes: [] };
  const refs = new Map<TimedWorkload, PytorchScriptRef>();
  for (const w of timed) if (w.pytorchScript) refs.set(w, w.pytorchScript(repsOf(w)));
  const keys = [...new Set(timed.flatMap((w) => (w.pytorchKey ? [w.pytorchKey] : [])))];
  if (args.pytorch && !args.child && (keys.length || refs.size)) {
    const device = GPU_BACKENDS.includes(backend.name) ? "cuda" : "cpu";
    say(`running the ${[...refs.values()].every((r) => r.python === "numpy") && !keys.length ? "NumPy" : "PyTorch"} references first (${threads} threads${device === "cuda" ? ", CUDA where torch sees it" : ""})...`);
    torch = runPytorch(keys, threads, [...refs.values()], device, say);
    for (const n of torch.notes) say(n);
  }

  const results = new Map<TimedWorkload, TimedResult>();
  let failures = 0;
  for (const w of workloads) {
    if (w.kind === "report") {
      // The CLI's inference commands keep no recycled buffers on native (selectBackend's "inference" workload).
      const pool = w.inference && backend.name === "native";
      if (pool) native.setNativeBufferPool(0);
      // A timed workload before it may have left another backend active (imresize-2k runs on cpu);
      // a report workload runs on the run's backend.
      await tf.setBackend(backend.tfjsName);
      let r: unknown;
      try {
        r = await w.run();
      } finally {
        if (pool) native.setNativeBufferPool();
      }
      if (json) console.log(JSON.stringify({ workload: w.name, report: r }));
      else say(`${w.name}: ${JSON.stringify(r)}`);
      continue;
    }
    for (const b of w.backends) {
      if (!tf.findBackendFactory(b)) {
        say(`${w.name} on ${b}: backend not available, skipped`);
        continue;
      }
      const isolated = w.memory === true && args.isolate && !args.child;
      let r: TimedResult;
      try {
        r = isolated ? await timeInChild(w, args, threads, say) : await timeWorkload(w, b, args);
      } catch (err) {
        // One workload failing (out of memory on a small GPU, a backend without a kernel) does not end the run.
        const message = (err as Error).message.split("\n")[0];
        say(`${w.name} on ${b}: FAILED: ${message}`);
        if (json) console.log(JSON.stringify({ workload: w.name, backend: b, error: message }));
        failures++;
        continue;
      }
      if (args.child) {
        console.log(JSON.stringify({ childResult: r }));
        continue;
      }
      if (b === backend.tfjsName) results.set(w, r);
      const mem = memoryFields(r);
      const images = w.images ? { imagesPerSec: round((1000 * w.images) / r.bestMs) } : {};
      if (json) {
        console.log(JSON.stringify({
          workload: r.workload, backend: r.backend, bestMs: round(r.bestMs), medianMs: round(r.medianMs), gflops: r.gflops === null ? null : round(r.gflops),
          reps: r.reps, warmup: r.warmup, ...images, ...(w.extra ?? {}), ...(mem ?? {}),
        }));
      } else {
        say(`${w.name.padEnd(22)} ${b.padEnd(7)} best ${r.bestMs.toFixed(2).padStart(9)} ms  median ${r.medianMs.toFixed(2).padStart(9)} ms  ${r.gflops === null ? "" : `${r.gflops.toFixed(1).padStart(7)} GFLOP/s`}${w.images ? `  ${images.imagesPerSec} images/s` : ""}   ${w.description}`);
        if (mem) say(`${"".padEnd(31)}memory: ${memoryText(mem)}`);
      }
    }
  }

  const status = failures ? 1 : 0;
  if (!args.pytorch || args.child) return status;
  for (const w of timed) {
    const ref = refs.get(w);
    const t = ref ? torch.timings.get(ref.key) : w.pytorchKey ? torch.timings.get(w.pytorchKey) : undefined;
    const ours = results.get(w);
    if (!t || !ours) continue;
    // The JSON-line scripts do not count FLOPs: the work is the same as ours, so ours gives their GFLOP/s.
    const torchGflops = t.gflops ?? (ref && w.flops ? w.flops / t.bestMs / 1e6 : null);
    const timeRatio = ours.bestMs / t.bestMs;
    const gflopsShare = ours.gflops !== null && torchGflops ? ours.gflops / torchGflops : null;
    const memory = memoryRatio(ours, t, GPU_BACKENDS.includes(backend.name));
    const params = ref?.params ? paramCheck(ref.params, t) : null;
    const refName = t.reference ?? "pytorch", RefName = t.reference === "numpy" ? "NumPy" : "PyTorch";
    if (json) {
      const extra = ref ? { device: t.device ?? null, peakRssGiB: t.peakRssGiB ?? null, peakCudaGiB: t.peakCudaGiB ?? null, params: t.params ?? null, paramsE: t.paramsE ?? null } : {};
      console.log(JSON.stringify({ workload: w.name, backend: refName, bestMs: t.bestMs, medianMs: t.medianMs, gflops: torchGflops === null ? null : round(torchGflops), ...extra }));
      console.log(JSON.stringify({
        workload: w.name, ratio: `${ours.backend}/${refName}`, timeRatio: round(timeRatio), gflopsShare: gflopsShare === null ? null : round(gflopsShare),
        ...(memory ? { memoryRatio: round(memory.ratio), memoryBasis: memory.basis } : {}),
        ...(params ? { paramsMatch: params.ok, paramsOurs: params.ours, paramsPytorch: params.theirs } : {}),
      }));
    } else {
      const figures = [
        ...(torchGflops === null ? [] : [`${torchGflops.toFixed(1)} GFLOP/s`]),
        ...(t.peakCudaGiB !== undefined ? [`peak CUDA ${t.peakCudaGiB} GiB`] : t.peakRssGiB !== undefined ? [`peak RSS ${t.peakRssGiB} GiB`] : []),
        ...(t.device ? [t.device] : []),
      ].join(", ");
      say(`${w.name.padEnd(22)} ${refName.padEnd(7)} best ${t.bestMs.toFixed(2).padStart(9)} ms  ${figures}  -> ours/${RefName} time ${timeRatio.toFixed(2)}x${gflopsShare === null ? "" : `, GFLOP/s ${(100 * gflopsShare).toFixed(0)}% of PyTorch`}${memory ? `, peak memory ${memory.ratio.toFixed(2)}x (${memory.basis})` : ""}`);
    }
    if (params && !params.ok) say(`${w.name}: PARAMETER COUNTS DIFFER: ours ${params.ours}, PyTorch ${params.theirs} (the reference is not the same network)`);
  }
  return status;
}

/**
 * Runs one memory workload in a fresh process (this file with --child and the same settings) and
 * returns its result: its peak RSS and the backend's GPU pool are then its own.
 */
async function timeInChild(w: TimedWorkload, args: BenchArgs, threads: number, say: (line: string) => void): Promise<TimedResult> {
  const argv = childArgv(args, w.name, threads);
  say(`${w.name}: running in a child process of its own (bench/run.ts ${argv.join(" ")})`);
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), ...argv], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolveExit, reject) => { child.on("error", reject); child.on("exit", resolveExit); });
  const line = out.split("\n").find((l) => l.startsWith('{"childResult"'));
  if (code !== 0 || !line) throw new Error(`${w.name}: the child process exited with ${code} and no result (expected a {"childResult": ...} line); its output: ${out.slice(-500)}`);
  const r = (JSON.parse(line) as { childResult: TimedResult }).childResult;
  if (r.workload !== w.name) throw new Error(`${w.name}: the child process timed ${r.workload}`);
  return r;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

process.exitCode = await main();
