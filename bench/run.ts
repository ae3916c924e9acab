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
 *   npm run bench -- --no-pytorch         skip the PyTorch anchor
 *   npm run bench -- --threads 2          native thread count (default: all cores; PyTorch gets the same)
 *
 * The PyTorch references run first, each in its own process, so that its peak memory and ours
 * are never held at once. Each memory workload (the paper ones) runs in a child process of its
 * own (`--no-isolate`: in this one), as each PyTorch reference does, so that its peak RSS and
 * webgpu's buffer pool (which only grows) are its own. Peak memory: tensor bytes at the peak of
 * one repetition (`peakTensorBytes`), the GPU figures of tf.memory() where the backend reports
 * them (webgpu), and the process's peak RSS (`peakRssKiB`; null when, in-process, it did not
 * rise during the workload).
 *
 * Adding a workload: export a TimedWorkload/ReportWorkload (bench/workload.ts) from its own module
 * and add it to WORKLOADS below with its names (lazy imports keep unrelated modules out of a filtered run).
 */
import * as tf from "@tensorflow/tfjs-core";
import { spawn } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { BackendError, selectBackend, selectedBackendInfo, type BackendName } from "../src/backend/select.js";
import { BenchUsageError, childArgv, parseBenchArgs, selectWorkloads, unmatchedPrefixes, type BenchArgs } from "./args.js";
import { machineInfo, machineLines } from "./machine.js";
import { runPytorch, type TorchTiming } from "./pytorch.js";
import type { PytorchScriptRef, TimedResult, TimedWorkload, Workload } from "./workload.js";
import { repetitions, timeWorkload } from "./workload.js";

interface Entry {
  /** The names of the workloads load() returns (the selection runs before any module loads). */
  names: readonly string[];
  /** Run only when --only names it (or, for the paper group, --paper). */
  optIn?: boolean;
  paper?: boolean;
  /** `primary`: the backend of this run; `withCpu`: primary plus tfjs's cpu where the default run adds it. */
  load(ctx: LoadContext): Promise<Workload[]>;
}

interface LoadContext {
  readonly primary: string;
  /** Today's default run adds tfjs's pure-JS cpu to the small conv kernels; a --backend run does not. */
  readonly addCpu: boolean;
  readonly args: BenchArgs;
}

const PCL_STEP_NAMES = ["g-step-l1", "d-step", "g-step-pcl", "pcl-iteration"];

