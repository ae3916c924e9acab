/**
 * The paper's PCL recipe (arXiv 2111.13924, Sec. 4.1), shared by the full-size graphs:
 * E = the 8-block VGG-style embedding network on the Haar high bands, taps at blocks 0, 2, 4, 6;
 * 4 positives (HR + sharpened), 4 blurred negatives; L1 + 1 * InfoNCE (tau 1) for G, the dual
 * contrastive loss for E; batch 16, LR patch 48, Adam lr 1e-4 halved at 200k iterations.
 */
import {
  adam, dualContrastive, infoNce, l1, multiStep, negatives, pcl, positives, trainOptions, vggEmbedding, weightedSum,
  type LayerNode, type PclSpec,
} from "../src/dsl/index.js";

export const paperEmbedding = vggEmbedding({
  channels: [64, 64, 128, 128, 256, 256, 512, 512],
  strides: [1, 2, 1, 2, 1, 2, 1, 2],
  taps: [0, 2, 4, 6] as const,
  batchNorm: true,
  pool: 4,
});

/** A PCL spec training `generator` (x4) with the paper's recipe. */
export function paperRecipe(name: string, generator: LayerNode): PclSpec {
  const embed = paperEmbedding;
  return pcl({
    name, scale: 4, generator, embedding: embed,
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
