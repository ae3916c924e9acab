// The graph DSL: typed, frozen descriptions of SR networks, the embedding network and PCL's losses.
// Plain data only: this folder imports no TensorFlow.js (checked by scripts/check-imports.ts).
export * from "./shape.js";
export * from "./graph-error.js";
export * from "./layers.js";
export * from "./blocks.js";
export * from "./children.js";
export * from "./infer.js";
export * from "./embedding.js";
export * from "./augment.js";
export * from "./loss.js";
export * from "./train-options.js";
export * from "./metrics.js";
export * from "./spec.js";
export * from "./summary.js";
export * from "./ablation.js";
export * from "./overrides.js";
export * from "./paper-recipe.js";
export { edsr, type EdsrOptions } from "./architectures/edsr.js";
export { rcan, type RcanOptions } from "./architectures/rcan.js";
export { han, type HanOptions } from "./architectures/han.js";
export * from "./receptive-field.js";
