/**
 * The memory a training run will need, known before its first step, and the recomputation that
 * makes it fit.
 *
 * One iteration's tensors are measured, not guessed: a throwaway copy of the compiled networks
 * runs one contrastive iteration (E's D step, G's L1 + InfoNCE step, both optimizers) at two small
 * batches (`probeBatches`) on the active backend, and the engine's bookkeeping gives the most bytes of
 * tensor data alive at once (`peakTensorBytes`). Activations grow linearly with the batch (the
 * networks are fully convolutional, E's batch norm included), so the two probes give the
 * iteration's peak at any batch: fixed + perSample * batch. Weights, Adam's moments and the EMA
 * are counted from the parameters; the decoded-image cache from the data folder's headers.
 * The process's memory at the peak (what the kernel compares with RAM) is then
 *   runtime (RSS before training) + data + OVERHEAD * (state + iteration peak),
 * where OVERHEAD covers what the allocator and the garbage collector hold beyond live tensors
 * (measured on the native backend: README "Memory").
 */
import * as tf from "@tensorflow/tfjs-core";
import { releaseCachedMemory, type MemoryBudget } from "../../backend/memory-budget.js";
import { RECOMPUTE_MODES, type PclSpec, type Recompute } from "../../dsl/index.js";
import { peakTensorBytes } from "../../ops/tensor-bytes.js";
import { createRng, type TrainBatch } from "../data/index.js";
import { disposeStep, trainStep } from "./train-step.js";
import { createTrainingState, type TrainingState } from "./training-state.js";

/** Process memory per byte of live tensor data at the peak (allocator and GC slack), from measurements on native. */
export const OVERHEAD = 1.15;

export interface MemoryEstimate {
  readonly batch: number;
  readonly recompute: Recompute;
  /** Weights, gradients' optimizer moments and the EMA of G and E (bytes). */
  readonly state: number;
  /** Tensor bytes one iteration adds at its peak beyond `state`: fixed + perSample * batch. */
  readonly iteration: number;
  readonly fixed: number;
  readonly perSample: number;
  /** The largest single tensor of the iteration (bytes), for backends with a per-buffer limit. */
  readonly largestTensor: number;
  /** The decoded-image cache when full (bytes). */
  readonly data: number;
  /** The process before training (bytes). */
  readonly runtime: number;
  /** Predicted peak of the process (bytes). */
  readonly total: number;
  /** One iteration's time extrapolated from the probes (ms; a first iteration also compiles and allocates). */
  readonly iterationMs: number;
}

export interface MemoryPlan {
  readonly chosen: MemoryEstimate;
  /** Every recompute mode probed, in the order tried. */
  readonly considered: readonly MemoryEstimate[];
  readonly budget: MemoryBudget;
}

/** The run cannot fit in the memory available with any recomputation tried: the message names the estimate, what is available and what would fit (a recompute mode, a smaller batch). */
export class MemoryPlanError extends Error {
  override readonly name = "MemoryPlanError";
  constructor(message: string, readonly plan: { readonly considered: readonly MemoryEstimate[]; readonly budget: MemoryBudget }) {
    super(message);
  }
}

const GiB = 1024 ** 3, MiB = 1024 ** 2;
/** Bytes for people: "14.9 GiB", "6.71 GiB", "412 MiB". */
export const formatBytes = (bytes: number): string =>
  bytes >= GiB ? `${(bytes / GiB).toFixed(bytes < 10 * GiB ? 2 : 1)} GiB` : bytes >= MiB ? `${Math.round(bytes / MiB)} MiB` : `${(bytes / MiB).toFixed(2)} MiB`;

/** Parameters of a network's variables, in bytes of float32. */
const bytesOf = (vars: Iterable<tf.Tensor>): number => [...vars].reduce((s, v) => s + v.size * 4, 0);

function stateBytes(s: TrainingState): number {
  const g = bytesOf(s.generator.variables.values());
  const e = s.embedding ? bytesOf(s.embedding.variables.values()) : 0;
  // weights + Adam's two moments for each trained network, plus G's EMA copy
  return 3 * g + (s.adamE ? 3 * e : e) + (s.ema ? g : 0);
}

/** Random data of one batch (the probe measures sizes; values do not matter). */
function probeBatch(batch: number, patch: number, scale: number): TrainBatch {
  const rng = createRng(1);
  const P = patch * scale;
  return {
    lr: Float32Array.from({ length: batch * patch * patch * 3 }, () => rng.next()),
    hr: Float32Array.from({ length: batch * P * P * 3 }, () => rng.next()),
    batchSize: batch, patch, scale, index: 0, files: [],
  };
}

/** Tensor bytes (and milliseconds) of one contrastive iteration at `batch` on the active backend, beyond the state. */
function probe(spec: PclSpec, recompute: Recompute, batch: number): { peak: number; largest: number; state: number; ms: number } {
  const s = createTrainingState({ ...spec, train: { ...spec.train, batch } }, spec.train.seed, { recompute });
  try {
    s.iteration = spec.train.warmup; // the contrastive term and E's training are on: the larger iteration
    const data = probeBatch(batch, spec.train.patch, spec.scale);
    const started = performance.now();
    const { peak, largest } = peakTensorBytes(() => disposeStep(trainStep(s, data, { gradNorm: true })));
    return { peak, largest, state: stateBytes(s), ms: performance.now() - started };
  } finally {
    s.dispose();
    // What the probe freed goes back now, not beside the next probe or the run.
    releaseCachedMemory();
  }
}

