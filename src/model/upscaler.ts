/**
 * What evaluation, upscaling and the watch folder run: something that maps an LR batch to SR.
 * A trained checkpoint and the bicubic baseline both are one.
 */
import type * as tf from "@tensorflow/tfjs-core";

/** A model that maps an LR batch to SR: a trained checkpoint's generator (`loadUpscaler`) or the bicubic baseline. What evaluation, upscaling and the watch folder run. */
export interface Upscaler {
  /** Shown in tables and logs: "bicubic", or the checkpoint's graph name. */
  readonly name: string;
  readonly scale: number;
  /**
   * [N, h, w, 3] float32 RGB in [0, 1] -> [N, h*scale, w*scale, 3], not clipped.
   *
   * Asynchronous, so that an implementation may wait on a device; on GPU backends the promise may
   * resolve while the kernels are still queued, and the caller reads the result with
   * `await result.data()` (never `dataSync`). Ownership: `lr` stays the caller's (the upscaler does
   * not dispose it, and the caller keeps it alive until the promise settles); the result is the
   * caller's to dispose; every intermediate tensor is freed by the upscaler (a synchronous body
   * wraps its work in `tf.tidy`, which cannot wrap a Promise). Rejects rather than throws.
   */
  upscale(lr: tf.Tensor4D): Promise<tf.Tensor4D>;
  /** Pixels of LR context each output pixel depends on (tiling uses it to pick a safe overlap). */
  readonly receptiveRadius: number;
  /** Frees the weights. */
  dispose(): void;
}
