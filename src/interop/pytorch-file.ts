/**
 * PyTorch state dicts as `torch.save` writes them, read without running anything from the file:
 * the zip format (PyTorch >= 1.6: `<name>/data.pkl`, a pickle whose persistent ids name storages
 * `<name>/data/<key>`) and the legacy format (earlier releases, e.g. the official EDSR weights:
 * magic-number, protocol and system-info pickles, the object pickle, the storage keys, then each
 * storage as an int64 count and its bytes). Tensors are float32/64, float16 or bfloat16, little-endian.
 */
import { InteropError } from "./interop-error.js";
import { shapeText, sizeOf, type HostTensor, type HostTensors } from "./host-tensor.js";
import { toFloat32 } from "./safetensors.js";
import { unpickle, type PickleValue } from "./safe-unpickle.js";
import { zipEntries } from "./zip-entries.js";

const STORAGE_DTYPES: Readonly<Record<string, { dtype: string; bytes: number }>> = {
  FloatStorage: { dtype: "F32", bytes: 4 }, DoubleStorage: { dtype: "F64", bytes: 8 },
  HalfStorage: { dtype: "F16", bytes: 2 }, BFloat16Storage: { dtype: "BF16", bytes: 2 },
  LongStorage: { dtype: "I64", bytes: 8 }, IntStorage: { dtype: "I32", bytes: 4 }, ByteStorage: { dtype: "U8", bytes: 1 }, BoolStorage: { dtype: "BOOL", bytes: 1 },
};

interface Storage { readonly key: string; readonly dtype: string; readonly bytes: number }
class TorchTensor {
  constructor(readonly storage: Storage, readonly offset: number, readonly size: readonly number[], readonly stride: readonly number[]) {}
}

const rebuildTensor = (args: readonly PickleValue[]) => {
  const [storage, offset, size, stride] = args as [Storage, number, number[], number[]];
  return new TorchTensor(storage, offset, size, stride);
};

const GLOBALS = {
  "collections.OrderedDict": () => new Map(),
  "torch._utils._rebuild_tensor_v2": rebuildTensor,
  "torch._utils._rebuild_tensor": rebuildTensor,
  "torch._utils._rebuild_parameter": (args: readonly PickleValue[]) => args[0],
  "torch._utils._rebuild_parameter_with_state": (args: readonly PickleValue[]) => args[0],
  // storage types, also as a file saved from GPU tensors names them (torch.cuda.FloatStorage)
  ...Object.fromEntries(Object.keys(STORAGE_DTYPES).flatMap((k) => [[`torch.${k}`, null], [`torch.cuda.${k}`, null]])),
} as const;

function storageOf(type: PickleValue, key: string, file: string): Storage {
  const name = (type as { name?: string }).name?.replace(/^torch\.(cuda\.)?/, "") ?? "";
  const d = STORAGE_DTYPES[name];
  if (!d) throw new InteropError(`${file}: storage ${key} has type ${String(name)}`);
  return { key, ...d };
}

/** A PyTorch file's state dict as float32 tensors by key; `notes` says what was unwrapped (`{"params_ema": ...}`, `module.` prefixes). */
export function readPytorchFile(bytes: Uint8Array, file: string): { tensors: HostTensors; notes: string[] } {
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b;
  const { root, data } = isZip ? readZipFormat(bytes, file) : readLegacyFormat(bytes, file);
  return stateDict(root, file, (s) => {
    const raw = data(s);
    if (raw.byteLength % s.bytes !== 0) throw new InteropError(`${file}: storage ${s.key} has ${raw.byteLength} bytes, not a whole number of ${s.dtype}`);
    return raw;
  });
}

function readZipFormat(bytes: Uint8Array, file: string) {
  const entries = zipEntries(bytes, file);
  const pkl = [...entries.keys()].find((k) => /^[^/]+\/data\.pkl$/.test(k) || k === "data.pkl");
  if (!pkl) throw new InteropError(`${file}: a ZIP archive without data.pkl: not a file written by torch.save`);
  const prefix = pkl.slice(0, -"data.pkl".length);
  const order = entries.get(`${prefix}byteorder`);
  if (order && new TextDecoder().decode(order).trim() !== "little") throw new InteropError(`${file}: tensors are stored big-endian; pcl-stream reads little-endian files`);
  const { value } = unpickle(entries.get(pkl)!, 0, {
    file, globals: GLOBALS,
    persistentLoad: (pid) => {
      const [tag, type, key] = pid as [string, PickleValue, string];
      if (tag !== "storage") throw new InteropError(`${file}: persistent id '${String(tag)}', expected 'storage'`);
      return storageOf(type, String(key), file);
    },
  });
  return {
    root: value,
    data: (s: Storage) => {
      const raw = entries.get(`${prefix}data/${s.key}`);
      if (!raw) throw new InteropError(`${file}: storage ${s.key} is missing from the archive (${prefix}data/${s.key})`);
      return raw;
    },
  };
}

