/**
 * A striped, uncompressed TIFF written row by row: how a huge upscaled image reaches the disk
 * without ever being whole in memory. The pixel rows are appended as they come (one strip every
 * few rows), the directory (IFD) goes after them, and the header's pointer to it is patched last.
 * Images whose pixels pass 4 GB are written as BigTIFF (64-bit offsets), which libtiff, and so
 * sharp/libvips, reads back with sequential access, strip by strip.
 */
import { open, type FileHandle } from "node:fs/promises";
import type { BitDepth, ChannelCount } from "./image.js";

/** The shape of the image a `TiffRowWriter` writes. */
export interface TiffRowsInfo {
  readonly width: number;
  readonly height: number;
  readonly channels: ChannelCount;
  readonly bitDepth: BitDepth;
}

/** Classic TIFF offsets are 32-bit; above this many pixel bytes (with room for the directory) BigTIFF is used. */
const CLASSIC_LIMIT = 2 ** 32 - 2 ** 24;
/** Rows per strip are picked so one strip holds about this many bytes. */
const STRIP_BYTES = 2 ** 20;
/** Pixel data starts here, after the (BigTIFF-sized) header. */
const DATA_START = 16;

const SHORT = 3, LONG = 4, LONG8 = 16;

interface Entry { readonly tag: number; readonly type: number; readonly values: readonly number[] }

/** Bytes of one value of a TIFF field type. */
const typeSize = (type: number): number => (type === SHORT ? 2 : type === LONG ? 4 : 8);

/**
 * The directory (IFD) and the values too long to sit in it, laid out from byte `at` of the file.
 * Entries must be sorted by tag. Little-endian, classic (12-byte entries, 4-byte inline values) or
 * BigTIFF (20-byte entries, 8-byte inline values).
 */
function directory(entries: readonly Entry[], at: number, big: boolean): Buffer {
  const entrySize = big ? 20 : 12, inline = big ? 8 : 4, countSize = big ? 8 : 2, nextSize = big ? 8 : 4;
  const headSize = countSize + entries.length * entrySize + nextSize;
  const outOfLine = entries.reduce((n, e) => { const b = e.values.length * typeSize(e.type); return b > inline ? n + b + (b & 1) : n; }, 0);
  const buf = Buffer.alloc(headSize + outOfLine);
  const putUint = (value: number, offset: number, size: number): void => {
    if (size === 2) buf.writeUInt16LE(value, offset);
    else if (size === 4) buf.writeUInt32LE(value, offset);
    else buf.writeBigUInt64LE(BigInt(value), offset);
  };
  putUint(entries.length, 0, countSize);
  let extra = headSize;
  entries.forEach((e, i) => {
    const p = countSize + i * entrySize;
    buf.writeUInt16LE(e.tag, p);
    buf.writeUInt16LE(e.type, p + 2);
    putUint(e.values.length, p + 4, big ? 8 : 4);
    const size = typeSize(e.type), bytes = e.values.length * size;
    let dst = p + (big ? 12 : 8);
    if (bytes > inline) {
      putUint(at + extra, dst, inline);
      dst = extra;
      extra += bytes + (bytes & 1);
    }
    for (const v of e.values) { putUint(v, dst, size); dst += size; }
  });
  putUint(0, countSize + entries.length * entrySize, nextSize);
  return buf;
}

/**
 * Writes an uncompressed TIFF from rows given top to bottom: `write(rows)` appends whole rows
 * (interleaved samples, 8-bit in a Uint8Array, 16-bit in a Uint16Array, little-endian), `finish()`
 * writes the directory once all `height` rows are in. Gray is MinIsBlack, 2 and 4 channels carry
 * unassociated alpha. `abort()` closes the file without finishing it (the caller removes it).
 */
export class TiffRowWriter {
  private rowsWritten = 0;
  private position = DATA_START;
  private readonly rowBytes: number;
  private readonly big: boolean;

  private constructor(private readonly handle: FileHandle, readonly file: string, readonly info: TiffRowsInfo, options: { readonly bigTiff?: boolean }) {
    this.rowBytes = info.width * info.channels * (info.bitDepth / 8);
    this.big = options.bigTiff ?? this.rowBytes * info.height > CLASSIC_LIMIT;
  }

