/**
 * What `npm run bench` runs. A timed workload allocates its inputs per backend in setup(), and
 * run() performs one repetition (synchronously, or as a Promise that is awaited: a GPU backend's
 * results are read with `await data()`) and frees what it made. bench/run.ts times run() (best and median) and, with `flops`, reports GFLOP/s.
 * A workload with `memory` is asked once, on its last warm-up repetition (or an extra one when it
 * has none), to measure that repetition: run({ measure: true }) returns the peak tensor bytes
 * (`peakTensorBytes` around its synchronous part); the harness adds the backend's GPU figures
 * (tf.memory()) and the process's peak RSS before and after the workload.
 * Report workloads (pipeline throughput etc.) just produce an object.
 */
import * as tf from "@tensorflow/tfjs-core";
import { mulberry32 } from "../src/compile/weights.js";

/** What one measured repetition allocated: tensor data alive at once at its peak. */
export interface MemorySample {
  /** Most bytes of tensor data allocated during the repetition and alive at once (above what was alive before). */
  readonly peakTensorBytes: number;
  /** Bytes of tensor data alive before the repetition (weights, optimizer moments, inputs). */
  readonly liveTensorBytes: number;
  /** The largest single buffer of the repetition. */
  readonly largestTensorBytes: number;
}

/** A PyTorch reference script run in a process of its own, printing one JSON line (bench/pytorch.ts). */
export interface PytorchScriptRef {
  /** Identifies the run (workloads with the same key share one). */
  readonly key: string;
  readonly script: string;
  readonly args: readonly string[];
  readonly timeoutMs: number;
  /** Our parameter counts, compared with the script's `params` (G) and `paramsE` (E). */
  readonly params?: { readonly generator: number; readonly embedding?: number };
  /** What the script needs: "torch" (default) or "numpy" (NumPy and SciPy, no torch; its figures are labelled numpy). */
  readonly python?: "torch" | "numpy";
}

export interface TimedWorkload {
  readonly kind: "timed";
  readonly name: string;
  readonly description: string;
  /** tfjs backend names to run it on (those not registered are skipped with a note). */
  readonly backends: readonly string[];
  /** Floating-point operations of one run (analytic), for GFLOP/s. */
  readonly flops?: number;
  /** Key of the PyTorch anchor this compares against (see bench/pytorch.ts), if any. */
  readonly pytorchKey?: string;
  /** A PyTorch reference script of its own (the paper-scale workloads), given the repetitions to time. */
  pytorchScript?(timing: { reps: number; warmup: number }): PytorchScriptRef;
  /** Measure peak memory on one repetition (see the file comment). */
  readonly memory?: boolean;
  /** Images one repetition produces (inference): the result lines add images/s. */
  readonly images?: number;
  /** Fields added to this workload's result lines (batch, patch, recompute, ...). */
  readonly extra?: Readonly<Record<string, string | number | boolean | null>>;
  readonly reps?: number;
  readonly warmup?: number;
  /** Per-backend overrides (e.g. fewer reps on the pure-JS cpu backend). */
  readonly repsOn?: Readonly<Record<string, { reps: number; warmup: number }>>;
  setup(backend: string): void | Promise<void>;
  /** One repetition; with `measure` (memory workloads only) it returns what it allocated. */
  run(options?: { measure: boolean }): void | MemorySample | Promise<void | MemorySample>;
  teardown(): void | Promise<void>;
}

export interface ReportWorkload {
  readonly kind: "report";
  readonly name: string;
  readonly description: string;
  /** Runs as the CLI's inference commands do (on native: no recycled buffers). */
  readonly inference?: boolean;
  run(): Promise<unknown>;
}

export type Workload = TimedWorkload | ReportWorkload;

export interface MemoryResult extends MemorySample {
  /** tf.memory().numBytesInGPU after the measured repetition (backends that report it: webgpu), else null. */
  readonly gpuBytesInUse: number | null;
  /**
   * tf.memory().numBytesAllocatedInGPU after the measured repetition: what the backend holds on the
   * GPU, its buffer pool included. webgpu's pool only grows while the backend lives, so this is its
   * peak so far. null where the backend does not report it.
   */
  readonly gpuBytesAllocated: number | null;
  /** process.resourceUsage().maxRSS (KiB) before the workload's setup and after its teardown. */
  readonly maxRssKiBBefore: number;
  readonly maxRssKiBAfter: number;
}

export interface TimedResult {
  workload: string;
  backend: string;
  bestMs: number;
  medianMs: number;
  gflops: number | null;
  reps: number;
  warmup: number;
  memory: MemoryResult | null;
}

/** The repetitions a workload runs on a backend: the command line's, else its per-backend override, else its own, else 5 and 2. */
export function repetitions(w: TimedWorkload, backend: string, opts: { reps?: number; warmup?: number } = {}): { reps: number; warmup: number } {
  const over = w.repsOn?.[backend];
  return { reps: opts.reps ?? over?.reps ?? w.reps ?? 5, warmup: opts.warmup ?? over?.warmup ?? w.warmup ?? 2 };
}

interface GpuMemoryInfo extends tf.MemoryInfo {
  numBytesInGPU?: number;
  numBytesAllocatedInGPU?: number;
}

/** Times a workload on one backend (the backend must already be registered). */
export async function timeWorkload(w: TimedWorkload, backend: string, opts: { reps?: number; warmup?: number } = {}): Promise<TimedResult> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to initialize`);
  const quiet = tf.backend() as unknown as { firstUse?: boolean };
  if ("firstUse" in quiet) quiet.firstUse = false;
  const rssBefore = process.resourceUsage().maxRSS;
  await w.setup(backend);
  const seen: { sample?: MemorySample; gpu?: GpuMemoryInfo } = {};
  let times: number[];
  const { reps, warmup } = repetitions(w, backend, opts);
  try {
    // A memory workload measures its last warm-up repetition (tensor bytes do not depend on
    // timing), or an extra untimed one when it has no warm-up.
    const measured = async () => {
      const r = await w.run({ measure: true });
      if (!r) throw new Error(`${w.name}: declares memory but run({ measure: true }) returned no MemorySample`);
      seen.sample = r;
      seen.gpu = tf.memory() as GpuMemoryInfo;
    };
    for (let i = 0; i < warmup; i++) {
      if (w.memory && i === warmup - 1) await measured();
      else await w.run();
    }
    if (w.memory && warmup === 0) await measured();
    times = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await w.run();
      times.push(performance.now() - t0);
    }
  } finally {
    await w.teardown();
  }
  times.sort((a, b) => a - b);
  const bestMs = times[0], medianMs = times[Math.floor(times.length / 2)];
  const memory: MemoryResult | null = seen.sample === undefined ? null : {
    ...seen.sample,
    gpuBytesInUse: seen.gpu?.numBytesInGPU ?? null,
    gpuBytesAllocated: seen.gpu?.numBytesAllocatedInGPU ?? null,
    maxRssKiBBefore: rssBefore,
    maxRssKiBAfter: process.resourceUsage().maxRSS,
  };
  return { workload: w.name, backend, bestMs, medianMs, gflops: w.flops ? w.flops / bestMs / 1e6 : null, reps, warmup, memory };
}

/** Deterministic uniform [-1, 1) data (mulberry32, the generator that seeds weights). */
export function seededData(n: number, seed: number, scale = 1): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => scale * (2 * rand() - 1));
}

export function seededTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.tensor(seededData(shape.reduce((a, b) => a * b, 1), seed, scale), shape, "float32");
}
