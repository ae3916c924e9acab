/**
 * The conformance suite's only calls into the two APIs that are being made asynchronous (so
 * that a GPU backend can read its results without dataSync): the tiled upscale and the
 * training step. When they change, only these two functions change; the cases that use them
 * (test/conformance-networks.test.ts, test/conformance-training.test.ts) already await them.
 */
import type { RgbImage } from "../../src/io/image.js";
import type { Upscaler } from "../../src/model/upscaler.js";
import { upscaleTiled, type TileOptions } from "../../src/ops/tiled-upscale.js";
import type { TrainBatch } from "../../src/pipelines/data/index.js";
import { trainStep } from "../../src/pipelines/train/train-step.js";
import type { TrainingState } from "../../src/pipelines/train/training-state.js";

/**
 * `upscaleTiled(upscaler, lr, options)`. Today it is synchronous and reads each tile group
 * with dataSync (fine on cpu and native, throws on webgpu); when `upscaleTiled` (and
 * `Upscaler.upscale`) become async, this becomes `return await upscaleTiled(...)`.
 */
export async function upscaleImage(upscaler: Upscaler, lr: RgbImage, options: TileOptions): Promise<RgbImage> {
  return upscaleTiled(upscaler, lr, options);
}

/** One step's losses as numbers. */
export interface StepNumbers {
  readonly generator: number;
  /** null while E does not train (warm-up). */
  readonly discriminator: number | null;
  readonly l1: number;
  /** 0 during warm-up (the term is not computed). */
  readonly infoNce: number;
  readonly gradNormGenerator: number;
}

/**
 * Runs `steps` training steps on `state` (batch i is `batches[i % batches.length]`) and
 * returns each step's losses as numbers. Today's `trainStep` returns numbers it read with
 * dataSync (fine on cpu and native, throws on webgpu). When `trainStep(state, batch)` returns
 * device scalars and `readStepLosses(...)` reads them asynchronously, the loop body becomes
 * `const losses = await readStepLosses(trainStep(state, batch))` (or the reads are gathered
 * and awaited after the loop), mapped to the same StepNumbers.
 */
export async function runTrainingSteps(state: TrainingState, batches: readonly TrainBatch[], steps: number): Promise<StepNumbers[]> {
  const out: StepNumbers[] = [];
  for (let i = 0; i < steps; i++) {
    const s = trainStep(state, batches[i % batches.length]);
    out.push({
      generator: s.generator, discriminator: s.discriminator,
      l1: s.terms.l1 ?? 0, infoNce: s.terms.infoNce ?? 0, gradNormGenerator: s.gradNormGenerator,
    });
  }
  return out;
}
