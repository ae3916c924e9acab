/**
 * `exportModel`: a checkpoint's generator (its EMA weights when it has them, as inference uses) as
 * a safetensors file with the reference implementation's keys and 0-rgbRange convention (the same
 * PyTorch EDSR / RCAN / HAN code loads it), or as an ONNX model on 0-1 images.
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { readCheckpoint } from "../checkpoint/load.js";
import { InteropError } from "./interop-error.js";
import type { HostTensor } from "./host-tensor.js";
import { onnxModel, ONNX_OPSET } from "./onnx-model.js";
import type { ReferenceArch } from "./reference-layout.js";
import { toReference } from "./reference-weights.js";
import { writeSafetensors } from "./safetensors.js";

/** The formats `exportModel` writes. */
export const EXPORT_FORMATS = ["safetensors", "onnx"] as const;
/** One of EXPORT_FORMATS. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** `exportModel`'s options. */
export interface ExportModelOptions {
  readonly format: ExportFormat;
  /** safetensors: the image range of the reference convention written (default 255, the EDSR-PyTorch family's). */
  readonly rgbRange?: number;
  /** Replace an existing `file` (default false: refused). */
  readonly overwrite?: boolean;
}

/** What `exportModel` wrote. */
export interface ExportedModel {
  /** The file written, its format and size in bytes. */
  readonly file: string;
  readonly format: ExportFormat;
  readonly bytes: number;
  /** The checkpoint's graph name and scale; whether its EMA weights were exported. */
  readonly graph: string;
  readonly scale: number;
  readonly ema: boolean;
  /** safetensors: the reference architecture; onnx: undefined. */
  readonly arch?: ReferenceArch;
  /** onnx: the opset imported. */
  readonly opset?: number;
}

/**
 * Writes the generator of `checkpoint` to `file`.
 *
 * ```ts
 * import { exportModel } from "pcl-stream/serve";
 * await exportModel("runs/edsr-tiny/best", "edsr-tiny.onnx", { format: "onnx" });
 * ```
 *
 * @throws CheckpointError for a folder that is not a checkpoint; InteropError when `file` exists
 *   (without `overwrite`) or the graph cannot be written in the format (safetensors: not a reference
 *   EDSR / RCAN / HAN; onnx: a layer with no inference meaning).
 */
export async function exportModel(checkpoint: string, file: string, options: ExportModelOptions): Promise<ExportedModel> {
  if (!EXPORT_FORMATS.includes(options.format)) throw new RangeError(`exportModel: format must be ${EXPORT_FORMATS.join(" or ")}, got ${String(options.format)}`);
  if (options.rgbRange !== undefined && !(options.rgbRange > 0)) throw new RangeError(`exportModel: rgbRange must be a positive number, got ${options.rgbRange}`);
  if (existsSync(file) && !options.overwrite) throw new InteropError(`${file} already exists; choose another file or pass overwrite (--overwrite) to replace it`);
  const ck = await readCheckpoint(checkpoint);
  const ema = ck.manifest.ema;
  const prefix = ema ? "ema/" : "";
  const weights = new Map<string, HostTensor>();
  for (const [name, v] of ck.values) if (name.startsWith(`${prefix}generator/`)) weights.set(name.slice(prefix.length), v);
  const base = { file, format: options.format, graph: ck.spec.name, scale: ck.spec.scale, ema };
  if (options.format === "onnx") {
    const bytes = onnxModel(ck.spec.generator, weights, { name: ck.spec.name, scale: ck.spec.scale, producerVersion: "pcl-stream" });
    await writeFile(file, bytes);
    return { ...base, bytes: bytes.byteLength, opset: ONNX_OPSET };
  }
  const rgbRange = options.rgbRange ?? 255;
  const { arch, tensors } = toReference(weights, ck.spec.generator, rgbRange);
  const bytes = writeSafetensors(tensors, { format: "pt", arch, rgb_range: String(rgbRange), scale: String(ck.spec.scale), "pcl-stream:graph": ck.spec.name });
  await writeFile(file, bytes);
  return { ...base, bytes: bytes.byteLength, arch };
}
