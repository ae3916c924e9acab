/**
 * Writes an image given as a stream of rows, in any output format, without holding it whole:
 * the rows go into an uncompressed striped TIFF beside the output (`.pcl-tmp-*`, so a crash's
 * leftover is cleaned like any temp file), then sharp reads that TIFF sequentially, strip by strip,
 * and encodes the output into another temp file, renamed into place. Memory stays at a few strips;
 * the disk holds the raw pixels once while it runs. The encoding steps are `encodeImage`'s, so a
 * file written this way is the one `encodeImageAtomic` writes from the same pixels.
 */
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { atomically, encodePixels, ImageWriteError, keeps16Bit, TEMP_PREFIX, type AtomicWriteOptions, type OutputFormat } from "./image.js";
import { loadSharp } from "./sharp.js";
import { TiffRowWriter, type TiffRowsInfo } from "./tiff-row-writer.js";

/** Appends rows (top to bottom, whole rows, interleaved; Uint16Array for 16-bit). */
export type WriteRows = (rows: Uint8Array | Uint16Array) => Promise<void>;

export interface EncodeRowsOptions extends AtomicWriteOptions {
  /** JPEG / WebP quality (default 95). */
  readonly quality?: number;
  /** Force the raw TIFF to BigTIFF (tests; default only above 4 GB). */
  readonly bigTiff?: boolean;
}

/**
 * Calls `produce(write)`, which must write all `info.height` rows through `write`, and encodes
 * them as `format` into `file` atomically. `info.bitDepth` 16 needs a format that keeps 16 bits
 * (png, tiff). On any failure (of `produce`, the disk, or the encoder) no file appears under `file`
 * and the temp files are removed; the error is an `ImageWriteError` naming `file`, unless `produce`
 * threw (its error is passed on as is).
 */
export async function encodeRowsAtomic(file: string, info: TiffRowsInfo, format: OutputFormat, produce: (write: WriteRows) => Promise<void>, options: EncodeRowsOptions = {}): Promise<void> {
  if (info.bitDepth === 16 && !keeps16Bit(format)) throw new RangeError(`encodeRowsAtomic: ${format} keeps no 16-bit samples; reduce the rows to 8 bits`);
  const sharp = await loadSharp();
  let producerError: { readonly error: unknown } | undefined;
  try {
    await atomically(file, async (tmp) => {
      const rawFile = join(dirname(file), `${TEMP_PREFIX}${randomBytes(6).toString("hex")}-rows-${basename(file)}.tif`);
      const writer = await TiffRowWriter.create(rawFile, info, { bigTiff: options.bigTiff });
      try {
        const write: WriteRows = (rows) => writer.write(rows).catch((err: unknown) => {
          throw new ImageWriteError(file, err instanceof Error ? err.message : String(err), (err as NodeJS.ErrnoException).code);
        });
        try {
          await produce(write);
        } catch (error) {
          if (!(error instanceof ImageWriteError)) producerError = { error };
          throw error;
        }
        await writer.finish();
        // The raw TIFF is ours: no pixel limit. Sequential access: libvips streams it strip by strip.
        const input = sharp(rawFile, { limitInputPixels: false, sequentialRead: true });
        await encodePixels(input, info.channels, info.bitDepth, format, options.quality ?? 95).toFile(tmp);
      } finally {
        await writer.abort();
        await rm(rawFile, { force: true });
      }
    }, options);
  } catch (err) {
    if (producerError) throw producerError.error;
    throw err;
  }
}
