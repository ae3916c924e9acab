/**
 * The paper-scale training workloads (opt-in: `--paper`, or `--only NAME`), on the graphs as
 * shipped (graphs/rcan.pcl.ts, han.pcl.ts, edsr.pcl.ts: the paper's recipe of src/dsl/paper-recipe.ts):
 *
 *   pcl-iteration-rcan-b16, pcl-iteration-edsr-b16, pcl-iteration-rcan-b2
 *     one full PCL iteration exactly as `pcl-stream train` runs one (trainStep: contrast draws,
 *     SR = G(LR), D step on E with the dual contrastive loss, G step on L1 + InfoNCE (tau 1) through
 *     the frozen E, Adam on both), contrastive term on (state.iteration = the spec's warm-up), batch
 *     16 or 2, LR patch 48; the step's losses read with `await readStep` (so an asynchronous
 *     backend is timed to completion), as on a logged step but without the gradient norm, as on
 *     the others.
 *   train-step-rcan-b2, train-step-han-b2, train-step-edsr-b2
 *     one L1-only G step (forward, backward, Adam), batch 2, LR patch 48:
 *     generatorStep(s, lr, hr, undefined, 0, 1e-4, undefined, false), its loss read with `await data()`.
 *     The state is built from the graph with its losses cut to L1 (same generator, no E): the
 *     PyTorch reference holds no E either, so the memory figures compare.
 *
 * Each measures peak memory on one repetition (bench/workload.ts) and has a PyTorch reference:
 * bench/pytorch_pcl_iteration.py and bench/pytorch_generator_step.py, whose parameter counts are
 * checked against ours. Inputs are uniform random (the FLOPs do not depend on them).
 */
import * as tf from "@tensorflow/tfjs-core";
import { l1, pcl, summarize, weightedSum, type PclSpec, type Recompute } from "../src/dsl/index.js";
import { peakTensorBytes } from "../src/ops/tensor-bytes.js";
import { createRng } from "../src/pipelines/data/index.js";
import type { TrainBatch } from "../src/pipelines/data/assemble-batches.js";
import { generatorStep, readStep, trainStep } from "../src/pipelines/train/train-step.js";
import { createTrainingState, type TrainingState } from "../src/pipelines/train/training-state.js";
import edsrSpec from "../graphs/edsr.pcl.js";
import hanSpec from "../graphs/han.pcl.js";
import rcanSpec from "../graphs/rcan.pcl.js";
import type { MemorySample, TimedWorkload } from "./workload.js";

export type PaperModel = "rcan" | "han" | "edsr";

const SPECS: Record<PaperModel, PclSpec> = { rcan: rcanSpec, han: hanSpec, edsr: edsrSpec };

export interface PaperOptions {
  readonly backends: readonly string[];
  readonly recompute: Recompute;
  /** Smoke-test overrides (the figures are then not the named workload's). */
  readonly batch?: number;
  readonly patch?: number;
}

/** Uniform [0, 1) LR and HR of one batch, as the data pipeline hands them to trainStep. */
function randomBatch(n: number, patch: number, scale: number, seed: number): TrainBatch {
  const r = createRng(seed);
  const P = patch * scale;
  return {
    lr: Float32Array.from({ length: n * patch * patch * 3 }, () => r.next()),
    hr: Float32Array.from({ length: n * P * P * 3 }, () => r.next()),
    batchSize: n, patch, scale, index: 0, files: Array.from({ length: n }, (_, i) => `random-${i}`),
  };
}

/** Runs the synchronous part of a step under `peakTensorBytes`, then its asynchronous read. */
async function measured<T>(step: () => T, read: (result: T) => Promise<unknown>): Promise<MemorySample> {
  const liveTensorBytes = tf.memory().numBytes;
  const { result, peak, largest } = peakTensorBytes(step);
  await read(result);
  return { peakTensorBytes: peak, liveTensorBytes, largestTensorBytes: largest };
}

type Kind = "pcl-iteration" | "train-step";

