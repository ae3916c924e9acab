/**
 * What the active backend can hold, for the training memory plan: free RAM where tensors live in
 * the process (native, cpu, tfjs-node on the CPU), the per-buffer limit of a WebGPU device (its
 * total memory is not reported by WebGPU), nothing known for tfjs-node-gpu; and the cap on what
 * the backend caches for reuse.
 */
import * as tf from "@tensorflow/tfjs-core";
import { freemem } from "node:os";
import { selectedBackendInfo } from "./select.js";

export interface MemoryBudget {
  /** Bytes the process may still grow by, or null when unknown (then nothing is refused on it). */
  readonly availableBytes: number | null;
  /** The largest tensor one buffer can hold, or null when unlimited. */
  readonly maxTensorBytes: number | null;
  /** Where the numbers come from, for messages. */
  readonly source: string;
}

/** Free memory for this process: the smaller of the machine's available RAM and a cgroup limit's headroom. */
export function freeHostMemory(): number {
  const available = typeof process.availableMemory === "function" ? process.availableMemory() : freemem();
  return available > 0 ? available : freemem();
}

interface WebgpuLimits { maxStorageBufferBindingSize: number; maxBufferSize: number }

/** The budget of the backend tfjs runs on now. */
export function memoryBudget(): MemoryBudget {
  const name = selectedBackendInfo()?.name ?? tf.getBackend();
  switch (name) {
    case "webgpu": {
      const limits = (tf.backend() as unknown as { device?: { limits?: WebgpuLimits } }).device?.limits;
      const max = limits ? Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) : null;
      return { availableBytes: null, maxTensorBytes: max, source: "the WebGPU device's maxStorageBufferBindingSize (WebGPU does not report device memory)" };
    }
    case "tensorflow-gpu":
      return { availableBytes: null, maxTensorBytes: null, source: "tfjs-node-gpu does not report device memory" };
    default:
      return { availableBytes: freeHostMemory(), maxTensorBytes: null, source: "free RAM" };
  }
}

/**
 * Caps the memory the backend keeps for reuse (the native buffer pool's freed kernel outputs),
 * dropping what it holds now: after the plan's probes, and sized by the plan for the run.
 */
export async function limitCachedMemory(bytes: number): Promise<void> {
  if (tf.getBackend() !== "native") return;
  const native = await import("./native/index.js");
  native.setNativeBufferPool(0);
  native.setNativeBufferPool(Math.max(0, Math.floor(bytes / 2 ** 20)));
}
