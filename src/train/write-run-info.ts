/**
 * Stage: the run folder's `run.json`, what a dashboard or report says about a run besides its
 * numbers: the graph, its recipe and scale, and one segment per start (a resumed run adds one) with
 * its command line, backend, first and last iteration and start time.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { tap, type MonoTypeOperatorFunction } from "rxjs";
import type { PclSpec } from "../dsl/index.js";
import type { TrainEvent } from "../pipelines/train/train.js";
import { recipeOf } from "./read-run.js";

/** The run-information file's name inside a run folder. */
export const RUN_INFO_FILE = "run.json";

/** One start of a run: the first, or a resume. */
export interface RunSegment {
  /** ISO time of the start. */
  readonly started: string;
  /** The command line, as the shell would take it back (`pcl-stream train ...` when run from the CLI). */
  readonly command: string;
  readonly backend: string;
  readonly fromIteration: number;
  readonly toIteration: number;
  readonly seed: number;
}

/** What `run.json` holds. */
export interface RunInfo {
  readonly graph: string;
  readonly scale: number;
  readonly recipe: string;
  readonly segments: readonly RunSegment[];
}

const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

/** This process's command line: `pcl-stream ARGS` when it runs the CLI, else `node SCRIPT ARGS`. */
export function commandLine(argv: readonly string[] = process.argv): string {
  const [, script = "", ...args] = argv;
  const head = /pcl-stream(\.js)?$|bin[\\/]cli\.[tj]s$/.test(script) ? "pcl-stream" : `node ${quote(script)}`;
  return [head, ...args.map(quote)].join(" ");
}

/** `file` as written by `writeRunInfo`, or null when it is missing or not JSON (it is rewritten whole at the next start). */
export function readRunInfo(file: string): RunInfo | null {
  if (!existsSync(file)) return null;
  try { return JSON.parse(readFileSync(file, "utf8")) as RunInfo; } catch { return null; }
}

/**
 * On the run's `start` event, adds a segment to `file` (creating it with the spec's graph, scale
 * and recipe), and passes every event on unchanged. `train` applies it to `out/run.json`.
 */
export function writeRunInfo(file: string, spec: PclSpec, backend: string): MonoTypeOperatorFunction<TrainEvent> {
  return tap((e) => {
    if (e.type !== "start") return;
    const before = readRunInfo(file);
    const segment: RunSegment = { started: new Date().toISOString(), command: commandLine(), backend, fromIteration: e.iteration, toIteration: e.iterations, seed: e.seed };
    const info: RunInfo = { graph: spec.name, scale: spec.scale, recipe: recipeOf(spec), segments: [...(before?.segments ?? []), segment] };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`);
  });
}
