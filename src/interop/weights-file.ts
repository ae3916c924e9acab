/** Reads a weights file by its content: safetensors, or a PyTorch file (zip or legacy format). */
import { readFile } from "node:fs/promises";
import { InteropError } from "./interop-error.js";
import type { HostTensors } from "./host-tensor.js";
import { readPytorchFile } from "./pytorch-file.js";
import { readSafetensors } from "./safetensors.js";

/** A weights file's tensors, its format, and what the reader unwrapped (notes). */
export interface WeightsFile {
  readonly format: "safetensors" | "pytorch";
  readonly tensors: HostTensors;
  readonly notes: readonly string[];
}

/** Reads `file` (a `.safetensors`, `.pt` or `.pth`; the content decides, not the extension). */
export async function readWeightsFile(file: string): Promise<WeightsFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new InteropError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const pytorch = (bytes[0] === 0x50 && bytes[1] === 0x4b) || bytes[0] === 0x80;
  if (pytorch) return { format: "pytorch", ...readPytorchFile(bytes, file) };
  if (bytes.byteLength > 8 && bytes[8] === 0x7b) return { format: "safetensors", ...readSafetensors(bytes, file), notes: [] };
  throw new InteropError(`${file}: neither safetensors nor a PyTorch file (torch.save) by its content`);
}