const WORKLOADS: Entry[] = [
  {
    names: ["fwd", "bwd-input", "bwd-filter"].flatMap((p) => [`conv-${p}-c64`, `conv-${p}-c32`]),
    load: async ({ primary, addCpu }) => (await import("./kernels.js")).convKernelWorkloads(primary, addCpu),
  },
  // The same iteration written op by op with plain tfjs (no DSL, no fused similarity): a reference
  // for what the DSL's compiled graph saves, not one of the issue's workloads.
  { names: ["a", "b", "c", "d"].map((m) => `pcl-raw-${m}`), optIn: true, load: async ({ primary }) => (await import("./raw-pcl-step.js")).rawPclWorkloads([primary]) },
  { names: PCL_STEP_NAMES, load: async ({ primary }) => (await import("./pcl-step.js")).pclStepWorkloads([primary]) },
  { names: ["infer-edsr-tiny", "infer-edsr-baseline"], load: async ({ primary }) => (await import("./inference.js")).inferenceWorkloads([primary]) },
  {
    names: ["pcl-iteration-rcan-b16", "pcl-iteration-edsr-b16", "pcl-iteration-rcan-b2", "train-step-rcan-b2", "train-step-han-b2", "train-step-edsr-b2"],
    optIn: true, paper: true,
    load: async ({ primary, args }) => (await import("./paper.js")).paperWorkloads({ backends: [primary], recompute: args.recompute, batch: args.batch, patch: args.patch }),
  },
  {
    names: ["infer-edsr-512", "infer-rcan-512"], optIn: true, paper: true,
    load: async ({ primary, args }) => (await import("./inference.js")).tiledInferenceWorkloads([primary], args.image),
  },
  { names: ["imresize-2k"], load: async () => [(await import("./imresize.js")).imresizeWorkload()] },
  { names: ["watch"], load: async () => [{ kind: "report", inference: true, ...(await import("./watch.js")).watchWorkload }] as Workload[] },
];

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
    console.log("npm run bench -- [--json] [--backend NAME] [--only PREFIX,...] [--paper] [--recompute none|groups|blocks] [--reps N] [--warmup N] [--batch N] [--patch N] [--image N] [--threads N] [--no-pytorch]\n(see the top of bench/run.ts)");
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
    say(`running the PyTorch references first (${threads} threads${device === "cuda" ? ", CUDA where torch sees it" : ""})...`);
    torch = runPytorch(keys, threads, [...refs.values()], device, say);
    for (const n of torch.notes) say(n);
  }

  const results = new Map<TimedWorkload, TimedResult>();
  for (const w of workloads) {
    if (w.kind === "report") {
      // The CLI's inference commands keep no recycled buffers on native (selectBackend's "inference" workload).
      const pool = w.inference && backend.name === "native";
      if (pool) native.setNativeBufferPool(0);
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
      const r = isolated ? await timeInChild(w, args, threads, say) : await timeWorkload(w, b, args);
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

  if (!args.pytorch) return 0;
  for (const w of timed) {
    const ref = refs.get(w);
    const t = ref ? torch.timings.get(ref.key) : w.pytorchKey ? torch.timings.get(w.pytorchKey) : undefined;
    const ours = results.get(w);
    if (!t || !ours) continue;
    // The JSON-line scripts do not count FLOPs: the work is the same as ours, so ours gives their GFLOP/s.
    const torchGflops = t.gflops ?? (ref && w.flops ? w.flops / t.bestMs / 1e6 : null);
    const timeRatio = ours.bestMs / t.bestMs;
    const gflopsShare = ours.gflops !== null && torchGflops ? ours.gflops / torchGflops : null;
    const memory = memoryRatio(ours, t);
    const params = ref?.params ? paramCheck(ref.params, t) : null;
    if (json) {
      const extra = ref ? { device: t.device ?? null, peakRssGiB: t.peakRssGiB ?? null, peakCudaGiB: t.peakCudaGiB ?? null, params: t.params ?? null, paramsE: t.paramsE ?? null } : {};
      console.log(JSON.stringify({ workload: w.name, backend: "pytorch", bestMs: t.bestMs, medianMs: t.medianMs, gflops: torchGflops === null ? null : round(torchGflops), ...extra }));
      console.log(JSON.stringify({
        workload: w.name, ratio: `${ours.backend}/pytorch`, timeRatio: round(timeRatio), gflopsShare: gflopsShare === null ? null : round(gflopsShare),
        ...(memory ? { memoryRatio: round(memory.ratio), memoryBasis: memory.basis } : {}),
        ...(params ? { paramsMatch: params.ok, paramsOurs: params.ours, paramsPytorch: params.theirs } : {}),
      }));
    } else {
      const torchMem = t.peakCudaGiB !== undefined ? `, peak CUDA ${t.peakCudaGiB} GiB` : t.peakRssGiB !== undefined ? `, peak RSS ${t.peakRssGiB} GiB` : "";
      say(`${w.name.padEnd(22)} pytorch best ${t.bestMs.toFixed(2).padStart(9)} ms  ${torchGflops === null ? "" : `${torchGflops.toFixed(1)} GFLOP/s`}${torchMem}  -> ours/PyTorch time ${timeRatio.toFixed(2)}x${gflopsShare === null ? "" : `, GFLOP/s ${(100 * gflopsShare).toFixed(0)}% of PyTorch`}${memory ? `, peak memory ${memory.ratio.toFixed(2)}x (${memory.basis})` : ""}`);
    }
    if (params && !params.ok) say(`${w.name}: PARAMETER COUNTS DIFFER: ours ${params.ours}, PyTorch ${params.theirs} (the reference is not the same network)`);
  }
  return 0;
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

interface MemoryFields {
  peakTensorBytes: number;
  liveTensorBytes: number;
  largestTensorBytes: number;
  gpuBytesInUse: number | null;
  gpuBytesAllocated: number | null;
  /** This process's peak RSS (KiB) if it rose during the workload (then it is the workload's peak), else null. */
  peakRssKiB: number | null;
  maxRssKiB: number;
}

function memoryFields(r: TimedResult): MemoryFields | null {
  const m = r.memory;
  if (!m) return null;
  return {
    peakTensorBytes: m.peakTensorBytes, liveTensorBytes: m.liveTensorBytes, largestTensorBytes: m.largestTensorBytes,
    gpuBytesInUse: m.gpuBytesInUse, gpuBytesAllocated: m.gpuBytesAllocated,
    peakRssKiB: m.maxRssKiBAfter > m.maxRssKiBBefore ? m.maxRssKiBAfter : null,
    maxRssKiB: m.maxRssKiBAfter,
  };
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

function memoryText(m: MemoryFields): string {
  const parts = [`peak tensors ${gib(m.peakTensorBytes)} above ${gib(m.liveTensorBytes)} live (largest ${gib(m.largestTensorBytes)})`];
  if (m.gpuBytesAllocated !== null) parts.push(`GPU allocated ${gib(m.gpuBytesAllocated)}${m.gpuBytesInUse === null ? "" : `, in use after ${gib(m.gpuBytesInUse)}`}`);
  parts.push(m.peakRssKiB === null ? `peak RSS ${gib(m.maxRssKiB * 1024)} reached before this workload` : `peak RSS ${gib(m.peakRssKiB * 1024)}`);
  return parts.join("; ");
}

/**
 * Ours over PyTorch's peak memory, like for like: on CUDA, our GPU allocation (webgpu) or our
 * peak tensor bytes with the live ones (tensorflow-gpu) against torch.cuda.max_memory_allocated;
 * on the CPU, the two processes' peak RSS (ours only when it is this workload's).
 */
function memoryRatio(ours: TimedResult, t: TorchTiming): { ratio: number; basis: string } | null {
  const m = ours.memory;
  if (!m) return null;
  if (t.peakCudaGiB !== undefined && t.peakCudaGiB > 0) {
    if (m.gpuBytesAllocated !== null) return { ratio: m.gpuBytesAllocated / (t.peakCudaGiB * 2 ** 30), basis: "GPU allocated / torch.cuda.max_memory_allocated" };
    return { ratio: (m.peakTensorBytes + m.liveTensorBytes) / (t.peakCudaGiB * 2 ** 30), basis: "peak tensor bytes incl. live / torch.cuda.max_memory_allocated" };
  }
  if (t.peakRssGiB !== undefined && t.peakRssGiB > 0 && m.maxRssKiBAfter > m.maxRssKiBBefore) {
    return { ratio: (m.maxRssKiBAfter * 1024) / (t.peakRssGiB * 2 ** 30), basis: "peak RSS" };
  }
  return null;
}

function paramCheck(ours: { generator: number; embedding?: number }, t: TorchTiming): { ok: boolean; ours: string; theirs: string } {
  const oursText = ours.embedding === undefined ? `G ${ours.generator}` : `G ${ours.generator}, E ${ours.embedding}`;
  const theirsText = ours.embedding === undefined ? `G ${t.params ?? "?"}` : `G ${t.params ?? "?"}, E ${t.paramsE ?? "?"}`;
  const ok = t.params === ours.generator && (ours.embedding === undefined || t.paramsE === ours.embedding);
  return { ok, ours: oursText, theirs: theirsText };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

process.exitCode = await main();
