/**
 * Writes a checkpoint directory atomically: everything goes to a temp directory beside it, then
 * the old directory is moved aside, the new one renamed into place, and the old one removed.
 * A crash leaves either the old or the new checkpoint whole (`readCheckpoint` also looks at the
 * moved-aside copy if the swap was cut between its two renames).
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type * as tf from "@tensorflow/tfjs-core";
import type { PclSpec } from "../dsl/index.js";
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, MANIFEST_FILE, WEIGHTS_FILE, type BestValidation, type CheckpointManifest } from "./format.js";
import { specToJson } from "./spec-json.js";
import { packTensors } from "./tensor-file.js";

/** An optimizer's step count and first/second moments, keyed by variable path. */
export interface MomentState {
  readonly step: number;
  readonly m: ReadonlyMap<string, tf.Tensor>;
  readonly v: ReadonlyMap<string, tf.Tensor>;
}

export interface CheckpointContent {
  readonly spec: PclSpec;
  readonly iteration: number;
  readonly seed: number;
  readonly best: BestValidation | null;
  readonly backend: string;
  readonly generator: ReadonlyMap<string, tf.Tensor>;
  readonly embedding: ReadonlyMap<string, tf.Tensor> | null;
  readonly adam: { readonly generator: MomentState; readonly embedding: MomentState | null };
  readonly ema: ReadonlyMap<string, tf.Tensor> | null;
}

/** The moved-aside name of `dir` during a swap. */
export const previousDir = (dir: string): string => join(dirname(dir), `.${basename(dir)}.previous`);

export async function saveCheckpoint(dir: string, c: CheckpointContent): Promise<void> {
  const named = new Map<string, tf.Tensor>();
  for (const [k, t] of c.generator) named.set(k, t);
  if (c.embedding) for (const [k, t] of c.embedding) named.set(k, t);
  const moments = (net: string, s: MomentState) => {
    for (const [k, t] of s.m) named.set(`adam/${net}/m/${k}`, t);
    for (const [k, t] of s.v) named.set(`adam/${net}/v/${k}`, t);
  };
  moments("generator", c.adam.generator);
  if (c.adam.embedding) moments("embedding", c.adam.embedding);
  if (c.ema) for (const [k, t] of c.ema) named.set(`ema/${k}`, t);
  const { manifest, bytes } = await packTensors(named);
  const json: CheckpointManifest = {
    format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, spec: specToJson(c.spec), iteration: c.iteration, seed: c.seed, best: c.best,
    optimizers: { generator: { step: c.adam.generator.step }, embedding: c.adam.embedding ? { step: c.adam.embedding.step } : null },
    ema: c.ema !== null, tensors: manifest, createdAt: new Date().toISOString(), backend: c.backend,
  };
  await mkdir(dirname(dir), { recursive: true });
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${randomBytes(4).toString("hex")}`);
  await mkdir(tmp);
  try {
    await writeDurably(join(tmp, WEIGHTS_FILE), bytes);
    await writeDurably(join(tmp, MANIFEST_FILE), Buffer.from(JSON.stringify(json)));
    const previous = previousDir(dir);
    await rm(previous, { recursive: true, force: true });
    await rename(dir, previous).catch((err: NodeJS.ErrnoException) => { if (err.code !== "ENOENT") throw err; });
    await rename(tmp, dir);
    await rm(previous, { recursive: true, force: true });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function writeDurably(file: string, bytes: Buffer): Promise<void> {
  await writeFile(file, bytes);
  const handle = await open(file, "r");
  try { await handle.sync(); } finally { await handle.close(); }
}
