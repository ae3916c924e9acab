/**
 * How many bytes of tensor data a computation holds at its peak, counted per buffer (a reshape
 * or a clone shares its input's buffer; `tf.memory().numBytes` counts every tensor object, so the
 * tape's saved clones would count twice). Read from the engine's own bookkeeping: a buffer counts
 * from the moment the engine first tracks its data id until it removes it (tfjs-core 4.22
 * internals, kept to this file).
 */
import * as tf from "@tensorflow/tfjs-core";

interface EngineBookkeeping {
  trackTensor(t: tf.Tensor, backend?: unknown): void;
  removeDataId(dataId: object, backend: unknown): void;
  state: { tensorInfo: WeakMap<object, unknown> };
}

/** The result of `fn` and the most bytes of tensor data allocated during it and alive at once (above what was alive before), with the largest single buffer. */
export function peakTensorBytes<T>(fn: () => T): { result: T; peak: number; largest: number } {
  const engine = tf.engine() as unknown as EngineBookkeeping;
  const own = Object.prototype.hasOwnProperty;
  const hadTrack = own.call(engine, "trackTensor"), hadRemove = own.call(engine, "removeDataId");
  const { trackTensor, removeDataId } = engine;
  const sizes = new Map<object, number>();
  let now = 0, peak = 0, largest = 0;
  engine.trackTensor = function (t, backend) {
    const fresh = !this.state.tensorInfo.has(t.dataId);
    trackTensor.call(this, t, backend);
    if (fresh && t.dtype !== "string" && t.dtype !== "complex64") {
      const bytes = t.size * 4;
      sizes.set(t.dataId, bytes);
      now += bytes;
      peak = Math.max(peak, now);
      largest = Math.max(largest, bytes);
    }
  };
  engine.removeDataId = function (dataId, backend) {
    removeDataId.call(this, dataId, backend);
    const bytes = sizes.get(dataId);
    if (bytes !== undefined) { now -= bytes; sizes.delete(dataId); }
  };
  try {
    return { result: fn(), peak, largest };
  } finally {
    // Put back exactly what was there (an instance property only if there was one).
    if (hadTrack) engine.trackTensor = trackTensor; else delete (engine as Partial<EngineBookkeeping>).trackTensor;
    if (hadRemove) engine.removeDataId = removeDataId; else delete (engine as Partial<EngineBookkeeping>).removeDataId;
  }
}