/**
 * The two batches probed for a run at `batch`: 2 and 4 from batch 4 on, else 1 and 2. A peak is
 * the larger of a fixed phase (the optimizers' new weights and moments) and the batch-dependent
 * activations; at batch 1 the fixed phase can be the larger one (RCAN with recomputation: 0.35
 * GiB at batch 1, 0.49 at 2, 3.53 at 16), which a line through batches 1 and 2 misses
 * (it gave 2.46 GiB at 16).
 */
export function probeBatches(batch: number): readonly [number, number] {
  return batch >= 4 ? [2, 4] : [1, 2];
}

/** The estimate for `spec` at its batch with `recompute`, from two probes (`probeBatches`). */
export function estimateMemory(spec: PclSpec, recompute: Recompute, context: { readonly data: number; readonly runtime: number }): MemoryEstimate {
  const batch = spec.train.batch;
  const [lo, hi] = probeBatches(batch);
  // The larger probe first: the smaller then fits in what it gave back.
  const big = probe(spec, recompute, hi), small = probe(spec, recompute, lo);
  const perSample = Math.max(0, (big.peak - small.peak) / (hi - lo));
  const fixed = Math.max(0, small.peak - perSample * lo);
  const iteration = fixed + perSample * batch;
  // The largest tensor grows with the batch too (an activation of the whole batch).
  const largestTensor = Math.max(small.largest, big.largest, (big.largest / hi) * batch);
  const total = context.runtime + context.data + OVERHEAD * (small.state + iteration);
  const msPerSample = (big.ms - small.ms) / (hi - lo);
  const iterationMs = Math.max(Math.min(small.ms, big.ms), small.ms + msPerSample * (batch - lo));
  return { batch, recompute, state: small.state, iteration, fixed, perSample, largestTensor, data: context.data, runtime: context.runtime, total, iterationMs };
}

/** Whether `e` fits `budget`, given the process already holds `runtime` bytes. */
export function fits(e: MemoryEstimate, budget: MemoryBudget): boolean {
  if (budget.maxTensorBytes !== null && e.largestTensor > budget.maxTensorBytes) return false;
  return budget.availableBytes === null || e.total - e.runtime <= budget.availableBytes;
}

/** The largest batch that fits with estimate `e`'s recompute mode (0 if none). */
export function largestBatch(e: MemoryEstimate, budget: MemoryBudget): number {
  let byMemory = Number.POSITIVE_INFINITY, byTensor = Number.POSITIVE_INFINITY;
  if (budget.availableBytes !== null && e.perSample > 0) {
    byMemory = Math.floor((budget.availableBytes / OVERHEAD - e.data / OVERHEAD - e.state - e.fixed) / e.perSample);
  }
  if (budget.maxTensorBytes !== null && e.largestTensor > 0) byTensor = Math.floor((budget.maxTensorBytes * e.batch) / e.largestTensor);
  return Math.max(0, Math.min(byMemory, byTensor));
}

/**
 * Picks the recomputation: the spec's when it names one (checked against the budget), or, for
 * "auto", the least recomputation that fits: none, then groups, then blocks. Throws a
 * MemoryPlanError naming the estimate, what is available and what would fit.
 */
export function planMemory(spec: PclSpec, budget: MemoryBudget, context: { readonly data: number; readonly runtime: number }): MemoryPlan {
  const wanted = spec.train.recompute;
  const order: readonly Recompute[] = wanted === "auto" ? ["none", "groups", "blocks"] : [wanted];
  const considered: MemoryEstimate[] = [];
  for (const mode of order) {
    const e = estimateMemory(spec, mode, context);
    considered.push(e);
    if (fits(e, budget)) return { chosen: e, considered, budget };
  }
  // Nothing asked for fits: say what would, trying the other modes too for the advice.
  for (const mode of RECOMPUTE_MODES) if (!considered.some((e) => e.recompute === mode)) considered.push(estimateMemory(spec, mode, context));
  throw new MemoryPlanError(explain(spec, considered, budget, wanted), { considered, budget });
}

function explain(spec: PclSpec, considered: readonly MemoryEstimate[], budget: MemoryBudget, wanted: Recompute | "auto"): string {
  const first = considered[0];
  const at = `${spec.name} at batch ${spec.train.batch}, LR patch ${spec.train.patch}`;
  const parts = (e: MemoryEstimate) => `activations ${formatBytes(OVERHEAD * e.iteration)}, weights and Adam ${formatBytes(OVERHEAD * e.state)}, data ${formatBytes(e.data)}, runtime ${formatBytes(e.runtime)}`;
  const lines: string[] = [];
  if (budget.maxTensorBytes !== null && first.largestTensor > budget.maxTensorBytes) {
    lines.push(`one iteration of ${at} makes a ${formatBytes(first.largestTensor)} tensor; ${budget.source} allows ${formatBytes(budget.maxTensorBytes)} per tensor`);
  } else {
    lines.push(`one iteration of ${at}${wanted === "auto" ? "" : ` with --recompute ${wanted}`} needs about ${formatBytes(first.total)} (${parts(first)}); ${budget.availableBytes === null ? "?" : formatBytes(first.runtime + budget.availableBytes)} available (${budget.source})`);
  }
  const fitting = considered.filter((e) => fits(e, budget));
  const options: string[] = fitting.map((e) => `--recompute ${e.recompute} (about ${formatBytes(e.total)})`);
  for (const e of considered) {
    const b = largestBatch(e, budget);
    if (b >= 1 && b < spec.train.batch) options.push(`--batch ${b}${e.recompute === "none" ? "" : ` --recompute ${e.recompute}`}`);
  }
  lines.push(options.length ? `what fits: ${[...new Set(options)].join(", or ")}` : "not even batch 1 fits: use a smaller --patch or a machine with more memory");
  return lines.join("\n");
}
