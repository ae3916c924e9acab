/**
 * A CPU-sized PCL recipe: EDSR x4 with 4 blocks x 32 channels (158,979 parameters) and a small
 * embedding network (Haar high bands -> 4 conv blocks 32/32/64/64, strides 1/2/1/2, LeakyReLU,
 * taps at every block, global-pool head: 67,361 parameters), as in the bench workload.
 * The recipe (warm-up, alpha, tau) is chosen by measurement: see README "Training results".
 */
import { adam, dualContrastive, edsr, infoNce, l1, multiStep, negatives, pcl, positives, trainOptions, vggEmbedding, weightedSum } from "../src/dsl/index.js";

export const embed = vggEmbedding({
  channels: [32, 32, 64, 64],
  strides: [1, 2, 1, 2],
  taps: [0, 1, 2, 3] as const,
  batchNorm: false,
  pool: "global",
});

export default pcl({
  name: "edsr-tiny",
  scale: 4,
  generator: edsr({ blocks: 4, channels: 32, scale: 4 }),
  embedding: embed,
  positives: positives({ count: 4, includeHr: true }),
  negatives: negatives({ count: 4, source: "blur" }),
  losses: {
    generator: weightedSum([[1, l1()], [0.01, infoNce({ embed, taps: [0, 1, 2, 3], tau: 1 })]]),
    discriminator: dualContrastive({ embed }),
  },
  train: trainOptions({
    patch: 24, batch: 16, iterations: 1000,
    optimizers: { generator: adam({ lr: 5e-4 }), embedding: adam({ lr: 1e-4 }) },
    schedule: multiStep([800, 950], 0.5),
    warmup: 900,
    validateEvery: 250,
  }),
});