  /** Creates (truncates) `file` and writes the header. `bigTiff` forces the 64-bit layout (default: only when needed). */
  static async create(file: string, info: TiffRowsInfo, options: { readonly bigTiff?: boolean } = {}): Promise<TiffRowWriter> {
    const { width, height, channels, bitDepth } = info;
    if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) throw new RangeError(`TiffRowWriter: bad size ${width}x${height}`);
    if (![1, 2, 3, 4].includes(channels) || (bitDepth !== 8 && bitDepth !== 16)) throw new RangeError(`TiffRowWriter: ${channels} channels at ${bitDepth} bits (expected 1 to 4 channels, 8 or 16 bits)`);
    const handle = await open(file, "w");
    const writer = new TiffRowWriter(handle, file, info, options);
    try {
      const header = Buffer.alloc(DATA_START);
      header.write("II", 0, "latin1");
      if (writer.big) { header.writeUInt16LE(43, 2); header.writeUInt16LE(8, 4); header.writeUInt16LE(0, 6); } else header.writeUInt16LE(42, 2);
      await handle.write(header, 0, header.length, 0);
    } catch (err) {
      await handle.close();
      throw err;
    }
    return writer;
  }

  /** Rows written so far. */
  get rows(): number {
    return this.rowsWritten;
  }

  /** Appends whole rows (`data.length` must be a multiple of one row's samples). */
  async write(data: Uint8Array | Uint16Array): Promise<void> {
    const expected = this.info.bitDepth === 16 ? Uint16Array : Uint8Array;
    if (!(data instanceof expected)) throw new TypeError(`TiffRowWriter.write: expected a ${expected.name} for ${this.info.bitDepth}-bit samples`);
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (bytes.length % this.rowBytes !== 0) throw new RangeError(`TiffRowWriter.write: ${bytes.length} bytes is not a whole number of ${this.rowBytes}-byte rows`);
    const rows = bytes.length / this.rowBytes;
    if (this.rowsWritten + rows > this.info.height) throw new RangeError(`TiffRowWriter.write: ${this.rowsWritten + rows} rows written, the image has ${this.info.height}`);
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, this.position);
      done += bytesWritten;
      this.position += bytesWritten;
    }
    this.rowsWritten += rows;
  }

  /** Writes the directory and closes the file; every row must have been written. */
  async finish(): Promise<void> {
    const { width, height, channels, bitDepth } = this.info;
    try {
      if (this.rowsWritten !== height) throw new RangeError(`TiffRowWriter.finish: ${this.rowsWritten} of ${height} rows written`);
      const rowsPerStrip = Math.max(1, Math.min(height, Math.floor(STRIP_BYTES / this.rowBytes)));
      const strips = Math.ceil(height / rowsPerStrip);
      const offsets: number[] = [], counts: number[] = [];
      for (let s = 0; s < strips; s++) {
        offsets.push(DATA_START + s * rowsPerStrip * this.rowBytes);
        counts.push(Math.min(rowsPerStrip, height - s * rowsPerStrip) * this.rowBytes);
      }
      const offsetType = this.big ? LONG8 : LONG;
      const alpha = channels === 2 || channels === 4;
      const entries: Entry[] = [
        { tag: 256, type: LONG, values: [width] },
        { tag: 257, type: LONG, values: [height] },
        { tag: 258, type: SHORT, values: new Array<number>(channels).fill(bitDepth) },
        { tag: 259, type: SHORT, values: [1] }, // no compression
        { tag: 262, type: SHORT, values: [channels <= 2 ? 1 : 2] }, // MinIsBlack or RGB
        { tag: 273, type: offsetType, values: offsets },
        { tag: 277, type: SHORT, values: [channels] },
        { tag: 278, type: LONG, values: [rowsPerStrip] },
        { tag: 279, type: offsetType, values: counts },
        { tag: 284, type: SHORT, values: [1] }, // interleaved
        ...(alpha ? [{ tag: 338, type: SHORT, values: [2] }] : []), // unassociated alpha
      ];
      const at = this.position + (this.position & 1);
      const ifd = directory(entries, at, this.big);
      await this.handle.write(ifd, 0, ifd.length, at);
      const pointer = Buffer.alloc(this.big ? 8 : 4);
      if (this.big) pointer.writeBigUInt64LE(BigInt(at)); else pointer.writeUInt32LE(at);
      await this.handle.write(pointer, 0, pointer.length, this.big ? 8 : 4);
    } finally {
      await this.handle.close();
    }
  }

  /** Closes the file without a directory (it is not a valid TIFF; remove it). */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}
