/**
 * A tiny fixed-weight Upscaler for the watch/upscale tests: two seeded 3x3 convs (zero padding)
 * as a residual, then nearest-neighbour upscaling. Its receptive radius is exactly 2 LR pixels.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import type { RgbImage } from "../../src/io/image.js";
import type { Upscaler } from "../../src/model/upscaler.js";

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function tinyConvUpscaler(scale: number, seed = 7): Upscaler {
  const rand = seeded(seed);
  const w1 = tf.tensor4d(Array.from({ length: 3 * 3 * 3 * 4 }, () => (rand() - 0.5) * 0.6), [3, 3, 3, 4]);
  const w2 = tf.tensor4d(Array.from({ length: 3 * 3 * 4 * 3 }, () => (rand() - 0.5) * 0.6), [3, 3, 4, 3]);
  return {
    name: "tiny-conv",
    scale,
    receptiveRadius: 2,
    upscale: async (lr) =>
      tf.tidy(() => {
        const h = tf.relu(tf.conv2d(lr, w1, 1, "same"));
        const y = tf.add(lr, tf.mul(0.2, tf.tanh(tf.conv2d(h, w2, 1, "same"))));
        return tf.image.resizeNearestNeighbor(y as tf.Tensor4D, [lr.shape[1] * scale, lr.shape[2] * scale]);
      }),
    dispose: () => {
      w1.dispose();
      w2.dispose();
    },
  };
}

/** The whole image through the upscaler at once (the untiled reference); frees what it makes. */
export async function upscaleWhole(upscaler: Upscaler, lr: RgbImage): Promise<RgbImage> {
  const x = tf.tensor4d(lr.data, [1, lr.height, lr.width, 3]);
  try {
    const y = await upscaler.upscale(x);
    try {
      return { width: lr.width * upscaler.scale, height: lr.height * upscaler.scale, data: (await y.data()) as Float32Array };
    } finally {
      y.dispose();
    }
  } finally {
    x.dispose();
  }
}
