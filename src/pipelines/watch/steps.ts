/**
 * What flows through the watch and upscale pipelines: files still to handle (`PendingFile`)
 * and what happened to each (`FileEvent`). Every stage passes events through untouched and
 * maps pending files, so a file leaves the pipeline as exactly one event.
 */
import type { OutputFormat } from "../../io/image.js";

/** The image formats pcl-stream reads (recognized by content, not by name). */
export type ImageFormat = "png" | "jpeg" | "webp" | "tiff";

/** A file found on disk, not yet looked at. `root` is the folder its output mirrors from. */
export interface PendingFile {
  readonly type: "pending";
  readonly file: string;
  readonly root: string;
}

/** A file whose content is an image pcl-stream can read, with its planned output. */
export interface PendingImage {
  readonly type: "image";
  readonly file: string;
  readonly root: string;
  readonly format: ImageFormat;
  readonly outputFormat: OutputFormat;
  readonly output: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Why a file was skipped. */
export type SkipReason =
  /** The output exists and is at least as new as the input. */
  | "up-to-date"
  /** This exact version of the file (same size and mtime) failed before: see failed.jsonl. */
  | "failed-before"
  /** The content is not an image and the name does not claim to be one. */
  | "not-an-image"
  /** The pipeline was stopped before this file started. */
  | "stopping"
  /** The file disappeared before (or while) it was read. */
  | "gone"
  /** The file changed while it was read (a writer still at work, or a replaced file): this version is dropped, the new one is queued (watch). */
  | "changed";

/** What happened to a file (`done`, `skipped`, `failed`), or to the watcher (`watching`, `warning`). */
export type FileEvent =
  | {
      readonly type: "done"; readonly file: string; readonly output: string; readonly width: number; readonly height: number; readonly outWidth: number; readonly outHeight: number; readonly ms: number;
      /** Watch: this success superseded an earlier failure of the file, now removed from failed.jsonl (its error). */
      readonly clearedFailure?: string;
    }
  | { readonly type: "skipped"; readonly file: string; readonly reason: SkipReason; readonly output?: string }
  | {
      readonly type: "failed"; readonly file: string; readonly error: string; readonly size?: number; readonly mtimeMs?: number;
      /** The system error code when the failure came from one (ENOSPC, EACCES, EROFS, ...). */
      readonly code?: string;
      /** Watch: the failure is the output folder's (full, read-only), not the file's: it is tried again after this many ms. */
      readonly retryInMs?: number;
    }
  /** The watcher has scanned the folder (the backlog is queued) and now waits for new files; `backlog`: the files it found (each gets an event). */
  | { readonly type: "watching"; readonly dir: string; readonly backlog?: number }
  /** Something went wrong outside any one file (the watcher itself); the stream goes on. */
  | { readonly type: "warning"; readonly message: string };

/** A file upscaled and its output written. */
export type DoneEvent = Extract<FileEvent, { readonly type: "done" }>;

/** One item of the stream between stages. */
export type Step = PendingFile | PendingImage | FileEvent;

export const isEvent = (step: Step): step is FileEvent => step.type !== "pending" && step.type !== "image";
