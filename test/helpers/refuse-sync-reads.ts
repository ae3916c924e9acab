/**
 * Runs code the way a WebGPU backend treats it: `dataSync()` and `arraySync()` of any tensor throw
 * (WebGPU's "readSync is only available for CPU-resident tensors"; `bufferSync()` goes through
 * `dataSync()`), while `await data()` keeps working. Every refused read is also recorded, so a test
 * sees reads whose error was caught on the way (the watch pipeline turns errors into `failed` events).
 * The guard patches `tf.Tensor.prototype` for the whole process: use it in serial tests only.
 */
import * as tf from "@tensorflow/tfjs-core";

export class SyncReadError extends Error {
  override readonly name = "SyncReadError";
}

/** Resolves to `fn`'s value and the stacks of the synchronous reads it attempted; the methods are restored afterwards. */
export async function refusingSyncReads<T>(fn: () => Promise<T>): Promise<{ value: T; refused: string[] }> {
  const proto = tf.Tensor.prototype;
  const saved = { dataSync: proto.dataSync, arraySync: proto.arraySync };
  const refused: string[] = [];
  const refuse = (method: string) =>
    function (this: tf.Tensor): never {
      const err = new SyncReadError(`${method}() of a [${this.shape.join(",")}] tensor: synchronous reads are refused (WebGPU refuses them for GPU-resident tensors); use await data()`);
      refused.push(err.stack ?? err.message);
      throw err;
    };
  proto.dataSync = refuse("dataSync") as typeof proto.dataSync;
  proto.arraySync = refuse("arraySync") as typeof proto.arraySync;
  try {
    return { value: await fn(), refused };
  } finally {
    proto.dataSync = saved.dataSync;
    proto.arraySync = saved.arraySync;
  }
}
