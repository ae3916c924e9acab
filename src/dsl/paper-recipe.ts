/**
 * The paper's PCL recipe (arXiv 2111.13924, Sec. 4.1), shared by the full-size graphs:
 * E = the 8-block VGG-style embedding network on the Haar high bands, taps at blocks 0, 2, 4, 6;
 * 4 positives (HR + sharpened), 4 blurred negatives; L1 + 1 * InfoNCE (tau 1) for G, the dual
 * contrastive loss for E; batch 16, LR patch 48, Adam lr 1e-4 halved at 200k iterations.
 */
import { negatives, positives } from "./augment.js";
import { vggEmbedding } from "./embedding.js";
import type { LayerNode } from "./layers.js";
import { dualContrastive, infoNce, l1, weightedSum } from "./loss.js";
import { pcl, type PclSpec } from "./spec.js";
import { adam, multiStep, trainOptions } from "./train-options.js";

/** The paper's embedding network E: 8 VGG-style blocks (64-512 channels, batch norm) on the Haar high bands, taps at blocks 0, 2, 4, 6, a 4x4 pooled head. */
export const paperEmbedding = vggEmbedding({
  channels: [64, 64, 128, 128, 256, 256, 512, 512],
  strides: [1, 2, 1, 2, 1, 2, 1, 2],
  taps: [0, 2, 4, 6] as const,
  batchNorm: true,
  pool: 4,
});

/**
 * A PCL spec training `generator` with the paper's recipe (the paper trains at x4; `scale` must
 * match the generator's).
 *
 * ```ts
 * export default paperRecipe("rcan", rcan({ groups: 10, blocksPerGroup: 20, channels: 64, reduction: 16, scale: 4 }));
 * ```
 */
export function paperRecipe(name: string, generator: LayerNode, options: { readonly scale?: PclSpec["scale"] } = {}): PclSpec<0 | 2 | 4 | 6> {
  const embed = paperEmbedding;
  return pcl({
    name, scale: options.scale ?? 4, generator, embedding: embed,
    positives: positives({ count: 4, includeHr: true }),
    negatives: negatives({ count: 4, source: "blur" }),
    losses: {
      generator: weightedSum([[1, l1()], [1, infoNce({ embed, taps: [0, 2, 4, 6], tau: 1 })]]),
      discriminator: dualContrastive({ embed }),
    },
    train: trainOptions({
      patch: 48, batch: 16, iterations: 200_000,
      optimizers: { generator: adam({ lr: 1e-4 }), embedding: adam({ lr: 1e-4 }) },
      schedule: multiStep([200_000], 0.5),
    }),
  });
}
