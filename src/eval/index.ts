/**
 * pcl-stream/eval: PSNR/SSIM (and NIQE) with the published tables' conventions. The `evaluate` RxJS
 * stage (image sets in, results out), `evaluateFolder` (one folder, a Promise), `measureQuality`
 * (NIQE of image files, no reference) and the bicubic baseline.
 *
 * @module pcl-stream/eval
 */
export { evaluateFolder, type EvaluateFolderOptions, type FolderEvaluation } from "./evaluate-folder.js";
export {
  evaluate, setName, quantize8, LrSizeError, MissingLrError,
  type EvalSet, type EvaluateOptions, type EvalEvent, type ImageResult, type SetSummary,
} from "../pipelines/evaluate.js";
export { measureQuality, type QualityOptions, type QualityResult } from "../pipelines/measure-quality.js";
export { bicubicUpscaler as bicubic } from "../model/bicubic.js";
export type { Upscaler } from "../model/upscaler.js";
export type { TileOptions } from "../ops/tiled-upscale.js";
export { NoReadableImagesError } from "../pipelines/data/errors.js";
export { ImageReadError } from "../io/image.js";
export { bundledData, type BundledData } from "../package-root.js";
export { OptionError } from "../option-check.js";
