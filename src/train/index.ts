/**
 * pcl-stream/train: training from code. train(spec, options) -> Observable<TrainEvent>, written into a
 * run folder (checkpoints, metrics.jsonl) as the CLI writes it; resume; reading runs back.
 *
 * @module pcl-stream/train
 */
export { train, type TrainRunOptions } from "./train.js";
export { resume, type ResumeOptions } from "./resume.js";
export { writeMetrics, METRICS_FILE } from "./write-metrics.js";
export { writeTensorBoard, TENSORBOARD_DIR } from "./write-tensorboard.js";
export { writeRunInfo, RUN_INFO_FILE, type RunInfo, type RunSegment } from "./write-run-info.js";
export { readRunLog, followRun, type RunLog, type RunFollower, type RunLogUpdate, type LoggedStep, type LoggedValidation } from "./run-log.js";
export { buildReport, writeReport, REPORT_FILE } from "./report.js";
export { startDashboard, type Dashboard, type DashboardOptions } from "./dashboard.js";
export { readRunSummary, RunReadError, type RunSummary, type RunValidation } from "./read-run.js";
export { TrainSetupError } from "./run-folder.js";
export type { ValidationCrop } from "../pipelines/train/validation-crops.js";
export { ResumeError, type TrainEvent, type PlannedMemory, type CheckpointCadence } from "../pipelines/train/train.js";
export { NonFiniteError, type GoodCheckpoint } from "../pipelines/train/non-finite-error.js";
export type { NonFiniteKind, NonFiniteStep } from "../pipelines/train/finite-guard.js";
export { NoReadableImagesError, type RejectedFile } from "../pipelines/data/errors.js";
export type { StepLosses } from "../pipelines/train/train-step.js";
export { MemoryPlanError, formatBytes } from "../pipelines/train/memory-plan.js";
export type { MemoryBudget } from "../backend/memory-budget.js";
export { bundledData, type BundledData } from "../package-root.js";
export { OptionError } from "../option-check.js";
