/**
 * The "edsr-tiny PCL iteration" of ../shared/bench/README.md, built with the DSL and run by the
 * trainer's own step functions: G = graphs/edsr-tiny's generator, E = its embedding network
 * (67,361 parameters), 4 sharpened positives, 4 blurred (5x5) negatives, InfoNCE tau 0.1 over the
 * 4 taps, non-saturating D loss; batch 16, LR 24x24. Modes as the PyTorch script's a-d.
 */
import * as tf from "@tensorflow/tfjs-core";
import { drawContrast, makeContrast } from "../src/compile/contrast.js";
import { blur, infoNce, l1, negatives, nonSaturating, pcl, positives, weightedSum, type PclSpec } from "../src/dsl/index.js";
import { createRng } from "../src/pipelines/data/index.js";
import { discriminatorStep, generatorStep } from "../src/pipelines/train/train-step.js";
import { createTrainingState, type TrainingState } from "../src/pipelines/train/training-state.js";
import tiny from "../graphs/edsr-tiny.pcl.js";
import type { TimedWorkload } from "./workload.js";

export function benchSpec(): PclSpec {
  const embed = tiny.embedding;
  return pcl({
    ...tiny,
    name: "bench-edsr-tiny-pcl",
    positives: positives({ count: 4, includeHr: false }),
    negatives: negatives({ count: 4, source: "blur", augment: blur({ sizes: [5], sigmaMin: 0.3, sigmaMax: 1.5 }) }),
    losses: { generator: weightedSum([[1, l1()], [1, infoNce({ embed, taps: [0, 1, 2, 3], tau: 0.1 })]]), discriminator: nonSaturating({ embed }) },
    train: { ...tiny.train, batch: 16, patch: 24, warmup: 0 },
  });
}

type Mode = "a" | "b" | "c" | "d";
const MODES: Record<Mode, { name: string; description: string }> = {
  a: { name: "g-step-l1", description: "G step, L1 only" },
  b: { name: "d-step", description: "D step on E, on a fixed SR" },
  c: { name: "g-step-pcl", description: "G step, L1 + InfoNCE through E" },
  d: { name: "pcl-iteration", description: "full PCL iteration: SR, D step, G step" },
};

export function pclStepWorkloads(backends: readonly string[]): TimedWorkload[] {
  return (Object.keys(MODES) as Mode[]).map((mode) => {
    let state: TrainingState | undefined;
    let lr: tf.Tensor4D | undefined, hr: tf.Tensor4D | undefined, srFixed: tf.Tensor4D | undefined;
    return {
      kind: "timed", name: MODES[mode].name, description: MODES[mode].description, backends, pytorchKey: `pcl-${mode}`, reps: 8, warmup: 2,
      setup() {
        const spec = benchSpec();
        state = createTrainingState(spec, 1);
        const r = createRng(7);
        lr = tf.keep(tf.tensor4d(Float32Array.from({ length: 16 * 24 * 24 * 3 }, () => r.next()), [16, 24, 24, 3]));
        hr = tf.keep(tf.tensor4d(Float32Array.from({ length: 16 * 96 * 96 * 3 }, () => r.next()), [16, 96, 96, 3]));
        srFixed = tf.keep(tf.tidy(() => state!.generator.apply(lr!))); // mode b: D step on a fixed SR, as PyTorch's d_step(sr_fixed)
      },
      async run() {
        const s = state!;
        const draws = drawContrast(s.spec, 16, () => 0.5);
        const losses: tf.Tensor[] = [];
        tf.tidy(() => {
          // positives and negatives only where a loss reads them (as the PyTorch script: not in modes a and b)
          const contrast = mode === "a" || mode === "b" ? undefined : makeContrast(s.spec, hr!, lr!, draws);
          if (mode === "b") losses.push(discriminatorStep(s, srFixed!, hr!, contrast, 1e-4)!);
          else {
            const dStep = mode === "d" ? (sr: tf.Tensor4D) => { losses.push(discriminatorStep(s, sr, hr!, contrast, 1e-4)!); } : undefined;
            const g = generatorStep(s, lr!, hr!, contrast, mode === "a" ? 0 : 1, 1e-4, dStep, false);
            losses.push(g.generator, ...g.terms.values());
          }
        });
        // The step is done when its loss can be read (asynchronous backends queue the work).
        await losses[losses.length - 1].data();
        tf.dispose(losses);
      },
      teardown() { state?.dispose(); lr?.dispose(); hr?.dispose(); srFixed?.dispose(); state = undefined; },
    };
  });
}
