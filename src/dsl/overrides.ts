/**
 * Changing a spec's recipe the way `pcl-stream train`'s flags do, as a function: returns a new,
 * checked spec and leaves the original untouched. A shorter or longer run keeps the recipe's shape
 * (the warm-up and the learning-rate milestones move with the iteration count), and a new
 * learning rate for G keeps the spec's E/G learning-rate ratio.
 */
import { GraphError, type GraphIssue } from "./graph-error.js";
import { pcl, type PclSpec } from "./spec.js";
import { METRIC_NAMES, type MetricName } from "./metrics.js";
import { adam, RECOMPUTE_MODES, type Recompute } from "./train-options.js";

/** What `withOverrides` can change; every field is optional and left as the spec has it when absent. */
export interface SpecOverrides {
  /** Total iterations. Without `warmup`, the warm-up is rescaled by the same factor; multi-step milestones always are. */
  readonly iterations?: number;
  readonly batch?: number;
  /** LR patch size (the HR patch is `patch * scale`). */
  readonly patch?: number;
  /** Learning rate of G; E's becomes `lr` times the spec's E/G ratio. */
  readonly lr?: number;
  /** L1-only iterations before the contrastive term and E's training start. */
  readonly warmup?: number;
  /** Weight of the contrastive (InfoNCE) term: the paper's alpha. */
  readonly alpha?: number;
  /** InfoNCE temperature. */
  readonly tau?: number;
  /** Validation and checkpoint cadence (default: the spec's, at most the iteration count). */
  readonly validateEvery?: number;
  /** Seed of the weights, the batches and the augmentations. */
  readonly seed?: number;
  readonly recompute?: Recompute | "auto";
  /** What validation measures beyond PSNR and SSIM (`"niqe"`); PSNR and SSIM are always measured. */
  readonly validateMetrics?: readonly MetricName[];
}

type Check = readonly [field: keyof SpecOverrides, ok: (v: number) => boolean, expected: string];

const NUMBER_CHECKS: readonly Check[] = [
  ["iterations", (v) => Number.isInteger(v) && v >= 1, "a positive integer"],
  ["batch", (v) => Number.isInteger(v) && v >= 1, "a positive integer"],
  ["patch", (v) => Number.isInteger(v) && v >= 1, "a positive integer"],
  ["validateEvery", (v) => Number.isInteger(v) && v >= 1, "a positive integer"],
  ["warmup", (v) => Number.isInteger(v) && v >= 0, "a non-negative integer"],
  ["seed", (v) => Number.isSafeInteger(v), "an integer"],
  ["lr", (v) => v > 0 && Number.isFinite(v), "a positive number"],
  ["alpha", (v) => v >= 0 && Number.isFinite(v), "a number >= 0"],
  ["tau", (v) => v > 0 && Number.isFinite(v), "a positive number"],
];

function issuesOf(spec: PclSpec, o: SpecOverrides): GraphIssue[] {
  const issues: GraphIssue[] = [];
  for (const [field, ok, expected] of NUMBER_CHECKS) {
    const v = o[field];
    if (v !== undefined && !(typeof v === "number" && ok(v))) issues.push({ path: `overrides/${field}`, message: `must be ${expected}, got ${JSON.stringify(v) ?? String(v)}` });
  }
  if (o.recompute !== undefined && o.recompute !== "auto" && !RECOMPUTE_MODES.includes(o.recompute)) {
    issues.push({ path: "overrides/recompute", message: `must be auto, ${RECOMPUTE_MODES.join(", ")}, got ${JSON.stringify(o.recompute)}` });
  }
  if (o.validateMetrics !== undefined && !(Array.isArray(o.validateMetrics) && o.validateMetrics.every((m) => (METRIC_NAMES as readonly string[]).includes(m)))) {
    issues.push({ path: "overrides/validateMetrics", message: `must be a list of ${METRIC_NAMES.join(", ")}, got ${JSON.stringify(o.validateMetrics)}` });
  }
  const contrastive = spec.losses.generator.terms.some((term) => term.loss.kind === "infoNce");
  for (const field of ["alpha", "tau"] as const) {
    if (o[field] !== undefined && !contrastive) issues.push({ path: `overrides/${field}`, message: `the graph '${spec.name}' has no contrastive term` });
  }
  return issues;
}

/**
 * The spec with its recipe changed, as `pcl-stream train --iters N --batch B ...` changes it.
 *
 * ```ts
 * const quick = withOverrides(spec, { iterations: 200, warmup: 0, alpha: 1 });   // warm-up and milestones follow
 * ```
 *
 * @throws GraphError listing every bad override (paths `overrides/<field>`), or what the changed spec breaks.
 */
export function withOverrides<Tap extends number>(spec: PclSpec<Tap>, overrides: SpecOverrides): PclSpec<Tap> {
  if (typeof overrides !== "object" || overrides === null) throw new TypeError(`withOverrides: overrides must be an object, got ${String(overrides)}`);
  const issues = issuesOf(spec, overrides);
  if (issues.length > 0) throw new GraphError(issues);
  const t = spec.train;
  const o = overrides;
  const iterations = o.iterations ?? t.iterations;
  const rescale = (n: number) => Math.round((n * iterations) / t.iterations);
  const terms = spec.losses.generator.terms.map((term) => term.loss.kind === "infoNce"
    ? { weight: o.alpha ?? term.weight, loss: { ...term.loss, tau: o.tau ?? term.loss.tau } }
    : term);
  const ratio = t.optimizers.embedding.lr / t.optimizers.generator.lr;
  return pcl<Tap>({
    ...spec,
    losses: { ...spec.losses, generator: { ...spec.losses.generator, terms } },
    train: {
      ...t,
      iterations,
      batch: o.batch ?? t.batch,
      patch: o.patch ?? t.patch,
      validateEvery: o.validateEvery ?? Math.min(t.validateEvery, iterations),
      validateMetrics: o.validateMetrics ?? t.validateMetrics,
      warmup: o.warmup ?? (iterations !== t.iterations ? rescale(t.warmup) : t.warmup),
      seed: o.seed ?? t.seed,
      recompute: o.recompute ?? t.recompute,
      // A shorter or longer run keeps the schedule's shape: milestones move with the iteration count.
      schedule: iterations !== t.iterations && t.schedule.kind === "multiStep"
        ? { ...t.schedule, milestones: t.schedule.milestones.map(rescale) }
        : t.schedule,
      optimizers: o.lr === undefined ? t.optimizers : { generator: adam({ ...t.optimizers.generator, lr: o.lr }), embedding: adam({ ...t.optimizers.embedding, lr: o.lr * ratio }) },
    },
  });
}
