// The training-data pipeline: image folders -> seeded, aligned LR/HR patch batches with bounded prefetch.
// May import src/io and rxjs; no tfjs (batches are plain typed arrays; the trainer makes the tensors).
export { trainBatches, DEFAULT_CACHE_BYTES, type TrainBatchesOptions } from "./train-batches.js";
export { assembleBatches, assembleBatch, type TrainBatch, type AssembleBatchesOptions } from "./assemble-batches.js";
export { batchIndices, type BatchIndicesOptions } from "./batch-indices.js";
export { loadValidationPairs, type ValidationPair, type LoadValidationOptions } from "./load-validation-pairs.js";
export { openTrainingImages, MakeLrSizeError, type MakeLr, type LrSource, type TrainPair, type TrainingImages, type TrainingImagesOptions } from "./training-images.js";
export { listImages, isImageFile, warnOnSkip, IMAGE_EXTENSIONS, ListImagesError, type OnSkip, type ListImagesOptions } from "./list-images.js";
export { pairFiles, type FilePair, type PairFilesInput } from "./pair-files.js";
export { copyPatch, copyAlignedPatches, IDENTITY, type Dihedral } from "./aligned-crop.js";
export { cropRgb, cropToScale } from "./crop-to-scale.js";
export { ByteBudgetCache } from "./byte-budget-cache.js";
export { decodedBytes } from "./decoded-bytes.js";
export { createRng, restoreRng, deriveSeed, RngArgumentError, type Rng } from "./rng.js";
export { DataOptionsError, NoReadableImagesError, type RejectedFile } from "./errors.js";
