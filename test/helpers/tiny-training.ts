/** A tiny PCL spec and image folder for training tests (seconds on the cpu backend). */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import {
  adam, constantLr, dualContrastive, edsr, infoNce, l1, negatives, pcl, positives, trainOptions, vggEmbedding, weightedSum, blur, type PclSpec, type TrainOptions,
} from "../../src/dsl/index.js";

export function tinySpec(train: Partial<TrainOptions> = {}, alpha = 1): PclSpec {
  const embed = vggEmbedding({ channels: [4, 4], strides: [1, 2], taps: [0, 1] as const, batchNorm: false, pool: "global" });
  return pcl({
    name: "tiny", scale: 2,
    generator: edsr({ blocks: 1, channels: 4, scale: 2 }),
    embedding: embed,
    positives: positives({ count: 2, includeHr: true }),
    negatives: negatives({ count: 2, source: "blur", augment: blur({ sizes: [3, 5] }) }),
    losses: { generator: weightedSum([[1, l1()], [alpha, infoNce({ embed, taps: [0, 1], tau: 0.5 })]]), discriminator: dualContrastive({ embed }) },
    train: trainOptions({
      patch: 4, batch: 2, iterations: 6, validateEvery: 3, logEvery: 1, warmup: 0, seed: 3,
      optimizers: { generator: adam({ lr: 1e-3 }), embedding: adam({ lr: 1e-3 }) }, schedule: constantLr(), ...train,
    }),
  });
}

/** A folder of small smooth-noise PNGs (and, optionally, one corrupt file). */
export async function tinyImageFolder(count = 4, size = 24, corrupt = false): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "pcl-train-"));
  for (let i = 0; i < count; i++) {
    const px = Buffer.alloc(size * size * 3);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) {
      px[(y * size + x) * 3 + c] = Math.round(127 + 100 * Math.sin((x + 1.7 * i) * 0.5 + c) * Math.cos((y - i) * 0.3));
    }
    await sharp(px, { raw: { width: size, height: size, channels: 3 } }).png().toFile(join(dir, `img${i}.png`));
  }
  if (corrupt) writeFileSync(join(dir, "broken.png"), Buffer.from("this is not a png"));
  return dir;
}
