/**
 * A run folder read back: its graph, seed, recipe and the validations its metrics file recorded.
 * What `pcl-stream compare` puts side by side.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readCheckpointManifest } from "../checkpoint/load.js";
import type { PclSpec } from "../dsl/index.js";
import { METRICS_FILE } from "./write-metrics.js";

/** One validation as the metrics file recorded it. */
export interface RunValidation {
  readonly iteration: number;
  /** Y-PSNR in dB on the validation set. */
  readonly psnr: number;
  readonly ssim: number;
  /** NIQE of the SR images, when validation measured it (--val-metrics niqe); null when none of them had one. */
  readonly niqe?: number | null;
}

/** A training run, as `readRunSummary` reads it from its folder. */
export interface RunSummary {
  /** The folder, as given. */
  readonly run: string;
  /** The spec's name. */
  readonly graph: string;
  readonly seed: number;
  /** The iteration of the latest checkpoint. */
  readonly iteration: number;
  /** The generator's loss terms, warm-up, learning rate and negatives, in one line. */
  readonly recipe: string;
  /** Every validation, in the order they happened. */
  readonly validations: readonly RunValidation[];
  /** The validation with the highest PSNR, or null when there was none. */
  readonly best: RunValidation | null;
}

/** The generator's loss terms, warm-up, learning rate and negatives, in one line (RunSummary's `recipe`). */
export function recipeOf(spec: PclSpec): string {
  const terms = spec.losses.generator.terms.map((t) => (t.loss.kind === "infoNce" ? `${t.weight} InfoNCE(tau ${t.loss.tau})` : `${t.weight} L1`)).join(" + ");
  return `${terms}; warm-up ${spec.train.warmup}; lr ${spec.train.optimizers.generator.lr}; negatives ${spec.negatives.source}`;
}

/** A run folder holds no metrics file, or a line of it is not JSON. */
export class RunReadError extends Error {
  override readonly name = "RunReadError";
}

/**
 * Reads a run folder written by `train` (or `pcl-stream train`): `metrics.jsonl` and the latest checkpoint.
 *
 * @throws RunReadError when `dir` has no metrics.jsonl or it holds a line that is not JSON; CheckpointError when `dir/latest` is not a checkpoint.
 */
export async function readRunSummary(dir: string): Promise<RunSummary> {
  const metrics = join(dir, METRICS_FILE);
  if (!existsSync(metrics)) throw new RunReadError(`${dir}: no ${METRICS_FILE} (not a pcl-stream training run)`);
  const validations = readFileSync(metrics, "utf8").split("\n").filter(Boolean)
    .map((line, i) => {
      try {
        return JSON.parse(line) as { type: string } & RunValidation;
      } catch {
        throw new RunReadError(`${metrics}:${i + 1}: not a JSON line`);
      }
    })
    .filter((e) => e.type === "validation")
    .map(({ iteration, psnr, ssim, niqe }) => ({ iteration, psnr, ssim, ...(niqe === undefined ? {} : { niqe }) }));
  const ck = await readCheckpointManifest(join(dir, "latest"));
  const recipe = recipeOf(ck.spec);
  const best = validations.reduce<RunValidation | null>((b, v) => (!b || v.psnr > b.psnr ? v : b), null);
  return { run: dir, graph: ck.spec.name, seed: ck.manifest.seed, iteration: ck.manifest.iteration, recipe, validations, best };
}
