/**
 * The `native` backend: tfjs-backend-cpu's storage and kernels, with hot kernels replaced by the
 * addon, and kernel outputs drawn from a pool of recycled buffers (buffer-pool.ts).
 */
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import type { BackendValues, DataId, DataType } from "@tensorflow/tfjs-core";
import { Float32BufferPool } from "./buffer-pool.js";

/**
 * Free storage kept for reuse by default, in MiB: an edsr-tiny PCL step at batch 16 frees
 * ~600 MB per iteration and takes all of it back the next.
 */
export const DEFAULT_POOL_MIB = 1024;

/** The capacity for new backend instances: set by `setBufferPoolMiB`; PCL_NATIVE_POOL_MIB wins; 0 turns recycling off. */
let poolMiB = DEFAULT_POOL_MIB;

function capacityBytes(): number {
  const env = process.env.PCL_NATIVE_POOL_MIB;
  const mib = env !== undefined && env !== "" ? Number(env) : poolMiB;
  return Number.isFinite(mib) && mib > 0 ? mib * 2 ** 20 : 0;
}

/** Sets the pool capacity for new and existing native backends (see `setNativeBufferPool`). */
export function setBufferPoolMiB(mib: number, existing?: NativeBackend): void {
  poolMiB = mib;
  existing?.pool.setCapacity(capacityBytes());
}

export class NativeBackend extends MathBackendCPU {
  readonly pool = new Float32BufferPool(capacityBytes());

  override write(values: BackendValues, shape: number[], dtype: DataType): DataId {
    this.pool.attach(values);
    return super.write(values, shape, dtype);
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    this.pool.attach(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override readSync(dataId: DataId): BackendValues {
    const values = super.readSync(dataId);
    this.pool.escape(values);
    return values;
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const freed = super.disposeData(dataId, force);
    if (freed && values) this.pool.detach(values);
    return freed;
  }

  override dispose(): void {
    this.pool.clear();
    super.dispose();
  }
}
