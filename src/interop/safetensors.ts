/**
 * The safetensors format (github.com/huggingface/safetensors): an 8-byte little-endian header
 * length, a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`,
 * then the tensors' bytes, little-endian, row-major. Read: F32, F16, BF16 and F64 (as float32);
 * written: F32, with the header padded to 8 bytes as the reference writer does.
 */
import { InteropError } from "./interop-error.js";
import { shapeText, sizeOf, type HostTensor, type HostTensors } from "./host-tensor.js";

const BYTES: Readonly<Record<string, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

/** A safetensors file's tensors (as float32) and its string metadata. */
export interface SafetensorsContent {
  readonly tensors: HostTensors;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Parses safetensors bytes; `file` names the source in errors. Tensors of other dtypes (integers, bool) are an error naming them. */
export function readSafetensors(bytes: Uint8Array, file: string): SafetensorsContent {
  if (bytes.byteLength < 8) throw new InteropError(`${file}: not a safetensors file (${bytes.byteLength} bytes, shorter than its 8-byte header length)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.byteLength - 8) throw new InteropError(`${file}: not a safetensors file (header length ${headerLength} runs past the end of the file)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  } catch {
    throw new InteropError(`${file}: not a safetensors file (its header is not JSON)`);
  }
  const data = bytes.subarray(8 + headerLength);
  const tensors = new Map<string, HostTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = String(e.dtype);
    if (!(dtype in BYTES)) throw new InteropError(`${file}: tensor '${name}' is ${dtype}; pcl-stream reads F32, F16, BF16 and F64 weights`);
    const shape = e.shape as number[], offsets = e.data_offsets as [number, number];
    if (!Array.isArray(shape) || !Array.isArray(offsets) || offsets.length !== 2) throw new InteropError(`${file}: tensor '${name}' has no shape or data_offsets in the header`);
    const count = sizeOf(shape);
    if (offsets[1] - offsets[0] !== count * BYTES[dtype] || offsets[1] > data.byteLength) {
      throw new InteropError(`${file}: tensor '${name}' ${dtype} ${shapeText(shape)} has data_offsets [${offsets.join(",")}], which do not fit its size or the file (${data.byteLength} data bytes)`);
    }
    tensors.set(name, { shape, values: toFloat32(data.subarray(offsets[0], offsets[1]), dtype, count) });
  }
  const meta = (header.__metadata__ ?? {}) as Record<string, unknown>;
  return { tensors, metadata: Object.fromEntries(Object.entries(meta).map(([k, v]) => [k, String(v)])) };
}

/** Little-endian `dtype` bytes as float32 values (a copy). */
export function toFloat32(raw: Uint8Array, dtype: string, count: number): Float32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(count);
  switch (dtype) {
    case "F32": for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true); break;
    case "F64": for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true); break;
    case "F16": for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true)); break;
    case "BF16": {
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      break;
    }
    default: throw new RangeError(`toFloat32: dtype ${dtype}`);
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f;

/** float32 values as little-endian bytes (a view when the machine is little-endian, else a copy). */
export function littleEndianBytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.byteLength);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1, exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Safetensors bytes holding `tensors` as F32 in map order, with string `metadata` (e.g. `{format: "pt"}`, which PyTorch loaders look for). */
export function writeSafetensors(tensors: HostTensors, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    if (t.values.length !== sizeOf(t.shape)) throw new RangeError(`writeSafetensors: '${name}' has ${t.values.length} values for shape ${shapeText(t.shape)}`);
    header[name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + 4 * t.values.length] };
    offset += 4 * t.values.length;
  }
  let text = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (text.byteLength % 8)) % 8;
  if (pad) text = new TextEncoder().encode(JSON.stringify(header) + " ".repeat(pad));
  const out = new Uint8Array(8 + text.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.byteLength), true);
  out.set(text, 8);
  let at = 8 + text.byteLength;
  for (const t of tensors.values()) { out.set(littleEndianBytes(t.values), at); at += t.values.byteLength; }
  return out;
}
