/**
 * Small versions of the bundled architectures (EDSR, RCAN, HAN from the DSL builders, and
 * graphs/edsr-tiny.pcl.ts's generator and embedding network as shipped), forward on every
 * backend against cpu, and a tiled upscale of an odd-sized image. Weights come from
 * compileGenerator / compileEmbedding's seed, so they are the same on every backend.
 */
import edsrTiny from "../graphs/edsr-tiny.pcl.js";
import { compileEmbedding, compileGenerator } from "../src/compile/network.js";
import { edsr, han, rcan, vggEmbedding, type EmbeddingNode, type LayerNode } from "../src/dsl/index.js";
import type { RgbImage } from "../src/io/image.js";
import { generatorUpscaler } from "../src/model/generator-upscaler.js";
import { forEachBackend, seededArray, tf, type CaseContext } from "./helpers/backends.js";
import { upscaleImage } from "./helpers/conformance-calls.js";

/** SR = G(LR) for a seeded LR image batch in [0, 1]; the weights are freed before returning. */
function generatorForward(node: LayerNode, input: readonly [number, number, number, number], seed: number) {
  return (c: CaseContext) => {
    const g = compileGenerator(node, seed);
    try {
      return { sr: tf.tidy(() => g.apply(c.tensor<tf.Rank.R4>(input, seed + 1000, 0, 1))) };
    } finally {
      g.dispose();
    }
  };
}

/** E's taps and logits for a seeded HR batch in [0, 1]. */
function embeddingForward(node: EmbeddingNode, input: readonly [number, number, number, number], seed: number) {
  return (c: CaseContext) => {
    const e = compileEmbedding(node, seed);
    try {
      return tf.tidy(() => {
        const out = e.apply(c.tensor<tf.Rank.R4>(input, seed + 1000, 0, 1));
        return { logits: out.logits, ...Object.fromEntries(out.taps.map((t, i) => [`tap ${e.taps[i]}`, t])) };
      });
    } finally {
      e.dispose();
    }
  };
}

forEachBackend("EDSR x2, 2 blocks x 8 channels, forward on 2 x 9x11", generatorForward(edsr({ blocks: 2, channels: 8, scale: 2 }), [2, 9, 11, 3], 1));
forEachBackend("EDSR x3, residual scale 0.1, forward on 1 x 7x6", generatorForward(edsr({ blocks: 1, channels: 8, scale: 3, resScale: 0.1 }), [1, 7, 6, 3], 2));
forEachBackend("RCAN x2, 2 groups x 2 RCABs x 8 channels, forward on 2 x 9x11",
  generatorForward(rcan({ groups: 2, blocksPerGroup: 2, channels: 8, reduction: 4, scale: 2 }), [2, 9, 11, 3], 3));
forEachBackend("HAN x2, 2 groups x 1 RCAB x 8 channels, forward on 2 x 9x11",
  generatorForward(han({ groups: 2, blocksPerGroup: 1, channels: 8, reduction: 4, scale: 2 }), [2, 9, 11, 3], 4));
forEachBackend("edsr-tiny (graphs/edsr-tiny.pcl.ts) generator x4, forward on 1 x 8x10", generatorForward(edsrTiny.generator, [1, 8, 10, 3], 5));
forEachBackend("edsr-tiny (graphs/edsr-tiny.pcl.ts) embedding network, taps and logits on 2 x 16x20", embeddingForward(edsrTiny.embedding, [2, 16, 20, 3], 6));
// The paper's E (src/dsl/paper-recipe.ts) in small: batch norm and a 4x4 pooled head, here with overlapping bins (5x5 -> 4x4).
forEachBackend("paper-style embedding network (batch norm, 4x4 head), taps and logits on 2 x 36x40",
  embeddingForward(vggEmbedding({ channels: [4, 4, 8, 8], strides: [1, 2, 1, 2], taps: [0, 2, 3] as const, batchNorm: true, pool: 4 }), [2, 36, 40, 3], 7));

/** A seeded RGB image in [0, 1]. */
const image = (width: number, height: number, seed: number): RgbImage => ({ width, height, data: seededArray(width * height * 3, seed, 0, 1) });

const tiledNode = edsr({ blocks: 1, channels: 8, scale: 2 });
forEachBackend("tiled upscale of a 37x29 image (EDSR x2, tiles of 16, 3 per call) and the untiled output", async () => {
  const lr = image(37, 29, 8);
  const upscaler = generatorUpscaler(compileGenerator(tiledNode, 9), tiledNode, 2, "edsr-x2");
  try {
    const tiled = await upscaleImage(upscaler, lr, { tile: 16, batch: 3 });
    const input = tf.tensor4d(lr.data, [1, 29, 37, 3]);
    const whole = await upscaler.upscale(input);
    input.dispose();
    return { tiled: tiled.data, size: [tiled.width, tiled.height], whole };
  } finally {
    upscaler.dispose();
  }
});
