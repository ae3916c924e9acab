/**
 * pcl-stream/ops: the tensor and image operations PCL and the SR conventions are made of, for use
 * outside the training loop. Tensor ops run on the active tfjs backend: call `useBackend()` from
 * pcl-stream/backend first (it also installs the gradients the differentiable ones need). Each op
 * frees its intermediates (its body runs in `tf.tidy`); the caller owns what it returns.
 * index.ts is the whole room (gradient configs, fused kernels, tape tools for pcl-stream's own use);
 * this file is the part that is published.
 *
 * @module pcl-stream/ops
 */
export { haarSplit, haarMerge, haarBands, HAAR_BAND_NAMES, type HaarBands, type HaarBandName } from "./haar.js";
export { pixelShuffle } from "./pixel-shuffle.js";
export { reflectPad } from "./reflect-pad.js";
export { gaussianBlur, gaussianKernel2d, sampleBlurKernel, BLUR_KERNEL_SIZES, BLUR_SIGMA_MIN, BLUR_SIGMA_MAX, type BlurKernel } from "./gaussian-blur.js";
export { sharpen, sampleSharpenFactor, SMOOTH_KERNEL_3X3, SHARPEN_FACTOR_MIN, SHARPEN_FACTOR_MAX } from "./sharpen.js";
export { featureSimilarity, featureSimilarities } from "./feature-similarity.js";
export { infoNce, infoNceFromSimilarities } from "./info-nce.js";
export { dualContrastiveLoss } from "./dual-contrastive-loss.js";
export { l1Loss } from "./l1.js";
export { adaptiveAvgPool } from "./adaptive-avg-pool.js";
export { imresize, imresizeRgb, type ResizeTarget, type Uint8Hwc } from "./imresize.js";
export { rgbToY, cropPlane, type Plane } from "./ycbcr.js";
export { psnrY, psnrRgb, psnrPlane } from "./psnr.js";
export { ssimY, ssimPlane } from "./ssim.js";
export { niqe, niqePlane, niqeOrNaN, NiqeSizeError, NiqeUndefinedError, NIQE_BLOCK, type NiqeOptions } from "./niqe.js";
export { rgbToY8 } from "./ycbcr.js";
export { upscaleTiled, DEFAULT_TILE, type TileOptions } from "./tiled-upscale.js";
export { selfEnsemble, applyDihedral, invertDihedral, DIHEDRALS, type Dihedral } from "./self-ensemble.js";
export type { RgbImage } from "../io/image.js";
export type { Upscaler } from "../model/upscaler.js";
