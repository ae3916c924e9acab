/**
 * How much freed kernel-output storage the native backend keeps for reuse (its buffer pool), apart
 * from the backend class: setting or clearing it loads no backend module and registers nothing, so
 * memory-budget.ts can call it whatever backend runs.
 */
import * as tf from "@tensorflow/tfjs-core";

/**
 * Free storage kept for reuse by default, in MiB: an edsr-tiny PCL step at batch 16 frees
 * ~600 MB per iteration and takes all of it back the next.
 */
export const DEFAULT_POOL_MIB = 1024;

/** The capacity for new backend instances: set by `setPoolCapacityMiB`; PCL_NATIVE_POOL_MIB wins; 0 turns recycling off. */
let poolMiB = DEFAULT_POOL_MIB;

/** The pool capacity in bytes, as a new native backend takes it. */
export function poolCapacityBytes(): number {
  const env = process.env.PCL_NATIVE_POOL_MIB;
  const mib = env !== undefined && env !== "" ? Number(env) : poolMiB;
  return Number.isFinite(mib) && mib > 0 ? mib * 2 ** 20 : 0;
}

/** The part of NativeBackend this module touches. */
interface PooledBackend {
  readonly pool: { setCapacity(bytes: number): void; clear(): void };
}

/** The native backend when it is the one running (never initializes one). */
function runningNativeBackend(): PooledBackend | undefined {
  if (tf.getBackend() !== "native") return undefined;
  const backend = tf.engine().registry["native"] as unknown as Partial<PooledBackend> | undefined;
  return backend?.pool ? (backend as PooledBackend) : undefined;
}

/** Sets the capacity for new native backends and the running one (MiB; 0: keep nothing). */
export function setPoolCapacityMiB(mib: number = DEFAULT_POOL_MIB): void {
  poolMiB = mib;
  runningNativeBackend()?.pool.setCapacity(poolCapacityBytes());
}

/** Drops the freed buffers the running native backend holds (its capacity stays); nothing when native is not running. */
export function clearPool(): void {
  runningNativeBackend()?.pool.clear();
}
