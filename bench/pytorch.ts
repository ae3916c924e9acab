/**
 * The PyTorch anchor: finds a python3 that imports torch (Debian's /usr/bin/python3 with
 * python3-torch; another python3 may come first on PATH), runs the reference scripts and parses
 * their timings. Never a dependency: without torch the bench just prints no ratios.
 *
 * Scripts are looked up, each on its own, in this repository's bench/ folder first (where all of
 * them live), then in PCL_PYTORCH_BENCH_DIR, then in a shared/bench folder next to the checkout
 * or one level further up (the team's /work/shared/bench for /work/main and /work/wt/NAME).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { PytorchScriptRef } from "./workload.js";

export interface TorchTiming {
  key: string;
  /** The reference's runtime when it is not PyTorch ("numpy"), for the result lines. */
  reference?: "numpy";
  bestMs: number;
  medianMs: number;
  gflops: number | null;
  /** From the JSON-line scripts: the process's peak RSS, the peak CUDA allocation, parameter counts, the device. */
  peakRssGiB?: number;
  peakCudaGiB?: number;
  params?: number;
  paramsE?: number;
  device?: string;
}

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

/** Where the reference scripts are looked for, in order. */
export function pytorchBenchDirs(): string[] {
  const root = resolve(BENCH_DIR, "..");
  const dirs = [BENCH_DIR];
  if (process.env.PCL_PYTORCH_BENCH_DIR) dirs.push(resolve(process.env.PCL_PYTORCH_BENCH_DIR));
  dirs.push(resolve(root, "../shared/bench"), resolve(root, "../../shared/bench"));
  return [...new Set(dirs)];
}

/** The first copy of `script` in pytorchBenchDirs(); an Error lists where it looked. */
export function findScript(script: string): string {
  const dirs = pytorchBenchDirs();
  for (const d of dirs) if (existsSync(join(d, script))) return join(d, script);
  throw new Error(`${script} not found in ${dirs.join(", ")}`);
}

/** The python3 candidates: PCL_PYTORCH_PYTHON, Debian's, then every python3 on PATH. */
function pythonCandidates(): string[] {
  const candidates = new Set<string>();
  if (process.env.PCL_PYTORCH_PYTHON) candidates.add(process.env.PCL_PYTORCH_PYTHON);
  candidates.add("/usr/bin/python3");
  const which = spawnSync("sh", ["-c", "which -a python3 2>/dev/null"], { encoding: "utf8" });
  for (const line of (which.stdout ?? "").split("\n")) if (line.trim()) candidates.add(line.trim());
  return [...candidates].filter((py) => existsSync(py));
}

/** A python3 with NumPy and SciPy (the NumPy references: no torch needed), or null (with the reason). */
export function findNumpyPython(): { python: string } | { python: null; reason: string } {
  for (const py of pythonCandidates()) {
    if (spawnSync(py, ["-c", "import numpy, scipy"], { encoding: "utf8", timeout: 60_000 }).status === 0) return { python: py };
  }
  return { python: null, reason: "no python3 with numpy and scipy found" };
}

/** A python3 with torch, or null (with the reason); `cuda`: whether that torch sees a CUDA device. */
export function findTorchPython(): { python: string; version: string; cuda: boolean } | { python: null; reason: string } {
  for (const py of pythonCandidates()) {
    const r = spawnSync(py, ["-c", "import torch; print(torch.__version__, torch.cuda.is_available())"], { encoding: "utf8", timeout: 60_000 });
    if (r.status === 0) {
      const [version, cuda] = r.stdout.trim().split(/\s+/);
      return { python: py, version, cuda: cuda === "True" };
    }
  }
  return { python: null, reason: "no python3 with torch found (apt-get install python3-torch python3-numpy)" };
}

function runScript(python: string, script: string, args: readonly string[], timeoutMs: number): string {
  const path = findScript(script);
  const r = spawnSync(python, [path, ...args], { encoding: "utf8", timeout: timeoutMs, maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`${script} ${args.join(" ")} failed (${r.status ?? r.signal}): ${(r.stderr ?? "").trim().split("\n").slice(-5).join(" ")}`);
  return r.stdout;
}

/** The last line of `out` that is a JSON object (the JSON-line scripts print one). */
export function parseJsonLine(out: string, script: string): Record<string, unknown> {
  const line = out.trim().split("\n").reverse().find((l) => l.trim().startsWith("{"));
  if (!line) throw new Error(`${script}: expected a JSON line on stdout, got ${JSON.stringify(out.slice(-300))}`);
  const v: unknown = JSON.parse(line);
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`${script}: expected a JSON object, got ${line}`);
  return v as Record<string, unknown>;
}

/** A JSON-line script's result as a TorchTiming (bestMs and medianMs required). */
export function timingFromJson(key: string, j: Record<string, unknown>, script: string): TorchTiming {
  const num = (k: string) => (typeof j[k] === "number" ? (j[k] as number) : undefined);
  const best = num("bestMs"), median = num("medianMs");
  if (best === undefined || median === undefined) throw new Error(`${script}: expected numeric bestMs and medianMs in ${JSON.stringify(j)}`);
  const t: TorchTiming = { key, bestMs: best, medianMs: median, gflops: null };
  for (const k of ["peakRssGiB", "peakCudaGiB", "params", "paramsE"] as const) { const v = num(k); if (v !== undefined) t[k] = v; }
  if (typeof j.device === "string") t.device = j.device;
  return t;
}

