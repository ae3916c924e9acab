/** Named float32 tensors in one binary file plus a manifest (name, shape, offset in floats). */
import * as tf from "@tensorflow/tfjs-core";

export interface TensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** Offset in float32 elements from the start of the file. */
  readonly offset: number;
}

/**
 * Packs the tensors' values into one float32 buffer, in map order. Each tensor is read with
 * `await t.data()` (no synchronous device read), one at a time, so the host holds at most one
 * tensor's copy besides the packed buffer. The tensors must stay alive and unchanged until the
 * promise settles (the training loop awaits the checkpoint before its next step).
 */
export async function packTensors(named: ReadonlyMap<string, tf.Tensor>): Promise<{ manifest: TensorEntry[]; bytes: Buffer }> {
  const manifest: TensorEntry[] = [];
  let total = 0;
  for (const [name, t] of named) { manifest.push({ name, shape: t.shape, offset: total }); total += t.size; }
  const data = new Float32Array(total);
  let i = 0;
  for (const t of named.values()) { data.set(await t.data() as Float32Array, manifest[i].offset); i++; }
  return { manifest, bytes: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
}

/** Values by name, as Float32Arrays viewing one copy of the file. */
export function unpackTensors(manifest: readonly TensorEntry[], bytes: Buffer, file: string): Map<string, { shape: readonly number[]; values: Float32Array }> {
  const copy = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(copy.buffer).set(bytes);
  const out = new Map<string, { shape: readonly number[]; values: Float32Array }>();
  for (const e of manifest) {
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (e.offset + size > copy.length) throw new Error(`${file}: tensor '${e.name}' [${e.shape.join(",")}] runs past the end of the weights file`);
    out.set(e.name, { shape: e.shape, values: copy.subarray(e.offset, e.offset + size) });
  }
  return out;
}
