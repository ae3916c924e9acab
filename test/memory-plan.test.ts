/**
 * The training memory plan: its linear model of one iteration's tensor bytes against a direct
 * measurement at the target batch, the choice of recomputation under a budget, and the error
 * that says what would fit. (Process RSS against the estimate: bench/memory-plan.ts.)
 */
import test from "ava";
import * as tf from "@tensorflow/tfjs-core";
import { selectBackend } from "../src/backend/select.js";
import { adam, constantLr, dualContrastive, infoNce, l1, negatives, pcl, positives, rcan, trainOptions, vggEmbedding, weightedSum, blur, type PclSpec } from "../src/dsl/index.js";
import { peakTensorBytes } from "../src/ops/tensor-bytes.js";
import { createRng } from "../src/pipelines/data/index.js";
import { estimateMemory, fits, largestBatch, MemoryPlanError, planMemory, probeBatches } from "../src/pipelines/train/memory-plan.js";
import { disposeStep, trainStep } from "../src/pipelines/train/train-step.js";
import { createTrainingState } from "../src/pipelines/train/training-state.js";

// The probes run real iterations: on the native backend (tfjs's pure-JS cpu backend is ~100x slower at conv gradients).
test.before(async () => { await selectBackend("native", { quiet: true }); });

/** A small RCAN (2 groups x 3 RCABs, 8 channels) with PCL: recomputation has something to save. */
function smallRcanSpec(batch: number, recompute: PclSpec["train"]["recompute"] = "auto"): PclSpec {
  const embed = vggEmbedding({ channels: [4, 8], strides: [1, 2], taps: [0, 1] as const, batchNorm: false, pool: "global" });
  return pcl({
    name: "small-rcan", scale: 2,
    generator: rcan({ groups: 2, blocksPerGroup: 3, channels: 8, reduction: 4, scale: 2 }),
    embedding: embed,
    positives: positives({ count: 2, includeHr: true }),
    negatives: negatives({ count: 2, source: "blur", augment: blur({ sizes: [3] }) }),
    losses: { generator: weightedSum([[1, l1()], [1, infoNce({ embed, taps: [0, 1], tau: 0.5 })]]), discriminator: dualContrastive({ embed }) },
    train: trainOptions({ patch: 12, batch, iterations: 10, warmup: 0, recompute, schedule: constantLr(), optimizers: { generator: adam({ lr: 1e-3 }), embedding: adam({ lr: 1e-3 }) } }),
  });
}

const context = { data: 100_000, runtime: 1_000_000 };

test.serial("the estimate of one iteration at batch 5 (from probes at 2 and 4) and at batch 3 (from 1 and 2) is within 5% of its measured tensor peak", (t) => {
  for (const n of [5, 3]) {
    const spec = smallRcanSpec(n);
    const e = estimateMemory(spec, "none", context);
    const s = createTrainingState(spec, 1, { recompute: "none" });
    const rng = createRng(3);
    const batch = { lr: Float32Array.from({ length: n * 12 * 12 * 3 }, () => rng.next()), hr: Float32Array.from({ length: n * 24 * 24 * 3 }, () => rng.next()), batchSize: n, patch: 12, scale: 2, index: 0, files: [] };
    const measured = peakTensorBytes(() => disposeStep(trainStep(s, batch))).peak;
    s.dispose();
    t.log(`batch ${n} (probes at ${probeBatches(n).join(" and ")}): estimated ${e.iteration} B, measured ${measured} B (fixed ${e.fixed}, per sample ${e.perSample})`);
    t.true(Math.abs(e.iteration - measured) / measured < 0.05, `batch ${n}`);
    t.true(e.perSample > 0 && e.state > 0);
  }
  t.deepEqual([1, 2, 3, 4, 16].map((b) => probeBatches(b)), [[1, 2], [1, 2], [1, 2], [2, 4], [2, 4]]);
});

test.serial("recomputation lowers the estimate; the plan picks the least recomputation that fits, and says what fits when nothing does", (t) => {
  const spec = smallRcanSpec(8);
  const none = estimateMemory(spec, "none", context), groups = estimateMemory(spec, "groups", context), blocks = estimateMemory(spec, "blocks", context);
  t.log(`activations: none ${none.iteration}, groups ${groups.iteration}, blocks ${blocks.iteration}`);
  t.true(groups.iteration < none.iteration && blocks.iteration < none.iteration);
  const budget = (needed: number) => ({ availableBytes: needed - context.runtime, maxTensorBytes: null, source: "test" });
  t.is(planMemory(spec, budget(none.total * 1.01), context).chosen.recompute, "none");
  const best = Math.min(groups.total, blocks.total);
  const tight = planMemory(spec, budget((best + none.total) / 2), context);
  t.not(tight.chosen.recompute, "none");
  t.deepEqual(tight.considered.map((c) => c.recompute).slice(0, 2), ["none", "groups"]);
  // Too little for anything at batch 8: the error names the estimate, the memory available and a batch that fits.
  const small = budget(context.runtime + context.data + 1.3 * (none.state + none.fixed + 2 * none.perSample));
  const err = t.throws(() => planMemory(spec, small, context), { instanceOf: MemoryPlanError })!;
  t.log(err.message);
  t.regex(err.message, /small-rcan at batch 8, LR patch 12 needs about [\d.]+ [MG]iB .* available \(test\)/);
  t.regex(err.message, /activations [\d.]+ [MG]iB, weights and Adam/);
  t.regex(err.message, /what fits: .*--batch \d/);
  const b = largestBatch(none, small);
  t.true(b >= 1 && b < 8 && fits({ ...none, total: context.runtime + context.data + 1.15 * (none.state + none.fixed + none.perSample * b) }, small));
  // An explicit mode is checked, not replaced.
  t.throws(() => planMemory(smallRcanSpec(8, "none"), budget(none.total * 0.9), context), { instanceOf: MemoryPlanError, message: /with --recompute none/ });
});

test.serial("a per-tensor limit (WebGPU's binding size) is checked against the largest tensor", (t) => {
  const spec = smallRcanSpec(4);
  const before = tf.memory().numTensors;
  const e = estimateMemory(spec, "none", context);
  t.is(tf.memory().numTensors, before, "the probes leave no tensor behind");
  t.true(fits(e, { availableBytes: null, maxTensorBytes: e.largestTensor, source: "test" }));
  t.false(fits(e, { availableBytes: null, maxTensorBytes: e.largestTensor - 1, source: "test" }));
  const err = t.throws(() => planMemory(smallRcanSpec(4, "none"), { availableBytes: null, maxTensorBytes: 4096, source: "the adapter" }, context), { instanceOf: MemoryPlanError })!;
  t.regex(err.message, /makes a [\d.]+ [MG]iB tensor; the adapter allows/);
});