/** pytorch_conv.py <threads>, channels_last rows -> conv-{fwd,bwd-input,bwd-filter}-c{64,32}. */
export function parseConv(out: string): TorchTiming[] {
  const res: TorchTiming[] = [];
  let c: number | null = null;
  for (const line of out.split("\n")) {
    const head = /^N=\d+ C=(\d+)->\d+ \d+x\d+ (\S+)/.exec(line);
    if (head) {
      c = head[2] === "channels_last" ? Number(head[1]) : null;
      continue;
    }
    const row = /^\s+(fwd|bwd_input|bwd_weight\(\+bias\))\s+best\s+([\d.]+) ms\s+median\s+([\d.]+) ms\s+([\d.]+) GFLOP/.exec(line);
    if (row && c !== null) {
      const pass = row[1] === "fwd" ? "fwd" : row[1] === "bwd_input" ? "bwd-input" : "bwd-filter";
      res.push({ key: `conv-${pass}-c${c}`, bestMs: Number(row[2]), medianMs: Number(row[3]), gflops: Number(row[4]) });
    }
  }
  return res;
}

/** pytorch_pcl_step.py lines "(a) ... best X ms  median Y ms ... -> Z GFLOP/s" and "(infer) NAME ...". */
export function parsePcl(out: string): TorchTiming[] {
  const res: TorchTiming[] = [];
  for (const line of out.split("\n")) {
    const m = /^\(([a-d])\) .*?best\s+([\d.]+) ms\s+median\s+([\d.]+) ms.*?->\s+([\d.]+) GFLOP\/s/.exec(line);
    if (m) res.push({ key: `pcl-${m[1]}`, bestMs: Number(m[2]), medianMs: Number(m[3]), gflops: Number(m[4]) });
    const inf = /^\(infer\) (\S+)\s.*?best\s+([\d.]+) ms\s+median\s+([\d.]+) ms.*?->\s+([\d.]+) GFLOP\/s/.exec(line);
    if (inf) res.push({ key: `infer-${inf[1].toLowerCase()}`, bestMs: Number(inf[2]), medianMs: Number(inf[3]), gflops: Number(inf[4]) });
  }
  return res;
}

export interface TorchRun {
  timings: Map<string, TorchTiming>;
  notes: string[];
}

/**
 * Runs the PyTorch scripts that the requested keys need (conv-*, pcl-*, infer-*, the shared
 * scripts' keys) and the workloads' own reference scripts (`refs`, one process each, so each
 * peak RSS is its own), with `threads` threads, on `device` ("cuda" only where torch sees one).
 * References marked `python: "numpy"` run first, on a python3 with NumPy and SciPy (no torch needed).
 * `progress` is told before each script starts.
 */
export function runPytorch(keys: readonly string[], threads: number, refs: readonly PytorchScriptRef[] = [], device: "cpu" | "cuda" = "cpu", progress: (line: string) => void = () => undefined): TorchRun {
  const notes: string[] = [];
  const timings = new Map<string, TorchTiming>();
  const numpyRefs = refs.filter((r) => r.python === "numpy");
  const torchRefs = refs.filter((r) => r.python !== "numpy");
  if (numpyRefs.length) {
    const np = findNumpyPython();
    if (np.python === null) notes.push(`NumPy references skipped: ${np.reason}`);
    else {
      for (const ref of numpyRefs) {
        if (timings.has(ref.key)) continue;
        const args = [...ref.args, "--threads", String(threads)];
        progress(`NumPy: ${ref.script} ${args.join(" ")}`);
        try {
          timings.set(ref.key, { ...timingFromJson(ref.key, parseJsonLine(runScript(np.python, ref.script, args, ref.timeoutMs), ref.script), ref.script), reference: "numpy" });
        } catch (e) {
          notes.push(`NumPy reference failed: ${(e as Error).message}`);
        }
      }
    }
  }
  if (keys.length === 0 && torchRefs.length === 0) return { timings, notes };
  const found = findTorchPython();
  if (found.python === null) {
    notes.push(`PyTorch anchor skipped: ${found.reason}`);
    return { timings, notes };
  }
  const py = found.python;
  const dev = device === "cuda" && !found.cuda ? "cpu" : device;
  if (dev !== device) notes.push(`PyTorch ${found.version} sees no CUDA device: its references run on the CPU`);
  for (const ref of torchRefs) {
    if (timings.has(ref.key)) continue;
    const args = [...ref.args, "--threads", String(threads), "--device", dev];
    progress(`PyTorch: ${ref.script} ${args.join(" ")}`);
    try {
      timings.set(ref.key, timingFromJson(ref.key, parseJsonLine(runScript(py, ref.script, args, ref.timeoutMs), ref.script), ref.script));
    } catch (e) {
      notes.push(`PyTorch reference failed: ${(e as Error).message}`);
    }
  }
  try {
    if (keys.some((k) => k.startsWith("conv-"))) {
      progress(`PyTorch: pytorch_conv.py ${threads}`);
      for (const t of parseConv(runScript(py, "pytorch_conv.py", [String(threads)], 600_000))) timings.set(t.key, t);
    }
    const modes = [...new Set(keys.filter((k) => /^pcl-[a-d]$/.test(k)).map((k) => k.slice(4)))];
    if (keys.some((k) => k.startsWith("infer-"))) modes.push("infer");
    if (modes.length) {
      progress(`PyTorch: pytorch_pcl_step.py --mode ${modes.join(",")}`);
      const out = runScript(py, "pytorch_pcl_step.py", ["--channels-last", "--threads", String(threads), "--mode", modes.join(",")], 900_000);
      for (const t of parsePcl(out)) timings.set(t.key, t);
    }
  } catch (e) {
    notes.push(`PyTorch anchor failed: ${(e as Error).message}`);
  }
  return { timings, notes };
}
