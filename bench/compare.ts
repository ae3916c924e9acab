/** How a result is printed next to PyTorch's: its memory fields, the peak-memory ratio, the parameter check. */
import type { TorchTiming } from "./pytorch.js";
import type { TimedResult } from "./workload.js";

export interface MemoryFields {
  peakTensorBytes: number;
  liveTensorBytes: number;
  largestTensorBytes: number;
  gpuBytesInUse: number | null;
  gpuBytesAllocated: number | null;
  /** This process's peak RSS (KiB) if it rose during the workload (then it is the workload's peak), else null. */
  peakRssKiB: number | null;
  maxRssKiB: number;
}

export function memoryFields(r: TimedResult): MemoryFields | null {
  const m = r.memory;
  if (!m) return null;
  return {
    peakTensorBytes: m.peakTensorBytes, liveTensorBytes: m.liveTensorBytes, largestTensorBytes: m.largestTensorBytes,
    gpuBytesInUse: m.gpuBytesInUse, gpuBytesAllocated: m.gpuBytesAllocated,
    peakRssKiB: m.maxRssKiBAfter > m.maxRssKiBBefore ? m.maxRssKiBAfter : null,
    maxRssKiB: m.maxRssKiBAfter,
  };
}

export const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

export function memoryText(m: MemoryFields): string {
  const parts = [`peak tensors ${gib(m.peakTensorBytes)} above ${gib(m.liveTensorBytes)} live (largest ${gib(m.largestTensorBytes)})`];
  if (m.gpuBytesAllocated !== null) parts.push(`GPU allocated ${gib(m.gpuBytesAllocated)}${m.gpuBytesInUse === null ? "" : `, in use after ${gib(m.gpuBytesInUse)}`}`);
  parts.push(m.peakRssKiB === null ? `peak RSS ${gib(m.maxRssKiB * 1024)} reached before this workload` : `peak RSS ${gib(m.peakRssKiB * 1024)}`);
  return parts.join("; ");
}

/**
 * Ours over PyTorch's peak memory, like for like: on CUDA, our GPU allocation (webgpu) or our
 * peak tensor bytes with the live ones (tensorflow-gpu) against torch.cuda.max_memory_allocated;
 * on the CPU, the two processes' peak RSS (ours only when it is this workload's). None when one
 * ran on a GPU and the other did not (`oursOnGpu`: webgpu, tensorflow-gpu).
 */
export function memoryRatio(ours: TimedResult, t: TorchTiming, oursOnGpu = false): { ratio: number; basis: string } | null {
  const m = ours.memory;
  if (!m) return null;
  const torchOnGpu = t.peakCudaGiB !== undefined;
  if (oursOnGpu !== torchOnGpu) return null;
  if (t.peakCudaGiB !== undefined && t.peakCudaGiB > 0) {
    if (m.gpuBytesAllocated !== null) return { ratio: m.gpuBytesAllocated / (t.peakCudaGiB * 2 ** 30), basis: "GPU allocated / torch.cuda.max_memory_allocated" };
    return { ratio: (m.peakTensorBytes + m.liveTensorBytes) / (t.peakCudaGiB * 2 ** 30), basis: "peak tensor bytes incl. live / torch.cuda.max_memory_allocated" };
  }
  if (t.peakRssGiB !== undefined && t.peakRssGiB > 0 && m.maxRssKiBAfter > m.maxRssKiBBefore) {
    return { ratio: (m.maxRssKiBAfter * 1024) / (t.peakRssGiB * 2 ** 30), basis: "peak RSS" };
  }
  return null;
}

export function paramCheck(ours: { generator: number; embedding?: number }, t: TorchTiming): { ok: boolean; ours: string; theirs: string } {
  const oursText = ours.embedding === undefined ? `G ${ours.generator}` : `G ${ours.generator}, E ${ours.embedding}`;
  const theirsText = ours.embedding === undefined ? `G ${t.params ?? "?"}` : `G ${t.params ?? "?"}, E ${t.paramsE ?? "?"}`;
  const ok = t.params === ours.generator && (ours.embedding === undefined || t.paramsE === ours.embedding);
  return { ok, ours: oursText, theirs: theirsText };
}
