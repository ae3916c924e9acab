/**
 * A run folder as the dashboard and the report see it: its steps and validations from
 * `metrics.jsonl`, its `run.json`, read once or followed while the run writes them (new whole lines
 * only: a line still being written waits for the next poll).
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import type { ValidationCrop } from "../pipelines/train/validation-crops.js";
import { RunReadError } from "./read-run.js";
import { METRICS_FILE } from "./write-metrics.js";
import { readRunInfo, RUN_INFO_FILE, type RunInfo } from "./write-run-info.js";

/** A logged step: `iteration` counts completed iterations (the step event's `iteration + 1`). */
export interface LoggedStep {
  readonly iteration: number;
  /** Milliseconds since the epoch, when the line was written. */
  readonly time: number;
  readonly generator: number;
  readonly discriminator: number | null;
  readonly terms: Readonly<Record<string, number>>;
  readonly lrGenerator: number;
  readonly gradNormGenerator: number | null;
  readonly itPerSec: number;
  readonly etaSeconds: number | null;
}

/** A logged validation. */
export interface LoggedValidation {
  readonly iteration: number;
  readonly time: number;
  readonly psnr: number;
  readonly ssim: number;
  readonly niqe?: number | null;
  readonly best: boolean;
  readonly crops: readonly ValidationCrop[];
}

/** What has been read of a run folder. */
export interface RunLog {
  /** The folder, resolved. */
  readonly dir: string;
  /** Its name (the folder's). */
  readonly name: string;
  readonly info: RunInfo | null;
  readonly steps: readonly LoggedStep[];
  readonly validations: readonly LoggedValidation[];
}

/** What a poll found since the last one. */
export interface RunLogUpdate {
  readonly steps: readonly LoggedStep[];
  readonly validations: readonly LoggedValidation[];
  /** `run.json`, when it changed. */
  readonly info?: RunInfo;
}

type Line = { type?: string; time?: string; iteration?: number } & Record<string, unknown>;

function parseLines(text: string, file: string, firstLine: number): { steps: LoggedStep[]; validations: LoggedValidation[] } {
  const steps: LoggedStep[] = [], validations: LoggedValidation[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    let e: Line;
    try { e = JSON.parse(raw) as Line; } catch { throw new RunReadError(`${file}:${firstLine + i}: not a JSON line`); }
    const time = Date.parse(e.time ?? "") || 0;
    if (e.type === "step") {
      const s = e as unknown as Omit<LoggedStep, "time">;
      steps.push({ iteration: s.iteration + 1, time, generator: s.generator, discriminator: s.discriminator, terms: s.terms, lrGenerator: s.lrGenerator, gradNormGenerator: s.gradNormGenerator, itPerSec: s.itPerSec, etaSeconds: s.etaSeconds });
    } else if (e.type === "validation") {
      const v = e as unknown as Omit<LoggedValidation, "time">;
      validations.push({ iteration: v.iteration, time, psnr: v.psnr, ssim: v.ssim, ...(v.niqe === undefined ? {} : { niqe: v.niqe }), best: v.best, crops: v.crops ?? [] });
    }
  });
  return { steps, validations };
}

/** Follows one run folder: `poll()` returns what was added since the previous poll. */
export interface RunFollower {
  readonly dir: string;
  /** Everything read so far. */
  current(): RunLog;
  /** Reads what was appended; null when nothing changed. */
  poll(): RunLogUpdate | null;
}

/**
 * Follows the run folder `dir` (which must exist; its metrics file may not yet). Nothing is read
 * until the first `poll`.
 *
 * @throws RunReadError when `dir` is not a folder.
 */
export function followRun(dir: string): RunFollower {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new RunReadError(`${dir}: no such run folder`);
  const metrics = resolve(root, METRICS_FILE), infoFile = resolve(root, RUN_INFO_FILE);
  let offset = 0, lines = 1, infoStamp = -1;
  let info: RunInfo | null = null;
  const steps: LoggedStep[] = [], validations: LoggedValidation[] = [];
  return {
    dir: root,
    current: () => ({ dir: root, name: basename(root), info, steps: [...steps], validations: [...validations] }),
    poll() {
      let update: { steps: LoggedStep[]; validations: LoggedValidation[]; info?: RunInfo } | null = null;
      const stamp = existsSync(infoFile) ? statSync(infoFile).mtimeMs : -1;
      if (stamp !== infoStamp) {
        infoStamp = stamp;
        const next = readRunInfo(infoFile);
        if (next) { info = next; update = { steps: [], validations: [], info: next }; }
      }
      if (!existsSync(metrics)) return update;
      const fd = openSync(metrics, "r");
      try {
        const size = fstatSync(fd).size;
        if (size < offset) throw new RunReadError(`${metrics}: the file shrank (${offset} -> ${size} bytes); was the run restarted?`);
        if (size === offset) return update;
        const bytes = Buffer.alloc(size - offset);
        readSync(fd, bytes, 0, bytes.length, offset);
        const end = bytes.lastIndexOf(0x0a);
        if (end < 0) return update;
        const text = bytes.subarray(0, end + 1).toString("utf8");
        const read = parseLines(text, metrics, lines);
        offset += end + 1;
        lines += text.split("\n").length - 1;
        steps.push(...read.steps);
        validations.push(...read.validations);
        return { ...(update ?? {}), steps: read.steps, validations: read.validations };
      } finally {
        closeSync(fd);
      }
    },
  };
}

/**
 * Reads a run folder as it is now.
 *
 * @throws RunReadError when `dir` is not a folder or holds no metrics.jsonl, or a line of it is not JSON.
 */
export function readRunLog(dir: string): RunLog {
  const f = followRun(dir);
  if (!existsSync(resolve(f.dir, METRICS_FILE))) throw new RunReadError(`${dir}: no ${METRICS_FILE} (not a pcl-stream training run)`);
  f.poll();
  return f.current();
}
