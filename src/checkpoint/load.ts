/** Reads checkpoints: whole (to resume training) or the generator alone (for inference). */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { compileGenerator } from "../compile/network.js";
import type { PclSpec } from "../dsl/index.js";
import { generatorUpscaler } from "../model/generator-upscaler.js";
import type { Upscaler } from "../model/upscaler.js";
import { checkManifest, checkWeights, foreignHint } from "./check-manifest.js";
import { MANIFEST_FILE, WEIGHTS_FILE, type CheckpointManifest } from "./format.js";
import { previousDir } from "./save.js";
import { CheckpointError, specFromJson } from "./spec-json.js";
import { unpackTensors } from "./tensor-file.js";

export interface LoadedCheckpoint {
  readonly dir: string;
  readonly manifest: CheckpointManifest;
  readonly spec: PclSpec;
  readonly values: ReadonlyMap<string, { readonly shape: readonly number[]; readonly values: Float32Array }>;
}

/** The directory that holds the checkpoint: `dir`, or its moved-aside copy after a cut swap. */
function locate(dir: string): string {
  if (existsSync(join(dir, MANIFEST_FILE))) return dir;
  const previous = previousDir(dir);
  if (existsSync(join(previous, MANIFEST_FILE))) return previous;
  if (!existsSync(dir)) throw new CheckpointError(`${dir}: no such checkpoint folder`);
  const hint = existsSync(join(dir, "latest", MANIFEST_FILE)) || existsSync(join(dir, ".latest.previous", MANIFEST_FILE))
    ? ` (did you mean ${join(dir, "latest")} or ${join(dir, "best")}?)` : foreignHint(dir);
  throw new CheckpointError(`${dir}: not a pcl-stream checkpoint (no ${MANIFEST_FILE})${hint}`);
}

/**
 * A checkpoint's manifest and spec, without its weights. The manifest is checked (format, version,
 * its recorded SHA-256, its fields): a CheckpointError names the file and what is wrong.
 */
export async function readCheckpointManifest(dir: string): Promise<Omit<LoadedCheckpoint, "values">> {
  const at = locate(dir);
  const file = join(at, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new CheckpointError(`${file}: unreadable (${err instanceof Error ? err.message : String(err)})`);
  }
  const manifest = checkManifest(text, file);
  return { dir: at, manifest, spec: specFromJson(manifest.spec, file) };
}

/** The whole checkpoint; weights.bin is checked against the size and SHA-256 its manifest records. */
export async function readCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const { dir: at, manifest, spec } = await readCheckpointManifest(dir);
  const weightsFile = join(at, WEIGHTS_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFile(weightsFile);
  } catch (err) {
    throw new CheckpointError(`${weightsFile}: unreadable (${(err as NodeJS.ErrnoException).code === "ENOENT" ? `missing; ${MANIFEST_FILE} is there` : err instanceof Error ? err.message : String(err)})`);
  }
  checkWeights(manifest, bytes, weightsFile);
  const values = unpackTensors(manifest.tensors, bytes, weightsFile);
  return { dir: at, manifest, spec, values };
}

/** Assigns `prefix + path` values to each variable; every variable must be present with its shape. */
export function assignVariables(variables: ReadonlyMap<string, tf.Variable>, ck: LoadedCheckpoint, prefix = ""): void {
  for (const [path, v] of variables) {
    const entry = ck.values.get(prefix + path);
    if (!entry) throw new CheckpointError(`${ck.dir}: no tensor '${prefix + path}' for the graph's weight ${path}`);
    if (entry.shape.length !== v.shape.length || entry.shape.some((d, i) => d !== v.shape[i])) {
      throw new CheckpointError(`${ck.dir}: tensor '${prefix + path}' is [${entry.shape.join(",")}], the graph needs [${v.shape.join(",")}]`);
    }
    tf.tidy(() => v.assign(tf.tensor(entry.values, [...entry.shape])));
  }
}

/** Tensors saved under `prefix`, keyed by the rest of their name (kept; the caller disposes). */
export function tensorsUnder(ck: LoadedCheckpoint, prefix: string): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name, e] of ck.values) if (name.startsWith(prefix)) out.set(name.slice(prefix.length), tf.tensor(e.values, [...e.shape]));
  return out;
}

/** The generator for inference: EMA weights when the checkpoint has them, else the trained weights. */
export async function loadCheckpointUpscaler(dir: string): Promise<Upscaler> {
  const ck = await readCheckpoint(dir);
  const g = compileGenerator(ck.spec.generator, ck.manifest.seed);
  try {
    assignVariables(g.variables, ck, ck.manifest.ema ? "ema/" : "");
  } catch (err) {
    g.dispose();
    throw err;
  }
  return generatorUpscaler(g, ck.spec.generator, ck.spec.scale, `${ck.spec.name}@${ck.manifest.iteration}`);
}
