/**
 * `importWeights`: a reference EDSR / RCAN / HAN state dict (PyTorch or safetensors) into a
 * pcl-stream checkpoint for a graph whose generator is built the same way, written with the
 * checkpoint module's save API (generator weights only: no embedding, optimizer state or EMA, so
 * `train --init` starts a run from it and `eval` / `upscale` run it).
 */
import { existsSync } from "node:fs";
import * as tf from "@tensorflow/tfjs-core";
import { backendInUse } from "../backend/select.js";
import { saveCheckpoint } from "../checkpoint/save.js";
import { compileGenerator } from "../compile/network.js";
import type { PclSpec } from "../dsl/index.js";
import { InteropError } from "./interop-error.js";
import { fromReference } from "./reference-weights.js";
import type { ReferenceArch } from "./reference-layout.js";
import { readWeightsFile } from "./weights-file.js";

/** `importWeights`' options. */
export interface ImportWeightsOptions {
  /** The images' range the weights were trained on (255 for the EDSR-PyTorch family); default: read from the file's sub_mean / add_mean, which must agree when both are given. */
  readonly rgbRange?: number;
  /** Replace a checkpoint already at `out` (default false: refused). */
  readonly overwrite?: boolean;
}

/** What `importWeights` read and wrote. */
export interface ImportedWeights {
  /** The checkpoint folder written. */
  readonly dir: string;
  /** How the file was read. */
  readonly format: "safetensors" | "pytorch";
  /** The reference architecture the graph (and so the file) is. */
  readonly arch: ReferenceArch;
  /** The image range the file's weights work on (from its mean shift, or the option). */
  readonly rgbRange: number;
  /** Tensors mapped onto the graph, and their values in all. */
  readonly tensors: number;
  readonly parameters: number;
  /** What the reader unwrapped (a `params_ema` dict, `module.` prefixes). */
  readonly notes: readonly string[];
}

/**
 * Imports the reference state dict `file` as the generator of `spec` into a checkpoint folder `out`.
 *
 * ```ts
 * import { importWeights } from "pcl-stream/serve";
 * await importWeights("edsr_baseline_x4.pt", edsrSpec, "ckpt/edsr-baseline");
 * ```
 *
 * @throws InteropError when the file cannot be read, or its keys, shapes or mean shift do not fit
 *   the graph (all the differences in one message); Error when `out` exists and `overwrite` is not set.
 */
export async function importWeights(file: string, spec: PclSpec, out: string, options: ImportWeightsOptions = {}): Promise<ImportedWeights> {
  if (options.rgbRange !== undefined && !(options.rgbRange > 0)) throw new RangeError(`importWeights: rgbRange must be a positive number, got ${options.rgbRange}`);
  if (existsSync(out) && !options.overwrite) throw new InteropError(`${out} already exists; choose another output folder or pass overwrite (--overwrite) to replace it`);
  const read = await readWeightsFile(file);
  const backend = await backendInUse("inference");
  const g = compileGenerator(spec.generator, spec.train.seed);
  try {
    const shapes = new Map([...g.variables].map(([k, v]) => [k, v.shape]));
    const mapped = fromReference(read.tensors, spec.generator, shapes, { file, ...(options.rgbRange === undefined ? {} : { rgbRange: options.rgbRange }) });
    for (const [path, v] of g.variables) tf.tidy(() => v.assign(tf.tensor(mapped.weights.get(path)!.values, v.shape)));
    await saveCheckpoint(out, {
      spec, iteration: 0, seed: spec.train.seed, best: null, backend: backend.name,
      generator: g.variables, embedding: null,
      adam: { generator: { step: 0, m: new Map(), v: new Map() }, embedding: null }, ema: null,
    });
    const parameters = [...g.variables.values()].reduce((s, v) => s + v.size, 0);
    return { dir: out, format: read.format, arch: mapped.arch, rgbRange: mapped.rgbRange, tensors: mapped.weights.size, parameters, notes: read.notes };
  } finally {
    g.dispose();
  }
}
