/**
 * An event-file reader written apart from src/tensorboard, for the tests: TFRecord framing with both
 * masked CRC-32Cs checked (a bit-by-bit CRC, not the writer's table), and the protobuf wire format
 * decoded by hand for the fields TensorBoard reads (Event, Summary.Value: simple_value, image, tensor).
 */
import { readFileSync } from "node:fs";

function crc32cBitwise(bytes: Uint8Array): number {
  let c = ~0 >>> 0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0x82f63b78 & -(c & 1));
  }
  return ~c >>> 0;
}
const mask = (c: number) => (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;

/** The records of a TFRecord file; throws naming the record and which CRC failed. */
export function readRecords(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) throw new Error(`record ${records.length}: truncated header`);
    const length = Number(view.getBigUint64(at, true));
    if (view.getUint32(at + 8, true) !== mask(crc32cBitwise(bytes.subarray(at, at + 8)))) throw new Error(`record ${records.length}: bad length CRC`);
    const data = bytes.subarray(at + 12, at + 12 + length);
    if (at + 16 + length > bytes.length) throw new Error(`record ${records.length}: truncated data`);
    if (view.getUint32(at + 12 + length, true) !== mask(crc32cBitwise(data))) throw new Error(`record ${records.length}: bad data CRC`);
    records.push(data);
    at += 16 + length;
  }
  return records;
}

type Field = { n: number; wire: number; int?: bigint; bytes?: Uint8Array; f64?: number; f32?: number };

function fields(buf: Uint8Array): Field[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Field[] = [];
  let i = 0;
  const varint = () => {
    let v = 0n, shift = 0n;
    for (;;) {
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (!(b & 0x80)) return v;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const n = key >> 3, wire = key & 7;
    if (wire === 0) out.push({ n, wire, int: varint() });
    else if (wire === 1) { out.push({ n, wire, f64: view.getFloat64(i, true) }); i += 8; }
    else if (wire === 2) { const len = Number(varint()); out.push({ n, wire, bytes: buf.subarray(i, i + len) }); i += len; }
    else if (wire === 5) { out.push({ n, wire, f32: view.getFloat32(i, true) }); i += 4; }
    else throw new Error(`unknown wire type ${wire}`);
  }
  return out;
}

export type ReadValue =
  | { tag: string; kind: "scalar"; value: number }
  | { tag: string; kind: "image"; width: number; height: number; colorspace: number; png: Uint8Array }
  | { tag: string; kind: "text"; plugin: string; text: string };
export interface ReadEvent { wallTime: number; step: number; fileVersion?: string; values: ReadValue[] }

const utf8 = (b: Uint8Array) => new TextDecoder().decode(b);

function value(buf: Uint8Array): ReadValue {
  const f = fields(buf);
  const tag = utf8(f.find((x) => x.n === 1)!.bytes!);
  const simple = f.find((x) => x.n === 2);
  if (simple) return { tag, kind: "scalar", value: simple.f32! };
  const image = f.find((x) => x.n === 4);
  if (image) {
    const g = fields(image.bytes!);
    const int = (n: number) => Number(g.find((x) => x.n === n)?.int ?? 0n);
    return { tag, kind: "image", height: int(1), width: int(2), colorspace: int(3), png: g.find((x) => x.n === 4)!.bytes! };
  }
  const tensor = f.find((x) => x.n === 8);
  if (!tensor) throw new Error(`value ${tag}: no simple_value, image or tensor`);
  const meta = fields(f.find((x) => x.n === 9)!.bytes!);
  const plugin = utf8(fields(meta.find((x) => x.n === 1)!.bytes!).find((x) => x.n === 1)!.bytes!);
  const t = fields(tensor.bytes!);
  if (Number(t.find((x) => x.n === 1)!.int) !== 7) throw new Error(`value ${tag}: tensor is not DT_STRING`);
  return { tag, kind: "text", plugin, text: utf8(t.find((x) => x.n === 8)!.bytes!) };
}

export function decodeEvent(buf: Uint8Array): ReadEvent {
  const f = fields(buf);
  const fv = f.find((x) => x.n === 3);
  const summary = f.find((x) => x.n === 5);
  return {
    wallTime: f.find((x) => x.n === 1)?.f64 ?? 0,
    step: Number(f.find((x) => x.n === 2)?.int ?? 0n),
    ...(fv ? { fileVersion: utf8(fv.bytes!) } : {}),
    values: summary ? fields(summary.bytes!).filter((x) => x.n === 1).map((x) => value(x.bytes!)) : [],
  };
}

export const readEventFile = (file: string): ReadEvent[] => readRecords(readFileSync(file)).map(decodeEvent);

/** Every scalar with `tag`, as [step, value] in file order. */
export const scalars = (events: readonly ReadEvent[], tag: string): [number, number][] =>
  events.flatMap((e) => e.values.flatMap((v) => (v.tag === tag && v.kind === "scalar" ? [[e.step, v.value] as [number, number]] : [])));
