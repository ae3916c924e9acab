/**
 * The `native` backend: tfjs-backend-cpu's storage and kernels, with hot kernels replaced by the
 * addon, and kernel outputs drawn from a pool of recycled buffers (buffer-pool.ts).
 */
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import type { BackendValues, DataId, DataType } from "@tensorflow/tfjs-core";
import { Float32BufferPool } from "./buffer-pool.js";
import { poolCapacityBytes } from "./pool-capacity.js";

/** tfjs-backend-cpu with the addon's kernels and a pool of recycled output buffers. */
export class NativeBackend extends MathBackendCPU {
  readonly pool = new Float32BufferPool(poolCapacityBytes());

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
