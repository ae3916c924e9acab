/**
 * The `native` TensorFlow.js backend: tfjs-backend-cpu plus C++ kernels (conv, depthwise conv,
 * matmul, element-wise ops) from the Node-API addon in native/.
 *
 *   const r = registerNativeBackend();        // idempotent; never throws
 *   if (r.ok) await tf.setBackend("native"); else console.warn(`native backend off: ${r.reason}`);
 *
 * registerNativeBackend() prints nothing; the caller says why once when it falls back.
 */
import { getKernelsForBackend, registerBackend, registerKernel } from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu"; // registers the cpu backend and its kernels
import { loadAddon } from "./addon.js";
import { NativeBackend } from "./backend.js";
import { clearPool, DEFAULT_POOL_MIB, setPoolCapacityMiB } from "./pool-capacity.js";
import { nativeKernelConfigs } from "./kernels/index.js";
import { NATIVE } from "./kernels/util.js";

export { NativeBackend } from "./backend.js";
export const NATIVE_BACKEND = NATIVE;

/** Priority above cpu (1) and below tfjs-node's "tensorflow" (3). */
const PRIORITY = 2;

type Registration = { ok: true } | { ok: false; reason: string };
let registration: Registration | undefined;

export function registerNativeBackend(): Registration {
  if (registration) return registration;
  const load = loadAddon();
  if (!load.ok) {
    registration = { ok: false, reason: load.reason };
    return registration;
  }
  try {
    const cpuKernels = getKernelsForBackend("cpu");
    if (cpuKernels.length === 0) throw new Error("tfjs-backend-cpu registered no kernels");
    if (!registerBackend(NATIVE, () => new NativeBackend(), PRIORITY)) {
      throw new Error(`a backend named "${NATIVE}" is already registered`);
    }
    const own = new Set(nativeKernelConfigs.map((k) => k.kernelName));
    for (const k of cpuKernels) {
      if (!own.has(k.kernelName)) registerKernel({ ...k, backendName: NATIVE });
    }
    for (const k of nativeKernelConfigs) registerKernel(k);
    registration = { ok: true };
  } catch (e) {
    registration = { ok: false, reason: `native backend registration failed: ${(e as Error).message}` };
  }
  return registration;
}

/**
 * Applies the addon's process-wide glibc allocator settings (large blocks from the heap instead of
 * fresh mmaps, no heap trimming: freed tensor memory is reused without page faults, and stays in
 * the process). `useBackend` calls it when it selects the native backend; loading the addon does
 * not. PCL_NATIVE_MALLOC_TUNE=0 opts out. True when applied (glibc only).
 */
export function tuneNativeAllocator(): boolean {
  const load = loadAddon();
  return load.ok && typeof load.addon.tuneMalloc === "function" ? load.addon.tuneMalloc() : false;
}

/** Sets the addon's worker count (n <= 0: all hardware threads). Returns the count in effect, or 0 without the addon. */
export function setNativeThreads(n: number): number {
  const load = loadAddon();
  return load.ok ? load.addon.setNumThreads(n) : 0;
}

/**
 * How much freed kernel-output storage the backend keeps for reuse, in MiB (default 1024 when omitted; 0: none;
 * PCL_NATIVE_POOL_MIB overrides). Training repeats its shapes and gains from it; a tiled upscale
 * of a large image does not, and would carry the pool on top of its working set.
 */
export function setNativeBufferPool(mib: number = DEFAULT_POOL_MIB): void {
  setPoolCapacityMiB(mib);
}

/** Drops the freed buffers the pool holds (its capacity stays). */
export function clearNativeBufferPool(): void {
  clearPool();
}

/** What the addon runs on, for logs: { isa: "avx2" | "avx512" | "portable", threads }. */
export function nativeInfo(): { ok: true; isa: string; threads: number; path: string } | { ok: false; reason: string } {
  const load = loadAddon();
  if (!load.ok) return load;
  return { ok: true, isa: load.addon.isa(), threads: load.addon.getNumThreads(), path: load.path };
}

/** Names of the kernels with native implementations on the `native` backend. */
export function nativeKernelNames(): string[] {
  return nativeKernelConfigs.map((k) => k.kernelName);
}
