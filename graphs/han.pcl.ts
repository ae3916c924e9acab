/**
 * HAN trained with PCL, the paper's defaults: RCAN's body (10 x 20 RCABs, 64 channels) with
 * layer attention over the 11 body outputs and channel-spatial attention, at x4; E, positives,
 * negatives and losses as graphs/edsr.pcl.ts.
 */
import { adam, dualContrastive, han, infoNce, l1, multiStep, negatives, pcl, positives, trainOptions, weightedSum } from "../src/dsl/index.js";
import { embed } from "./edsr.pcl.js";

export default pcl({
  name: "han",
  scale: 4,
  generator: han({ groups: 10, blocksPerGroup: 20, channels: 64, reduction: 16, scale: 4 }),
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
});
