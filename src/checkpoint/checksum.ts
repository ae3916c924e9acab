/**
 * The checksums a checkpoint records: SHA-256 of weights.bin, and of checkpoint.json's own JSON
 * (written without its `manifestSha256` field, in the order the writer gave its keys: JSON.parse
 * keeps that order and JavaScript prints numbers the same way back, so a re-serialisation of an
 * unedited manifest gives the same bytes).
 */
import { createHash } from "node:crypto";

export const sha256 = (bytes: Uint8Array | string): string => createHash("sha256").update(bytes).digest("hex");

/** The SHA-256 of `manifest` as JSON without its `manifestSha256` field. */
export function manifestDigest(manifest: object): string {
  const { manifestSha256: _omit, ...rest } = manifest as { manifestSha256?: unknown };
  return sha256(JSON.stringify(rest));
}
