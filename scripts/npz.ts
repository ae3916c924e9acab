/**
 * Reads NumPy `.npz` archives of float64 arrays (a zip of `.npy` files, stored or deflated), as
 * `np.savez` writes them: enough for the NIQE model file, with no Python needed.
 *
 * ```ts
 * const arrays = readNpz(readFileSync("niqe_pris_params.npz"));
 * arrays.get("mu_pris_param"); // { shape: [1, 36], data: Float64Array(36) }, data in C (row-major) order
 * ```
 */
import { inflateRawSync } from "node:zlib";

/** One array: its shape and its values in C (row-major) order. */
export interface NpyArray {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

const LOCAL_HEADER = 0x04034b50;

/** Every `.npy` member of the archive, by name without the `.npy` extension. */
export function readNpz(bytes: Uint8Array): Map<string, NpyArray> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<string, NpyArray>();
  let at = 0;
  while (at + 30 <= bytes.length && view.getUint32(at, true) === LOCAL_HEADER) {
    const flags = view.getUint16(at + 6, true);
    const method = view.getUint16(at + 8, true);
    let size = view.getUint32(at + 18, true);
    const nameLength = view.getUint16(at + 26, true), extraLength = view.getUint16(at + 28, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 30, at + 30 + nameLength));
    if (flags & 0x8) throw new Error(`readNpz: ${name}: sizes in a data descriptor are not supported`);
    if (size === 0xffffffff) size = zip64CompressedSize(view, at + 30 + nameLength, extraLength, name);
    const start = at + 30 + nameLength + extraLength;
    const stored = bytes.subarray(start, start + size);
    if (method !== 0 && method !== 8) throw new Error(`readNpz: ${name}: compression method ${method} (expected 0, stored, or 8, deflate)`);
    const member = method === 8 ? new Uint8Array(inflateRawSync(stored)) : stored;
    if (name.endsWith(".npy")) out.set(name.slice(0, -4), readNpy(member, name));
    at = start + size;
  }
  if (out.size === 0) throw new Error("readNpz: no .npy members found (not an .npz archive?)");
  return out;
}

/** The compressed size from a zip64 extra field (id 1: uncompressed size, then compressed size). */
function zip64CompressedSize(view: DataView, at: number, length: number, name: string): number {
  for (let p = at; p + 4 <= at + length;) {
    const id = view.getUint16(p, true), size = view.getUint16(p + 2, true);
    if (id === 1) return Number(view.getBigUint64(p + 12, true));
    p += 4 + size;
  }
  throw new Error(`readNpz: ${name}: zip64 sizes without a zip64 extra field`);
}

/** One `.npy` file: little-endian float64 ('<f8'), C or Fortran order. */
export function readNpy(bytes: Uint8Array, name = "<npy>"): NpyArray {
  const magic = String.fromCharCode(...bytes.subarray(0, 6));
  if (magic !== "\x93NUMPY") throw new Error(`readNpy: ${name}: not an .npy file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr !== "<f8" || shapeText === undefined) throw new Error(`readNpy: ${name}: expected little-endian float64 ('<f8'), got header ${header.trim()}`);
  const shape = shapeText.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = headerStart + headerLength;
  const raw = new Float64Array(count);
  for (let i = 0; i < count; i++) raw[i] = view.getFloat64(start + 8 * i, true);
  return { shape, data: fortran ? fortranToC(raw, shape) : raw };
}

/** Reorders column-major values (first index fastest) into row-major order. */
function fortranToC(raw: Float64Array, shape: readonly number[]): Float64Array {
  const out = new Float64Array(raw.length);
  const index = new Array<number>(shape.length).fill(0);
  for (let f = 0; f < raw.length; f++) {
    let c = 0;
    for (let d = 0; d < shape.length; d++) c = c * shape[d] + index[d];
    out[c] = raw[f];
    for (let d = 0; d < shape.length && ++index[d] === shape[d]; d++) index[d] = 0;
  }
  return out;
}
