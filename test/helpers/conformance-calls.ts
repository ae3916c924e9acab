/**
 * The conformance suite's calls into the tiled upscale and the training step, both asynchronous
 * (a GPU backend reads results with `await data()`, never dataSync).
 */
import type { RgbImage } from "../../src/io/image.js";
import type { Upscaler } from "../../src/model/upscaler.js";
import { upscaleTiled, type TileOptions } from "../../src/ops/tiled-upscale.js";
import type { TrainBatch } from "../../src/pipelines/data/index.js";
import { readStep, trainStep } from "../../src/pipelines/train/train-step.js";
import type { TrainingState } from "../../src/pipelines/train/training-state.js";

/** `upscaleTiled(upscaler, lr, options)`. */
export async function upscaleImage(upscaler: Upscaler, lr: RgbImage, options: TileOptions): Promise<RgbImage> {
  return await upscaleTiled(upscaler, lr, options);
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
 * returns each step's losses as numbers, read asynchronously after each step.
 */
export async function runTrainingSteps(state: TrainingState, batches: readonly TrainBatch[], steps: number): Promise<StepNumbers[]> {
  const out: StepNumbers[] = [];
  for (let i = 0; i < steps; i++) {
    const s = await readStep(trainStep(state, batches[i % batches.length]));
    out.push({
      generator: s.generator, discriminator: s.discriminator,
      l1: s.terms.l1 ?? 0, infoNce: s.terms.infoNce ?? 0, gradNormGenerator: s.gradNormGenerator ?? Number.NaN,
    });
  }
  return out;
}
