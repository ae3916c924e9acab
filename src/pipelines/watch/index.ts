// The watch-folder and file-upscaling pipelines: RxJS stages over files (one per file here).
// May import src/io, src/model, src/ops (through ../upscale-file.ts), rxjs and chokidar; nothing from bin/.
export { afterSuccess, THEN_ACTIONS, type ThenAction, type AfterSuccessHook, type AfterSuccessOptions } from "./after-success.js";
export { awaitComplete, decodeError, type AwaitCompleteOptions } from "./await-complete.js";
export { classifyFiles } from "./classify-files.js";
export { cleanTempFiles } from "./clean-temp-files.js";
export { appendFailure, failedBefore, loggedFiles, readFailedLog, removeFailures, FAILED_LOG_NAME, type FailureRecord, type KnownFailures, type FileVersion } from "./failed-log.js";
export { isIgnoredName, isIgnoredPath } from "./ignored-name.js";
export { checkUnchanged, InputChangedError } from "./input-changed.js";
export { InputError, isInside, listFiles, type ListFilesOptions } from "./list-files.js";
export { refuseCollisionsInBatch, refuseSiblingCollisions } from "./output-collisions.js";
export { imageJob } from "./image-job.js";
export { mapStep } from "./map-step.js";
export { defaultSuffix, outputFormatFor, outputPathFor, type FormatChoice, type OutputNaming } from "./output-path.js";
export { recordFailures } from "./record-failures.js";
export { RETRYABLE_CODES, retryLater, spread, type RetryLaterOptions } from "./retry-later.js";
export { hasImageExtension, sniffFile, sniffImageFormat, type Sniffed } from "./sniff-image-format.js";
export { skipKnownFailures } from "./skip-known-failures.js";
export { skipUpToDate } from "./skip-up-to-date.js";
export { isEvent, type DoneEvent, type FileEvent, type ImageFormat, type PendingFile, type PendingImage, type SkipReason, type Step } from "./steps.js";
export { upscaleEach, type ImageJob, type UpscaledSize, type UpscaleEachOptions } from "./upscale-each.js";
export { upscaleFiles, type UpscaleFilesOptions } from "./upscale-files.js";
export { watchFiles, type WatchFilesOptions } from "./watch-files.js";
export { watchFolder, WatchError, type WatchFolderOptions, type WatchHandle } from "./watch-folder.js";
