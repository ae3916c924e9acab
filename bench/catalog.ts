/**
 * The workloads `npm run bench` knows, with their names, so that the selection (bench/args.ts)
 * runs before any workload module is loaded (lazy imports keep unrelated modules out of a
 * filtered run). Adding a workload: export a TimedWorkload/ReportWorkload (bench/workload.ts) from
 * its own module and add an entry here with the names it makes (test/bench-harness.test.ts checks them).
 */
import type { BenchArgs } from "./args.js";
import type { Workload } from "./workload.js";

export interface Entry {
  /** The names of the workloads load() returns (the selection runs before any module loads). */
  names: readonly string[];
  /** Run only when --only names it (or, for the paper group, --paper). */
  optIn?: boolean;
  paper?: boolean;
  /** Loads the module and makes the workloads (no tensors until their setup). */
  load(ctx: LoadContext): Promise<Workload[]>;
}

export interface LoadContext {
  /** The tfjs name of the run's backend. */
  readonly primary: string;
  /** Today's default run adds tfjs's pure-JS cpu to the small conv kernels; a --backend run does not. */
  readonly addCpu: boolean;
  readonly args: BenchArgs;
}

const PCL_STEP_NAMES = ["g-step-l1", "d-step", "g-step-pcl", "pcl-iteration"];

export const WORKLOADS: readonly Entry[] = [
  {
    names: ["fwd", "bwd-input", "bwd-filter"].flatMap((p) => [`conv-${p}-c64`, `conv-${p}-c32`]),
    load: async ({ primary, addCpu }) => (await import("./kernels.js")).convKernelWorkloads(primary, addCpu),
  },
  // The same iteration written op by op with plain tfjs (no DSL, no fused similarity): a reference
  // for what the DSL's compiled graph saves, not one of the workloads.
  { names: ["a", "b", "c", "d"].map((m) => `pcl-raw-${m}`), optIn: true, load: async ({ primary }) => (await import("./raw-pcl-step.js")).rawPclWorkloads([primary]) },
  { names: PCL_STEP_NAMES, load: async ({ primary }) => (await import("./pcl-step.js")).pclStepWorkloads([primary]) },
  { names: ["infer-edsr-tiny", "infer-edsr-baseline"], load: async ({ primary }) => (await import("./inference.js")).inferenceWorkloads([primary]) },
  {
    names: ["pcl-iteration-rcan-b16", "pcl-iteration-edsr-b16", "pcl-iteration-rcan-b2", "train-step-rcan-b2", "train-step-han-b2", "train-step-edsr-b2"],
    optIn: true, paper: true,
    load: async ({ primary, args }) => (await import("./paper.js")).paperWorkloads({ backends: [primary], recompute: args.recompute, batch: args.batch, patch: args.patch }),
  },
  {
    names: ["infer-edsr-512", "infer-rcan-512"], optIn: true, paper: true,
    load: async ({ primary, args }) => (await import("./inference.js")).tiledInferenceWorkloads([primary], args.image),
  },
  { names: ["memory-plan"], optIn: true, load: async ({ args }) => [(await import("./memory-plan.js")).memoryPlanWorkload(args.backend ?? "native")] },
  { names: ["imresize-2k"], load: async () => [(await import("./imresize.js")).imresizeWorkload()] },
  { names: ["niqe-512"], load: async ({ primary }) => [(await import("./niqe.js")).niqeWorkload(primary)] },
  { names: ["interop"], optIn: true, load: async () => [(await import("./interop.js")).interopWorkload] },
  { names: ["watch"], load: async () => [{ kind: "report", inference: true, ...(await import("./watch.js")).watchWorkload }] as Workload[] },
  { names: ["queue"], optIn: true, load: async () => [{ kind: "report", inference: true, ...(await import("./queue.js")).queueWorkload }] as Workload[] },
  { names: ["soak-train"], optIn: true, load: async () => [{ kind: "report", ...(await import("./soak-train.js")).soakTrainWorkload }] as Workload[] },
];