function paperWorkload(kind: Kind, model: PaperModel, namedBatch: number, o: PaperOptions): TimedWorkload {
  const spec = SPECS[model];
  const batch = o.batch ?? namedBatch, patch = o.patch ?? spec.train.patch;
  const smoke = batch !== namedBatch || patch !== spec.train.patch;
  const sum = summarize(spec);
  const name = `${kind}-${model}-b${namedBatch}`;
  const what = kind === "pcl-iteration"
    ? `${spec.name}: full PCL iteration (SR, D step, G step; paper E, 4 pos + 4 blurred neg, InfoNCE tau 1, dual contrastive)`
    : `${spec.name}: G step, L1 only (forward, backward, Adam)`;
  const long = kind === "pcl-iteration" && namedBatch >= 16;
  let state: TrainingState | undefined;
  let data: TrainBatch | undefined;
  let lr: tf.Tensor4D | undefined, hr: tf.Tensor4D | undefined;

  const readG = async (g: ReturnType<typeof generatorStep>) => {
    try {
      await g.generator.data();
    } finally {
      tf.dispose([g.generator, ...g.terms.values(), ...(g.gradNormGenerator ? [g.gradNormGenerator] : [])]);
    }
  };

  return {
    kind: "timed", name, backends: o.backends, memory: true,
    description: `${what}, batch ${batch}, LR ${patch}x${patch}, recompute ${o.recompute}${smoke ? ` (SMOKE: not the named batch/patch)` : ""}`,
    // RCAN at batch 16 is about a minute an iteration on 2 cores: one warm-up (measured), two timed.
    warmup: 1, reps: long ? 2 : 3,
    extra: { model, batch, patch, recompute: o.recompute, paramsGenerator: sum.generator.params, ...(kind === "pcl-iteration" ? { paramsEmbedding: sum.embedding.params } : {}), smoke },
    pytorchScript: ({ reps, warmup }) => ({
      key: `${kind}:${model}:${batch}:${patch}:${o.recompute}:${reps}:${warmup}`,
      script: kind === "pcl-iteration" ? "pytorch_pcl_iteration.py" : "pytorch_generator_step.py",
      args: ["--model", model, "--batch", String(batch), "--patch", String(patch), "--steps", String(reps), "--warmup", String(warmup), "--recompute", o.recompute],
      timeoutMs: (long ? 90 : 30) * 60_000,
      params: kind === "pcl-iteration" ? { generator: sum.generator.params, embedding: sum.embedding.params } : { generator: sum.generator.params },
    }),
    setup() {
      const trained = kind === "pcl-iteration" ? spec : pcl({ ...spec, name: `${spec.name}-l1`, losses: { generator: weightedSum([[1, l1()]]), discriminator: null } });
      const s = createTrainingState(trained, 1, { recompute: o.recompute });
      state = s;
      if (kind === "pcl-iteration") {
        s.iteration = spec.train.warmup; // contrastive term on: E trains and G's loss reads it
        data = randomBatch(batch, patch, spec.scale, 7);
      } else {
        const b = randomBatch(batch, patch, spec.scale, 7);
        lr = tf.keep(tf.tensor4d(b.lr, [batch, patch, patch, 3]));
        hr = tf.keep(tf.tensor4d(b.hr, [batch, patch * spec.scale, patch * spec.scale, 3]));
      }
    },
    async run(options) {
      const s = state!;
      if (kind === "pcl-iteration") {
        const step = () => trainStep(s, data!, { gradNorm: false });
        if (options?.measure) return measured(step, readStep);
        await readStep(step());
        return;
      }
      const step = () => generatorStep(s, lr!, hr!, undefined, 0, 1e-4, undefined, false);
      if (options?.measure) return measured(step, readG);
      await readG(step());
    },
    teardown() {
      state?.dispose();
      tf.dispose([...(lr ? [lr] : []), ...(hr ? [hr] : [])]);
      state = undefined; data = undefined; lr = undefined; hr = undefined;
    },
  };
}

export function paperWorkloads(o: PaperOptions): TimedWorkload[] {
  return [
    paperWorkload("pcl-iteration", "rcan", 16, o),
    paperWorkload("pcl-iteration", "edsr", 16, o),
    paperWorkload("pcl-iteration", "rcan", 2, o),
    paperWorkload("train-step", "rcan", 2, o),
    paperWorkload("train-step", "han", 2, o),
    paperWorkload("train-step", "edsr", 2, o),
  ];
}
