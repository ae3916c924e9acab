/**
 * Subscribe to training, stop it early with `takeUntil`, then `resume` it from its folder alone, and
 * check the resumed steps against an uninterrupted run with the same seed: their losses are equal,
 * bit for bit (batches and random draws depend only on the seed and the iteration).
 *
 *   npx tsx examples/stop-and-resume.ts [OUT]      (in a clone: npm run build first)
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { filter, lastValueFrom, share, takeUntil, toArray, type Observable } from "rxjs";
import { adam, constantLr, dualContrastive, edsr, infoNce, l1, negatives, pcl, positives, trainOptions, vggEmbedding, weightedSum } from "pcl-stream";
import { resume, train, type TrainEvent } from "pcl-stream/train";

const embed = vggEmbedding({ channels: [8, 16], strides: [1, 2], taps: [0, 1] as const, batchNorm: false, pool: "global" });

export const spec = pcl({
  name: "stop-and-resume",
  scale: 4,
  generator: edsr({ blocks: 2, channels: 16, scale: 4 }),
  embedding: embed,
  positives: positives({ count: 2 }),
  negatives: negatives({ count: 2 }),
  losses: { generator: weightedSum([[1, l1()], [0.1, infoNce({ embed, taps: [0, 1] })]]), discriminator: dualContrastive({ embed }) },
  // A checkpoint every 5 iterations, a step event every iteration.
  train: trainOptions({ patch: 16, batch: 2, iterations: 16, validateEvery: 5, logEvery: 1, warmup: 4, optimizers: { generator: adam({ lr: 5e-4 }), embedding: adam({ lr: 1e-4 }) }, schedule: constantLr() }),
});

type Step = Extract<TrainEvent, { type: "step" }>;
const steps = (events: Observable<TrainEvent>) => lastValueFrom(events.pipe(filter((e): e is Step => e.type === "step"), toArray()));

/** Each step's losses, keyed by iteration. */
const losses = (list: readonly Step[]) => new Map(list.map((s) => [s.iteration, [s.generator, s.discriminator]]));

export async function main(out = join("runs", spec.name)): Promise<{ stoppedAfter: number; resumedFrom: number; identical: boolean }> {
  const run = join(out, "run"), reference = join(out, "reference");

  // Stop once iteration 8 is done: the events stop there and the run is abandoned (its last checkpoint is at 5).
  const events = train(spec, { out: run, val: null }).pipe(share());
  const reached = events.pipe(filter((e) => e.type === "step" && e.iteration + 1 === 8));
  const first = await steps(events.pipe(takeUntil(reached)));
  console.log(`stopped after ${first.length} step events`);

  // Continue from the folder: the spec comes from the checkpoint, and the steps after it are redone.
  let resumedFrom = -1;
  const second = await steps(resume(run, { val: null }).pipe(filter((e) => { if (e.type === "start") resumedFrom = e.iteration; return true; })));
  console.log(`resumed at iteration ${resumedFrom}, ran to ${second[second.length - 1]?.iteration + 1}`);

  // The same spec without interruption.
  const whole = losses(await steps(train(spec, { out: reference, val: null })));
  const identical = second.length > 0 && second.every((s) => JSON.stringify(whole.get(s.iteration)) === JSON.stringify([s.generator, s.discriminator]));
  console.log(`resumed steps equal an uninterrupted run's: ${identical}`);
  return { stoppedAfter: first.length, resumedFrom, identical };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main(process.argv[2]);
