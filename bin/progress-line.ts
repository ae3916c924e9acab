/**
 * Progress of long work (eval over a folder, upscale of many files, a watch backlog): count, rate
 * and ETA, as one line redrawn in place on a terminal (stderr) or as `{"type":"progress",...}` JSON
 * lines on stdout (`--log-format json`). Off otherwise (stderr not a TTY, --json), so logs and pipes
 * get no carriage returns.
 */

/** Where progress goes: a redrawn stderr line, JSON lines on stdout, or nowhere. */
export type ProgressMode = "tty" | "json" | "off";

export interface ProgressOptions {
  /** What is being done, e.g. "eval set5", "upscale", "watch backlog". */
  readonly task: string;
  /** What is counted, plural: "images", "files". */
  readonly unit: string;
  /** How many there are, when known (null: count and rate only, no ETA). */
  readonly total: number | null;
  readonly mode: ProgressMode;
  /** Writes text (default: stderr for tty, stdout for json). */
  readonly write?: (text: string) => void;
  /** The clock in ms (default performance.now). */
  readonly now?: () => number;
  /** When the work began, on that clock (default: now); the rate counts from there. */
  readonly startedAt?: number;
}

export interface Progress {
  /** `n` more are done (default 1). */
  tick(n?: number): void;
  /** The total became known (or changed). */
  setTotal(total: number): void;
  /** Runs `print` (which writes whole lines) with the progress line out of its way. */
  around(print: () => void): void;
  /** Says the final count once and stops showing progress. */
  finish(): void;
}

const duration = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, "0")}s` : `${Math.ceil(s)}s`);

/** The numbers of a progress report: done, total, rate per second (null before the first is done), seconds left (null without a total or a rate). */
export function progressFigures(done: number, total: number | null, elapsedMs: number): { done: number; total: number | null; rate: number | null; etaSeconds: number | null } {
  const rate = done > 0 && elapsedMs > 0 ? (done * 1000) / elapsedMs : null;
  const etaSeconds = total !== null && rate !== null ? Math.max(0, total - done) / rate : null;
  return { done, total, rate, etaSeconds };
}

/** The text line: "eval set5: 12/40 images  3.20 images/s  ETA 9s". */
export function progressText(task: string, unit: string, f: ReturnType<typeof progressFigures>): string {
  const count = f.total === null ? `${f.done} ${unit}` : `${f.done}/${f.total} ${unit}`;
  const rate = f.rate === null ? "" : `  ${f.rate >= 10 ? f.rate.toFixed(1) : f.rate.toFixed(2)} ${unit}/s`;
  const eta = f.etaSeconds === null ? "" : `  ETA ${duration(f.etaSeconds)}`;
  return `${task}: ${count}${rate}${eta}`;
}

/** Redraws at most this often (ms) on a terminal, and writes a JSON line at most once a second. */
const TTY_MS = 100, JSON_MS = 1000;

export function createProgress(o: ProgressOptions): Progress {
  const now = o.now ?? (() => performance.now());
  const write = o.write ?? (o.mode === "json" ? (s: string) => process.stdout.write(s) : (s: string) => process.stderr.write(s));
  const started = o.startedAt ?? now();
  let done = 0, total = o.total, last = -Infinity, shown = false, finished = false;
  /** What the last report said (done, total): the final one is not repeated. */
  let said = "";
  const figures = () => progressFigures(done, total, now() - started);
  const show = (force: boolean) => {
    if (o.mode === "off" || finished) return;
    const t = now();
    if (!force && t - last < (o.mode === "tty" ? TTY_MS : JSON_MS)) return;
    if (o.mode === "json" && said === `${done}/${total}`) return;
    last = t;
    said = `${done}/${total}`;
    const f = figures();
    if (o.mode === "json") write(`${JSON.stringify({ type: "progress", task: o.task, unit: o.unit, ...f, time: new Date().toISOString() })}\n`);
    else { write(`\r${progressText(o.task, o.unit, f)}\x1b[K`); shown = true; }
  };
  return {
    tick(n = 1) { done += n; show(total !== null && done >= total); },
    setTotal(n) { total = n; show(true); },
    around(print) {
      if (o.mode === "tty" && shown && !finished) { write("\r\x1b[K"); print(); shown = false; show(true); } else print();
    },
    finish() {
      if (finished) return;
      show(true);
      if (o.mode === "tty" && shown) write("\n");
      finished = true;
    },
  };
}

/** The mode for a command: json with --log-format json, tty when stderr is a terminal and output is text, else off. */
export function progressMode(logFormat: "text" | "json", jsonRecords: boolean): ProgressMode {
  if (logFormat === "json") return "json";
  return !jsonRecords && process.stderr.isTTY === true ? "tty" : "off";
}
