/**
 * What `npm run bench` runs. A timed workload allocates its inputs per backend in setup(), and
 * run() performs one repetition (synchronously, or as a Promise that is awaited: a GPU backend's
 * results are read with `await data()`) and frees what it made. bench/run.ts times run() (best and median) and, with `flops`, reports GFLOP/s.
 * Report workloads (pipeline throughput etc.) just produce an object.
 */
import * as tf from "@tensorflow/tfjs-core";
import { mulberry32 } from "../src/compile/weights.js";

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
  readonly reps?: number;
  readonly warmup?: number;
  /** Per-backend overrides (e.g. fewer reps on the pure-JS cpu backend). */
  readonly repsOn?: Readonly<Record<string, { reps: number; warmup: number }>>;
  setup(backend: string): void | Promise<void>;
  run(): void | Promise<void>;
  teardown(): void;
}

export interface ReportWorkload {
  readonly kind: "report";
  readonly name: string;
  readonly description: string;
  run(): Promise<unknown>;
}

export type Workload = TimedWorkload | ReportWorkload;

export interface TimedResult {
  workload: string;
  backend: string;
  bestMs: number;
  medianMs: number;
  gflops: number | null;
}

/** Times a workload on one backend (the backend must already be registered). */
export async function timeWorkload(w: TimedWorkload, backend: string, opts: { reps?: number; warmup?: number } = {}): Promise<TimedResult> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to initialize`);
  const quiet = tf.backend() as unknown as { firstUse?: boolean };
  if ("firstUse" in quiet) quiet.firstUse = false;
  await w.setup(backend);
  try {
    const over = w.repsOn?.[backend];
    const reps = opts.reps ?? over?.reps ?? w.reps ?? 5, warmup = opts.warmup ?? over?.warmup ?? w.warmup ?? 2;
    for (let i = 0; i < warmup; i++) await w.run();
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await w.run();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const bestMs = times[0], medianMs = times[Math.floor(times.length / 2)];
    return { workload: w.name, backend, bestMs, medianMs, gflops: w.flops ? w.flops / bestMs / 1e6 : null };
  } finally {
    w.teardown();
  }
}

/** Deterministic uniform [-1, 1) data (mulberry32, the generator that seeds weights). */
export function seededData(n: number, seed: number, scale = 1): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => scale * (2 * rand() - 1));
}

export function seededTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.tensor(seededData(shape.reduce((a, b) => a * b, 1), seed, scale), shape, "float32");
}
