/**
 * pcl-stream/serve: models for inference and the file pipelines from code. loadUpscaler, upscaleFile,
 * upscaleFiles (`pcl-stream upscale`) and watchFolder (`pcl-stream watch`), as Promises and Observables;
 * importWeights / exportModel (`pcl-stream import` / `export`): reference PyTorch weights in, safetensors and ONNX out.
 * the job queue for many machines (queueWorker, enqueueFiles, watchToQueue, queueStatus, retryFailedJobs).
 *
 * @module pcl-stream/serve
 */
export { loadUpscaler, type LoadUpscalerOptions } from "./load-upscaler.js";
export { upscaleFile, type UpscaleFileOptions, type UpscaledFile } from "./upscale-file.js";
export { upscaleFiles, type UpscaleFilesOptions } from "./upscale-files.js";
export { countInputFiles } from "./count-input-files.js";
export { watchFolder, type WatchFolderOptions } from "./watch-folder.js";
export type { FileJobOptions } from "./file-options.js";
export type { Upscaler } from "../model/upscaler.js";
export type { OutputFormat } from "../io/image.js";
export { THEN_ACTIONS, type ThenAction, type AfterSuccessHook } from "../pipelines/watch/after-success.js";
export { defaultSuffix, type FormatChoice } from "../pipelines/watch/output-path.js";
export type { DoneEvent, FileEvent, SkipReason } from "../pipelines/watch/steps.js";
export { FAILED_LOG_NAME, type FailureRecord } from "../pipelines/watch/failed-log.js";
export { WatchError } from "../pipelines/watch/watch-folder.js";
export { InputError } from "../pipelines/watch/list-files.js";
export { ImageReadError, ImageWriteError } from "../io/image.js";
export { InputTooLargeError, DEFAULT_MAX_INPUT_PIXELS } from "../io/image-rows.js";
export type { MemoryOptions } from "../pipelines/upscale-file.js";
export { CheckpointError } from "../checkpoint/spec-json.js";
export { OptionError } from "../option-check.js";
export { importWeights, exportModel, EXPORT_FORMATS, InteropError, type ReferenceArch, type ImportWeightsOptions, type ImportedWeights, type ExportFormat, type ExportModelOptions, type ExportedModel } from "../interop/index.js";
export {
  enqueueFiles, watchToQueue, queueWorker, queueStatus, retryFailedJobs, queueJobId, parseQueueUrl, QueueError, DEFAULT_QUEUE_NAME,
  type EnqueueFilesOptions, type WatchToQueueOptions, type QueueWorkerOptions, type QueueWorkerEvent, type QueueLocation, type ProducerOptions,
  type QueueEvent, type JobStateName, type QueueStatus, type FailedJob, type QueueAddress, type UpscaleJobData, type UpscaleJobResult,
} from "./queue/index.js";
