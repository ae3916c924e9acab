/** What the bench ran on, printed first (and as the first `--json` object). */
import * as tf from "@tensorflow/tfjs-core";
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import type { SelectedBackendInfo } from "../src/backend/select.js";

export interface MachineInfo {
  /** "model name" of /proc/cpuinfo, else os.cpus()[0].model. */
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly tfjsCore: string;
  /** The backend the workloads run on (pcl-stream's name) and the device it names (webgpu: the adapter). */
  readonly backend: string;
  readonly backendDescription: string | null;
  /** webgpu on a software adapter (lavapipe): correct, not fast. */
  readonly softwareAdapter: boolean;
  /** The native addon's instruction set and worker threads (null without the addon). */
  readonly nativeIsa: string | null;
  readonly nativeThreads: number | null;
  /** Threads asked of the native addon and of PyTorch. */
  readonly threads: number;
  readonly recompute: string;
}

export function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => /^model name\s*:/.test(l));
    if (line) return line.split(":").slice(1).join(":").trim();
  } catch {
    // not Linux: os.cpus() below
  }
  return cpus()[0]?.model ?? "unknown CPU";
}

export function machineInfo(o: {
  backend: string;
  selected: SelectedBackendInfo | undefined;
  native: { ok: true; isa: string; threads: number } | { ok: false };
  threads: number;
  recompute: string;
}): MachineInfo {
  return {
    cpu: cpuModel(),
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    tfjsCore: tf.version_core,
    backend: o.backend,
    backendDescription: o.selected?.description ?? null,
    softwareAdapter: o.selected?.software === true,
    nativeIsa: o.native.ok ? o.native.isa : null,
    nativeThreads: o.native.ok ? o.native.threads : null,
    threads: o.threads,
    recompute: o.recompute,
  };
}

export function machineLines(m: MachineInfo): string[] {
  return [
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; Node ${m.node}, tfjs-core ${m.tfjsCore}`,
    `backend: ${m.backend}${m.backendDescription ? ` (${m.backendDescription}${m.softwareAdapter ? ", SOFTWARE adapter" : ""})` : ""}`,
    `native addon: ${m.nativeIsa === null ? "not loaded" : `${m.nativeIsa}, ${m.nativeThreads} threads`}; threads asked: ${m.threads}; training workloads' recompute: ${m.recompute}`,
  ];
}
