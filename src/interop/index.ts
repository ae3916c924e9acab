/**
 * Interoperability: reference PyTorch state dicts (EDSR / RCAN / HAN) in, safetensors and ONNX out.
 * Reads files without running anything from them; may import dsl, compile, checkpoint and backend.
 */
export { importWeights, type ImportWeightsOptions, type ImportedWeights } from "./import-weights.js";
export { exportModel, EXPORT_FORMATS, type ExportFormat, type ExportModelOptions, type ExportedModel } from "./export-model.js";
export { readWeightsFile, type WeightsFile } from "./weights-file.js";
export { InteropError } from "./interop-error.js";
export type { ReferenceArch } from "./reference-layout.js";
export type { HostTensor, HostTensors } from "./host-tensor.js";
