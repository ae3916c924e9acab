// src/ops: one tfjs function per file (pure, tensors in and out, bodies in tf.tidy).
// May import @tensorflow/tfjs-core (and image/Upscaler types): no dsl, no rxjs, no pipelines.
export * from "./haar.js";
export * from "./pixel-shuffle.js";
export * from "./reflect-pad.js";
export * from "./gaussian-blur.js";
export * from "./sharpen.js";
export * from "./feature-similarity.js";
export * from "./info-nce.js";
export * from "./dual-contrastive-loss.js";
export * from "./l1.js";
export * from "./adaptive-avg-pool.js";
export * from "./mirror-pad-grad.js";
export * from "./leaky-relu-grad.js";
export * from "./reduce-grads.js";
export * from "./conv2d-bias-activation.js";
export * from "./fused-conv2d-grad.js";
export * from "./tape-gradients.js";
export * from "./recompute.js";
export * from "./residual-add.js";
export * from "./tensor-bytes.js";
export * from "./adam-update.js";
export * from "./imresize.js";
export * from "./ycbcr.js";
export * from "./psnr.js";
export * from "./ssim.js";
export * from "./tiled-upscale.js";
export * from "./self-ensemble.js";
