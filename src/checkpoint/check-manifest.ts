/**
 * What a checkpoint folder's files must be before anything is taken from them: checkpoint.json a
 * pcl-stream manifest of a version this code reads, unedited (its recorded SHA-256), with well-formed
 * fields; weights.bin exactly the size and SHA-256 the manifest records. Each failure is a
 * CheckpointError naming the file and what is wrong with it.
 */
import { readdirSync } from "node:fs";
import { manifestDigest, sha256 } from "./checksum.js";
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, MANIFEST_FILE, OLDEST_CHECKPOINT_VERSION, type CheckpointManifest } from "./format.js";
import { CheckpointError } from "./spec-json.js";

const isInt = (v: unknown, min = 0): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= min;

/** The manifest parsed from `text` (the contents of `file`), checked; throws CheckpointError. */
export function checkManifest(text: string, file: string): CheckpointManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CheckpointError(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)}); the file is truncated or corrupted`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new CheckpointError(`${file}: expected a JSON object, got ${Array.isArray(raw) ? "an array" : typeof raw}`);
  const m = raw as Record<string, unknown>;
  if (m.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`${file}: format '${String(m.format)}', expected '${CHECKPOINT_FORMAT}' (not a pcl-stream checkpoint)`);
  }
  if (!isInt(m.version, 1)) throw new CheckpointError(`${file}: 'version' is ${JSON.stringify(m.version)}, expected an integer from ${OLDEST_CHECKPOINT_VERSION}`);
  if (m.version > CHECKPOINT_VERSION) {
    throw new CheckpointError(`${file}: version ${m.version} was written by a newer pcl-stream; this one reads versions ${OLDEST_CHECKPOINT_VERSION} to ${CHECKPOINT_VERSION}`);
  }
  if (m.version >= 2) {
    if (typeof m.manifestSha256 !== "string") throw new CheckpointError(`${file}: no 'manifestSha256' (a version ${m.version} checkpoint records one); the file was edited or corrupted`);
    const digest = manifestDigest(m);
    if (digest !== m.manifestSha256) {
      throw new CheckpointError(`${file}: its contents do not match the SHA-256 recorded in it (${m.manifestSha256.slice(0, 12)}..., the contents give ${digest.slice(0, 12)}...): the file was edited or corrupted`);
    }
    if (!isInt(m.weightsBytes)) throw new CheckpointError(`${file}: 'weightsBytes' is ${JSON.stringify(m.weightsBytes)}, expected a byte count`);
    if (typeof m.weightsSha256 !== "string" || !/^[0-9a-f]{64}$/.test(m.weightsSha256)) throw new CheckpointError(`${file}: 'weightsSha256' is ${JSON.stringify(m.weightsSha256)}, expected 64 hex digits`);
  }
  if (!isInt(m.iteration)) throw new CheckpointError(`${file}: 'iteration' is ${JSON.stringify(m.iteration)}, expected an integer >= 0`);
  if (typeof m.seed !== "number" || !Number.isSafeInteger(m.seed)) throw new CheckpointError(`${file}: 'seed' is ${JSON.stringify(m.seed)}, expected an integer`);
  const opt = m.optimizers as { generator?: { step?: unknown }; embedding?: { step?: unknown } | null } | undefined;
  if (!opt || !isInt(opt.generator?.step) || (opt.embedding !== null && !isInt(opt.embedding?.step))) {
    throw new CheckpointError(`${file}: 'optimizers' is ${JSON.stringify(opt)}, expected { generator: { step }, embedding: { step } | null }`);
  }
  if (!Array.isArray(m.tensors)) throw new CheckpointError(`${file}: 'tensors' is ${typeof m.tensors}, expected the list of tensors in the weights file`);
  for (const [i, e] of (m.tensors as unknown[]).entries()) {
    const t = e as { name?: unknown; shape?: unknown; offset?: unknown } | null;
    if (!t || typeof t.name !== "string" || !Array.isArray(t.shape) || !t.shape.every((d) => isInt(d)) || !isInt(t.offset)) {
      throw new CheckpointError(`${file}: tensors[${i}] is ${JSON.stringify(e)}, expected { name, shape: [integers], offset: integer }`);
    }
  }
  return m as unknown as CheckpointManifest;
}

/** Checks weights.bin's bytes against the manifest: size (v2: recorded; v1: what the tensors need) and SHA-256 (v2). */
export function checkWeights(manifest: CheckpointManifest, bytes: Buffer, file: string): void {
  const needed = 4 * manifest.tensors.reduce((end, e) => Math.max(end, e.offset + e.shape.reduce((a, b) => a * b, 1)), 0);
  const expected = manifest.weightsBytes ?? needed;
  if (bytes.byteLength !== expected) {
    throw new CheckpointError(`${file}: ${bytes.byteLength} bytes, but ${MANIFEST_FILE} records ${expected}: the file is ${bytes.byteLength < expected ? "truncated" : "longer than written"} (corrupted)`);
  }
  if (expected < needed) throw new CheckpointError(`${file}: ${MANIFEST_FILE}'s tensors need ${needed} bytes, it records ${expected}`);
  if (manifest.weightsSha256 !== undefined) {
    const digest = sha256(bytes);
    if (digest !== manifest.weightsSha256) {
      throw new CheckpointError(`${file}: SHA-256 ${digest.slice(0, 12)}... does not match the ${manifest.weightsSha256.slice(0, 12)}... recorded in ${MANIFEST_FILE}: the weights were changed or corrupted`);
    }
  }
}

/** What a folder without checkpoint.json holds instead, when it looks like another tool's model. */
export function foreignHint(dir: string): string {
  let names: string[];
  try { names = readdirSync(dir); } catch { return ""; }
  const known: [RegExp, string][] = [
    [/^model\.json$/, "a TensorFlow.js model (model.json)"], [/\.(pth|pt|ckpt)$/, "a PyTorch file"], [/\.onnx$/, "an ONNX model"],
    [/\.safetensors$/, "a safetensors file"], [/\.(h5|keras)$/, "a Keras model"], [/^saved_model\.pb$/, "a TensorFlow SavedModel"],
  ];
  for (const [re, what] of known) {
    const hit = names.find((n) => re.test(n));
    if (hit) return `; it holds ${what}: ${hit}, which pcl-stream does not read as a checkpoint`;
  }
  return "";
}
