/**
 * Writes a checkpoint directory atomically: everything goes to a temp directory beside it (each
 * file and the directory fsynced), then the old directory is moved aside, the new one renamed into
 * place, the parent directory fsynced, and the old one removed. A crash (kill -9, power loss)
 * leaves either the old or the new checkpoint whole: `readCheckpoint` also looks at the moved-aside
 * copy if the swap was cut between its two renames, and the next save puts that copy back before
 * it touches anything, and removes temp directories a killed writer left behind.
 * The manifest records weights.bin's size and SHA-256, and its own SHA-256 (see checksum.ts).
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, open, readdir, rename, rm, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type * as tf from "@tensorflow/tfjs-core";
import type { PclSpec } from "../dsl/index.js";
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, MANIFEST_FILE, WEIGHTS_FILE, type BestValidation, type CheckpointManifest } from "./format.js";
import { manifestDigest, sha256 } from "./checksum.js";
import { specToJson } from "./spec-json.js";
import { packTensors } from "./tensor-file.js";
import { checkpointStage } from "./write-pause.js";

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
  const unsummed: CheckpointManifest = {
    format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, spec: specToJson(c.spec), iteration: c.iteration, seed: c.seed, best: c.best,
    optimizers: { generator: { step: c.adam.generator.step }, embedding: c.adam.embedding ? { step: c.adam.embedding.step } : null },
    ema: c.ema !== null, tensors: manifest, createdAt: new Date().toISOString(), backend: c.backend,
    weightsBytes: bytes.byteLength, weightsSha256: sha256(bytes),
  };
  const json: CheckpointManifest = { ...unsummed, manifestSha256: manifestDigest(unsummed) };
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  await removeStaleTemps(dir);
  const tmp = join(parent, `${tempPrefix(dir)}${randomBytes(4).toString("hex")}`);
  await mkdir(tmp);
  try {
    await writeDurably(join(tmp, WEIGHTS_FILE), bytes, () => checkpointStage(dir, "weights-partial"));
    await checkpointStage(dir, "weights");
    await writeDurably(join(tmp, MANIFEST_FILE), Buffer.from(JSON.stringify(json)));
    await syncDir(tmp);
    await checkpointStage(dir, "manifest");
    const previous = previousDir(dir);
    // A swap cut between its renames left the only whole copy aside: put it back first.
    if (!existsSync(dir) && existsSync(previous)) await rename(previous, dir);
    await rm(previous, { recursive: true, force: true });
    await rename(dir, previous).catch((err: NodeJS.ErrnoException) => { if (err.code !== "ENOENT") throw err; });
    await checkpointStage(dir, "moved-aside");
    await rename(tmp, dir);
    await syncDir(parent);
    await checkpointStage(dir, "swapped");
    await rm(previous, { recursive: true, force: true });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** The temp directories of `dir`'s writes: `.<name>.tmp-<random>` beside it. */
const tempPrefix = (dir: string): string => `.${basename(dir)}.tmp-`;

/** Removes temp directories of `dir` that a killed writer left (one run writes a folder at a time). */
async function removeStaleTemps(dir: string): Promise<void> {
  const prefix = tempPrefix(dir);
  for (const name of await readdir(dirname(dir))) {
    if (name.startsWith(prefix)) await rm(join(dirname(dir), name), { recursive: true, force: true });
  }
}

/** Writes, fsyncs and closes `file`; `halfway` (the test hook) runs with half of the bytes written. */
async function writeDurably(file: string, bytes: Buffer, halfway?: () => Promise<void>): Promise<void> {
  const handle = await open(file, "w");
  try {
    const half = bytes.byteLength >> 1;
    await writeAll(handle, bytes, 0, half);
    await halfway?.();
    await writeAll(handle, bytes, half, bytes.byteLength);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: FileHandle, bytes: Buffer, from: number, to: number): Promise<void> {
  for (let at = from; at < to;) at += (await handle.write(bytes, at, to - at, at)).bytesWritten;
}

/** fsyncs a directory, so the names created or renamed in it survive a power loss. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try { await handle.sync(); } finally { await handle.close(); }
}
