/**
 * Where an input's upscaled copy goes: `<out>/<subfolders of file below root>/<name><suffix>.<ext>`.
 * Deterministic, so a restart finds the outputs it already wrote.
 */
import { basename, dirname, extname, join, relative } from "node:path";
import { formatOfPath, type OutputFormat } from "../../io/image.js";
import type { ImageFormat } from "./steps.js";

/** `same` keeps the input's format. */
export type FormatChoice = OutputFormat | "same";

export interface OutputNaming {
  /** The output folder; undefined writes beside the input. */
  readonly outDir?: string;
  /** Added to the name before the extension (default `_x4` for scale 4). */
  readonly suffix: string;
  readonly format: FormatChoice;
}

const CANONICAL_EXTENSION: Record<OutputFormat, string> = { png: ".png", jpg: ".jpg", webp: ".webp", tiff: ".tif" };
const OUTPUT_OF_INPUT: Record<ImageFormat, OutputFormat> = { png: "png", jpeg: "jpg", webp: "webp", tiff: "tiff" };

/** The output format for an input: the requested one, or the input's own. */
export const outputFormatFor = (input: ImageFormat, choice: FormatChoice): OutputFormat => (choice === "same" ? OUTPUT_OF_INPUT[input] : choice);

/** The default suffix for a scale: `_x4`. */
export const defaultSuffix = (scale: number): string => `_x${scale}`;

/**
 * The output path of `file`. The extension is the input's own (lower-cased) when it already names the
 * output format (`a.jpeg` -> `a_x4.jpeg`), else the canonical one (`.png`, `.jpg`, `.webp`, `.tif`).
 */
export function outputPathFor(file: string, root: string, format: OutputFormat, naming: OutputNaming): string {
  const ext = extname(file);
  const stem = basename(file, ext);
  const keepExt = formatOfPath(file) === format;
  const outExt = keepExt ? ext.toLowerCase() : CANONICAL_EXTENSION[format];
  const dir = naming.outDir === undefined ? dirname(file) : join(naming.outDir, relative(root, dirname(file)));
  return join(dir, `${stem}${naming.suffix}${outExt}`);
}
