/**
 * What evaluation, upscaling and the watch folder run: something that maps an LR batch to SR.
 * A trained checkpoint and the bicubic baseline both are one.
 */
import type * as tf from "@tensorflow/tfjs-core";

export interface Upscaler {
  /** Shown in tables and logs: "bicubic", or the checkpoint's graph name. */
  readonly name: string;
  readonly scale: number;
  /**
   * [N, h, w, 3] float32 RGB in [0, 1] -> [N, h*scale, w*scale, 3], not clipped.
   * Synchronous and allocation-clean: call it inside `tf.tidy`.
   */
  upscale(lr: tf.Tensor4D): tf.Tensor4D;
  /** Pixels of LR context each output pixel depends on (tiling uses it to pick a safe overlap). */
  readonly receptiveRadius: number;
  /** Frees the weights. */
  dispose(): void;
}
