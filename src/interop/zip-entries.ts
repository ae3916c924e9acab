/**
 * The entries of a ZIP archive as PyTorch's `torch.save` writes them: stored (uncompressed), with
 * ZIP64 records when large. Reads the central directory only; nothing is decompressed or run.
 */
import { InteropError } from "./interop-error.js";

/** Entry name -> its bytes (views into `bytes`). */
export function zipEntries(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true), u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number) => Number(view.getBigUint64(at, true));
  let eocd = -1;
  for (let at = bytes.byteLength - 22; at >= Math.max(0, bytes.byteLength - 22 - 0xffff); at--) if (u32(at) === 0x06054b50) { eocd = at; break; }
  if (eocd < 0) throw new InteropError(`${file}: not a ZIP archive (no end-of-central-directory record): a truncated download, or not a file written by torch.save`);
  let count = u16(eocd + 10), dirOffset = u32(eocd + 16);
  if ((count === 0xffff || dirOffset === 0xffffffff) && eocd >= 20 && u32(eocd - 20) === 0x07064b50) {
    const zip64 = u64(eocd - 20 + 8);
    if (u32(zip64) !== 0x06064b50) throw new InteropError(`${file}: broken ZIP64 end-of-central-directory record`);
    count = u64(zip64 + 32);
    dirOffset = u64(zip64 + 48);
  }
  const out = new Map<string, Uint8Array>();
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.byteLength || u32(at) !== 0x02014b50) throw new InteropError(`${file}: broken ZIP central directory at entry ${i}`);
    const method = u16(at + 10), nameLength = u16(at + 28), extraLength = u16(at + 30), commentLength = u16(at + 32);
    let size = u32(at + 24), local = u32(at + 42);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    // ZIP64 extended information: the 64-bit values of the fields that read 0xffffffff, in order.
    for (let e = at + 46 + nameLength; e < at + 46 + nameLength + extraLength;) {
      const id = u16(e), length = u16(e + 2);
      if (id === 0x0001) {
        let f = e + 4;
        if (size === 0xffffffff) { size = u64(f); f += 8; }
        if (u32(at + 20) === 0xffffffff) f += 8;
        if (local === 0xffffffff) local = u64(f);
      }
      e += 4 + length;
    }
    if (method !== 0) throw new InteropError(`${file}: ZIP entry '${name}' is compressed (method ${method}); PyTorch writes its entries stored`);
    if (u32(local) !== 0x04034b50) throw new InteropError(`${file}: ZIP entry '${name}' has no local header`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    if (start + size > bytes.byteLength) throw new InteropError(`${file}: ZIP entry '${name}' runs past the end of the file (truncated download?)`);
    out.set(name, bytes.subarray(start, start + size));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return out;
}