function readLegacyFormat(bytes: Uint8Array, file: string) {
  const none = { file, globals: {}, persistentLoad: () => { throw new InteropError(`${file}: unexpected storage reference`); } };
  let magic: PickleValue;
  let at: number;
  try {
    ({ value: magic, end: at } = unpickle(bytes, 0, none));
  } catch {
    throw new InteropError(`${file}: neither a ZIP archive nor a legacy PyTorch file: not written by torch.save`);
  }
  if (magic !== 0x1950a86a20f9469cfc6cn) throw new InteropError(`${file}: neither a ZIP archive nor a legacy PyTorch file (no magic number): not written by torch.save`);
  at = unpickle(bytes, at, none).end;      // protocol version
  at = unpickle(bytes, at, none).end;      // system info (little-endian is checked below through the storage sizes)
  const storages = new Map<string, Storage>();
  const main = unpickle(bytes, at, {
    file, globals: GLOBALS,
    persistentLoad: (pid) => {
      const [tag, type, key, , , view] = pid as [string, PickleValue, string, string, number, PickleValue];
      if (tag !== "storage") throw new InteropError(`${file}: persistent id '${String(tag)}', expected 'storage'`);
      if (view !== null && view !== undefined) throw new InteropError(`${file}: storage ${key} is a view (a PyTorch < 0.4 file); re-save it with a current PyTorch`);
      const s = storageOf(type, String(key), file);
      storages.set(s.key, s);
      return s;
    },
  });
  const keys = unpickle(bytes, main.end, none);
  const data = new Map<string, Uint8Array>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  at = keys.end;
  for (const key of keys.value as string[]) {
    const s = storages.get(key);
    if (!s || at + 8 > bytes.byteLength) throw new InteropError(`${file}: storage ${key} is missing or the file is truncated`);
    const n = Number(view.getBigInt64(at, true)) * s.bytes;
    if (at + 8 + n > bytes.byteLength) throw new InteropError(`${file}: storage ${key} runs past the end of the file (truncated download?)`);
    data.set(key, bytes.subarray(at + 8, at + 8 + n));
    at += 8 + n;
  }
  return { root: main.value, data: (s: Storage) => data.get(s.key)! };
}

const WRAPPERS = ["params_ema", "params", "state_dict", "model", "model_state_dict", "generator", "net_g", "netG"];

function stateDict(root: PickleValue, file: string, data: (s: Storage) => Uint8Array): { tensors: HostTensors; notes: string[] } {
  const notes: string[] = [];
  if (!(root instanceof Map)) throw new InteropError(`${file}: holds ${Array.isArray(root) ? "a list" : typeof root}, not a state dict (a dict of tensors)`);
  let dict = root as Map<PickleValue, PickleValue>;
  const isTensorDict = (m: Map<PickleValue, PickleValue>) => m.size > 0 && [...m.values()].every((v) => v instanceof TorchTensor);
  if (!isTensorDict(dict)) {
    const key = WRAPPERS.find((k) => dict.get(k) instanceof Map && isTensorDict(dict.get(k) as Map<PickleValue, PickleValue>));
    if (!key) {
      const keys = [...dict.keys()].slice(0, 8).map(String);
      throw new InteropError(`${file}: not a state dict: its top-level keys (${keys.join(", ")}${dict.size > 8 ? ", ..." : ""}) are not all tensors, and none of ${WRAPPERS.join(", ")} holds one`);
    }
    notes.push(`read the state dict under '${key}'`);
    dict = dict.get(key) as Map<PickleValue, PickleValue>;
  }
  const strip = [...dict.keys()].map(String).every((k) => k.startsWith("module."));
  if (strip) notes.push("removed the 'module.' prefix (a DataParallel save)");
  const tensors = new Map<string, HostTensor>();
  for (const [k, v] of dict) {
    const t = v as TorchTensor;
    const name = strip ? String(k).slice("module.".length) : String(k);
    if (!["F32", "F64", "F16", "BF16"].includes(t.storage.dtype)) throw new InteropError(`${file}: tensor '${name}' is ${t.storage.dtype}, not a floating-point weight`);
    tensors.set(name, materialize(t, data(t.storage), name, file));
  }
  return { tensors, notes };
}

/** The tensor's values in row-major order, following its strides into the storage. */
function materialize(t: TorchTensor, raw: Uint8Array, name: string, file: string): HostTensor {
  const count = sizeOf(t.size);
  const contiguous = t.size.every((_, d) => t.size[d] === 1 || t.stride[d] === sizeOf(t.size.slice(d + 1)));
  if (contiguous) {
    const begin = t.offset * t.storage.bytes, end = (t.offset + count) * t.storage.bytes;
    if (end > raw.byteLength) throw new InteropError(`${file}: tensor '${name}' ${shapeText(t.size)} reads past its storage`);
    return { shape: [...t.size], values: toFloat32(raw.subarray(begin, end), t.storage.dtype, count) };
  }
  const storage = toFloat32(raw, t.storage.dtype, raw.byteLength / t.storage.bytes);
  const out = new Float32Array(count);
  const rank = t.size.length;
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < count; i++) {
    let at = t.offset;
    for (let d = 0; d < rank; d++) at += index[d] * t.stride[d];
    if (at >= storage.length) throw new InteropError(`${file}: tensor '${name}' ${shapeText(t.size)} reads past its storage`);
    out[i] = storage[at];
    for (let d = rank - 1; d >= 0; d--) { if (++index[d] < t.size[d]) break; index[d] = 0; }
  }
  return { shape: [...t.size], values: out };
}
