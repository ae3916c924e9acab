/**
 * Everything a PCL training run holds between steps: the compiled networks, their compiled
 * losses, both optimizers and the EMA. Built from a spec (fresh) and restorable from a checkpoint.
 */
import * as tf from "@tensorflow/tfjs-core";
import { compileEmbedding, compileGenerator, type Embedding, type Generator } from "../../compile/network.js";
import { compileDiscriminatorLoss, compileGeneratorLoss, type DiscriminatorLossFn, type GeneratorLoss } from "../../compile/pcl-losses.js";
import { assignVariables, tensorsUnder, type LoadedCheckpoint } from "../../checkpoint/load.js";
import type { CheckpointContent } from "../../checkpoint/save.js";
import type { BestValidation } from "../../checkpoint/format.js";
import { hasContrastiveTerm, type PclSpec, type Recompute } from "../../dsl/index.js";
import { createAdam, type Adam } from "./adam.js";
import { createEma, type Ema } from "./ema.js";

export interface TrainingState {
  readonly spec: PclSpec;
  readonly seed: number;
  /** The generator's recomputation in the backward pass (the spec's, or what the memory plan chose for "auto"). */
  readonly recompute: Recompute;
  readonly generator: Generator;
  /** Absent when nothing needs E (L1-only recipes). */
  readonly embedding: Embedding | undefined;
  readonly generatorLoss: GeneratorLoss;
  readonly discriminatorLoss: DiscriminatorLossFn | undefined;
  readonly adamG: Adam;
  readonly adamE: Adam | undefined;
  readonly ema: Ema | undefined;
  /** Iterations completed. */
  iteration: number;
  best: BestValidation | null;
  dispose(): void;
}

/** `options.recompute` overrides the spec's (needed when the spec says "auto": the plan decides; "auto" alone means none). */
export function createTrainingState(spec: PclSpec, seed: number, options: { readonly recompute?: Recompute } = {}): TrainingState {
  const recompute = options.recompute ?? (spec.train.recompute === "auto" ? "none" : spec.train.recompute);
  const generator = compileGenerator(spec.generator, seed, "generator", { recompute });
  const needsE = hasContrastiveTerm(spec) || spec.losses.discriminator !== null;
  const embedding = needsE ? compileEmbedding(spec.embedding, seed + 1) : undefined;
  const adamG = createAdam(generator.variables, spec.train.optimizers.generator);
  const adamE = embedding && spec.losses.discriminator ? createAdam(embedding.variables, spec.train.optimizers.embedding) : undefined;
  const ema = spec.train.ema ? createEma(generator.variables, spec.train.ema.decay) : undefined;
  return {
    spec, seed, recompute, generator, embedding, adamG, adamE, ema, iteration: 0, best: null,
    generatorLoss: compileGeneratorLoss(spec, embedding),
    discriminatorLoss: embedding && spec.losses.discriminator ? compileDiscriminatorLoss(spec.losses.discriminator, embedding) : undefined,
    dispose() { generator.dispose(); embedding?.dispose(); adamG.dispose(); adamE?.dispose(); ema?.dispose(); },
  };
}

/** Puts a checkpoint's weights, moments, EMA, iteration and best validation into a fresh state. */
export function restoreTrainingState(state: TrainingState, ck: LoadedCheckpoint): void {
  assignVariables(state.generator.variables, ck);
  if (state.embedding) assignVariables(state.embedding.variables, ck);
  const moments = (net: string, step: number) => {
    const m = tensorsUnder(ck, `adam/${net}/m/`), v = tensorsUnder(ck, `adam/${net}/v/`);
    return { step, m, v, dispose: () => tf.dispose([...m.values(), ...v.values()]) };
  };
  const g = moments("generator", ck.manifest.optimizers.generator.step);
  state.adamG.restore(g); g.dispose();
  if (state.adamE) {
    if (!ck.manifest.optimizers.embedding) throw new Error(`${ck.dir}: the checkpoint has no optimizer state for the embedding network`);
    const e = moments("embedding", ck.manifest.optimizers.embedding.step);
    state.adamE.restore(e); e.dispose();
  }
  if (state.ema) {
    const saved = tensorsUnder(ck, "ema/");
    state.ema.restore(saved); tf.dispose([...saved.values()]);
  }
  state.iteration = ck.manifest.iteration;
  state.best = ck.manifest.best;
}

/** What `saveCheckpoint` writes for this state. */
export function checkpointContent(state: TrainingState, backend: string): CheckpointContent {
  return {
    spec: state.spec, iteration: state.iteration, seed: state.seed, best: state.best, backend,
    generator: state.generator.variables,
    embedding: state.embedding?.variables ?? null,
    adam: { generator: state.adamG.state(), embedding: state.adamE?.state() ?? null },
    ema: state.ema?.weights ?? null,
  };
}
