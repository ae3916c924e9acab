/**
 * The PyTorch anchor: finds a python3 that imports torch (Debian's /usr/bin/python3 with
 * python3-torch; another python3 may come first on PATH), runs the reference scripts in
 * /work/shared/bench (or PCL_PYTORCH_BENCH_DIR) and parses their timings. Never a dependency:
 * without torch the bench just prints no ratios.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export interface TorchTiming {
  key: string;
  bestMs: number;
  medianMs: number;
  gflops: number | null;
}

export const PYTORCH_BENCH_DIR = process.env.PCL_PYTORCH_BENCH_DIR ?? "/work/shared/bench";

/** A python3 with torch, or null (with the reason). */
export function findTorchPython(): { python: string } | { python: null; reason: string } {
  const candidates = new Set<string>();
  if (process.env.PCL_PYTORCH_PYTHON) candidates.add(process.env.PCL_PYTORCH_PYTHON);
  candidates.add("/usr/bin/python3");
  const which = spawnSync("sh", ["-c", "which -a python3 2>/dev/null"], { encoding: "utf8" });
  for (const line of (which.stdout ?? "").split("\n")) if (line.trim()) candidates.add(line.trim());
  for (const py of candidates) {
    if (!existsSync(py)) continue;
    const r = spawnSync(py, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8", timeout: 60_000 });
    if (r.status === 0) return { python: py };
  }
  return { python: null, reason: "no python3 with torch found (apt-get install python3-torch python3-numpy)" };
}

function runScript(python: string, script: string, args: string[], timeoutMs: number): string {
  const path = join(PYTORCH_BENCH_DIR, script);
  if (!existsSync(path)) throw new Error(`${path} not found`);
  const r = spawnSync(python, [path, ...args], { encoding: "utf8", timeout: timeoutMs, maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status ?? r.signal}): ${(r.stderr ?? "").split("\n").slice(-5).join(" ")}`);
  return r.stdout;
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

/** Runs the PyTorch scripts that the requested keys need (conv-*, pcl-*, infer-*). */
export function runPytorch(keys: readonly string[], threads: number): TorchRun {
  const notes: string[] = [];
  const timings = new Map<string, TorchTiming>();
  const found = findTorchPython();
  if (found.python === null) {
    notes.push(`PyTorch anchor skipped: ${found.reason}`);
    return { timings, notes };
  }
  const py = found.python;
  try {
    if (keys.some((k) => k.startsWith("conv-"))) {
      for (const t of parseConv(runScript(py, "pytorch_conv.py", [String(threads)], 600_000))) timings.set(t.key, t);
    }
    const modes = [...new Set(keys.filter((k) => /^pcl-[a-d]$/.test(k)).map((k) => k.slice(4)))];
    if (keys.some((k) => k.startsWith("infer-"))) modes.push("infer");
    if (modes.length) {
      const out = runScript(py, "pytorch_pcl_step.py", ["--channels-last", "--threads", String(threads), "--mode", modes.join(",")], 900_000);
      for (const t of parsePcl(out)) timings.set(t.key, t);
    }
  } catch (e) {
    notes.push(`PyTorch anchor failed: ${(e as Error).message}`);
  }
  return { timings, notes };
}
