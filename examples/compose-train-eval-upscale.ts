/**
 * Compose a generator pcl-stream does not bundle (an EDSR whose body mixes residual blocks and
 * RCABs), a custom embedding network and loss weights; print its summary; train it 20 iterations on
 * the bundled T91; evaluate it on the bundled Set5 against bicubic; upscale an image.
 *
 *   npx tsx examples/compose-train-eval-upscale.ts [OUT]      (in a clone: npm run build first)
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { lastValueFrom, tap } from "rxjs";
import {
  addMean, adam, constantLr, conv, dualContrastive, infoNce, l1, negatives, pcl, positives, rcab, resBlock, sequence, skip,
  subtractMean, summarize, trainOptions, upsampler, vggEmbedding, weightedSum, type SequenceNode,
} from "pcl-stream";
import { useBackend } from "pcl-stream/backend";
import { bicubic, evaluateFolder } from "pcl-stream/eval";
import { loadUpscaler, upscaleFile } from "pcl-stream/serve";
import { bundledData, train } from "pcl-stream/train";

/** EDSR's head, long skip and upsampler around a body that alternates residual blocks and RCABs. */
export function edsrWithRcabs(o: { readonly channels: number; readonly pairs: number; readonly reduction: number }): SequenceNode {
  const body = Array.from({ length: o.pairs }, () => [resBlock(o.channels), rcab(o.channels, o.reduction)]).flat();
  return sequence([
    subtractMean(),
    conv(o.channels, { name: "head" }),
    skip(sequence([...body, conv(o.channels)]), { name: "body" }),
    upsampler(o.channels, 4),
    conv(3, { name: "tail" }),
    addMean(),
  ], "edsr-rcab");
}

// A small embedding network on the Haar high bands; its taps are part of its type.
const embed = vggEmbedding({ channels: [16, 32, 32], strides: [1, 2, 2], taps: [0, 1, 2] as const, batchNorm: false, pool: "global" });

export const spec = pcl({
  name: "edsr-rcab-mix",
  scale: 4,
  generator: edsrWithRcabs({ channels: 16, pairs: 2, reduction: 4 }),
  embedding: embed,
  positives: positives({ count: 2 }),
  negatives: negatives({ count: 2, source: "blur" }),
  losses: {
    // infoNce({ embed, taps: [3] }) would not compile: 3 is not a tap of embed.
    generator: weightedSum([[1, l1()], [0.05, infoNce({ embed, taps: [1, 2], tau: 0.5 })]]),
    discriminator: dualContrastive({ embed }),
  },
  train: trainOptions({
    patch: 24, batch: 4, iterations: 20, warmup: 10, validateEvery: 10, logEvery: 5,
    optimizers: { generator: adam({ lr: 5e-4 }), embedding: adam({ lr: 1e-4 }) },
    schedule: constantLr(),
  }),
});

/** What the run measured. */
export interface ExampleResult {
  readonly psnr: number;
  readonly bicubicPsnr: number;
  readonly upscaled: { readonly width: number; readonly height: number; readonly outWidth: number; readonly outHeight: number };
}

export async function main(out = join("runs", spec.name)): Promise<ExampleResult> {
  console.log((await useBackend()).summary);

  const s = summarize(spec);
  console.log(`${s.name}: G ${s.generator.params.toLocaleString("en-US")} parameters, ${(s.generator.flopsPerLrPixel / 1e3).toFixed(1)} kFLOPs per LR pixel; E ${s.embedding.params.toLocaleString("en-US")} parameters`);
  for (const node of s.generator.nodes.filter((n) => n.depth === 1)) console.log(`  ${node.path.padEnd(22)} ${node.kind.padEnd(9)} [${node.outShape.join(",")}]  ${node.params}`);

  const set5 = bundledData().set5;
  await lastValueFrom(train(spec, { out, val: set5 }).pipe(tap((e) => {
    if (e.type === "step") console.log(`it ${e.iteration + 1}: G ${e.generator.toFixed(4)} (L1 ${e.terms.l1?.toFixed(4)}${e.contrastive ? `, InfoNCE ${e.terms.infoNce?.toFixed(4)}` : ""})`);
    if (e.type === "validation") console.log(`validation at ${e.iteration}: ${e.psnr.toFixed(2)} dB`);
  })));

  const model = await loadUpscaler(join(out, "best"));
  try {
    const { summary } = await evaluateFolder(model, set5);
    const baseline = await evaluateFolder(bicubic(4), set5);
    console.log(`Set5 x4 Y-PSNR: ${summary.psnr.toFixed(2)} dB / SSIM ${summary.ssim.toFixed(4)} (bicubic ${baseline.summary.psnr.toFixed(2)} dB)`);
    const upscaled = await upscaleFile(join(bundledData().set5LrX4, "baby.png"), join(out, "baby_x4.png"), model);
    console.log(`upscaled baby.png ${upscaled.width}x${upscaled.height} -> ${join(out, "baby_x4.png")} ${upscaled.outWidth}x${upscaled.outHeight}`);
    return { psnr: summary.psnr, bicubicPsnr: baseline.summary.psnr, upscaled };
  } finally {
    model.dispose();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main(process.argv[2]);
