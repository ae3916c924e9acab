/**
 * TFRecord framing, the container of TensorBoard event files: each record is its length (uint64,
 * little-endian), the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data.
 */
import { maskedCrc32c } from "./crc32c.js";

/**
 * One record around `data`, ready to append to a TFRecord file.
 *
 * ```ts
 * appendFileSync("events.out.tfevents.1", frameRecord(encodedEvent));
 * ```
 */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}
