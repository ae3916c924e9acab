/**
 * What the active backend can hold, for the training memory plan: free RAM where tensors live in
 * the process (native, cpu, tfjs-node on the CPU), the per-buffer limit of a WebGPU device (its
 * total memory is not reported by WebGPU), nothing known for tfjs-node-gpu; and the cap on what
 * the backend caches for reuse.
 */
import * as tf from "@tensorflow/tfjs-core";
import { freemem } from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { clearPool, setPoolCapacityMiB } from "./native/pool-capacity.js";
import { selectedBackendInfo } from "./select.js";

/** What the backend can hold, for the training memory plan. */
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
 * Gives back what the backend keeps for reuse (the native buffer pool's freed kernel outputs) and
 * collects the garbage now, so that what follows (a probe's successor, the run) does not allocate
 * beside memory nothing uses any more.
 */
export function releaseCachedMemory(): void {
  clearPool();
  collectGarbage();
}

/** Caps the memory the backend keeps for reuse during a run (the native buffer pool), releasing what it holds now. */
export function limitCachedMemory(bytes: number): void {
  if (tf.getBackend() === "native") setPoolCapacityMiB(Math.max(0, Math.floor(bytes / 2 ** 20)));
  releaseCachedMemory();
}

/** A full garbage collection (V8's gc, reached without --expose-gc on the command line). */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}
