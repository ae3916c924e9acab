/**
 * EDSR trained with PCL, the paper's defaults (arXiv 2111.13924, Sec. 4.1):
 * EDSR baseline (16 blocks x 64) or large (32 x 256, res scale 0.1) at x4; E = the 8-block
 * VGG-style embedding on the Haar high bands, taps at blocks 0, 2, 4, 6; 4 sharpened positives,
 * 4 blurred negatives; L1 + 1 * InfoNCE (tau 1); batch 16, LR patch 48, Adam lr 1e-4.
 * Usage: `pcl-stream train graphs/edsr.pcl.ts` or `graphs/edsr.pcl.ts#large`.
 */
import {
  adam, dualContrastive, edsr, infoNce, l1, multiStep, negatives, pcl, positives, trainOptions, vggEmbedding, weightedSum,
} from "../src/dsl/index.js";

export const embed = vggEmbedding({
  channels: [64, 64, 128, 128, 256, 256, 512, 512],
  strides: [1, 2, 1, 2, 1, 2, 1, 2],
  taps: [0, 2, 4, 6] as const,
  batchNorm: true,
  pool: 4,
});

const recipe = {
  scale: 4 as const,
  embedding: embed,
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
};

export default pcl({ name: "edsr-baseline", generator: edsr({ blocks: 16, channels: 64, scale: 4 }), ...recipe });

export const large = pcl({ name: "edsr-large", generator: edsr({ blocks: 32, channels: 256, scale: 4, resScale: 0.1 }), ...recipe });
