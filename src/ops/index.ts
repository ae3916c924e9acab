// src/ops: one tfjs function per file (pure, tensors in and out, bodies in tf.tidy).
// May import @tensorflow/tfjs-core only: no dsl, no rxjs, no pipelines.
export * from "./haar.js";
export * from "./pixel-shuffle.js";
export * from "./reflect-pad.js";
export * from "./gaussian-blur.js";
export * from "./sharpen.js";
export * from "./feature-similarity.js";
export * from "./info-nce.js";
export * from "./dual-contrastive-loss.js";
export * from "./l1.js";
