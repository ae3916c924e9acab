/**
 * A resumed run redoes the steps after its checkpoint, so the lines its first life wrote for them
 * (and a line cut short by a kill) come out of the metrics file before the run appends again: each
 * step and validation then appears once, in order. The file is rewritten atomically (temp + rename).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

/** Keeps the lines of `file` that a run resumed at `iteration` (iterations completed) will not write again. */
export function pruneMetrics(file: string, iteration: number): void {
  if (!existsSync(file)) return;
  const text = readFileSync(file, "utf8");
  const kept: string[] = [];
  let dropped = 0;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    let e: { type?: unknown; iteration?: unknown };
    try { e = JSON.parse(line) as typeof e; } catch { dropped++; continue; }
    const it = typeof e.iteration === "number" ? e.iteration : -1;
    // A step's iteration is its 0-based index (the step that completes it + 1); a validation's is iterations completed.
    const redone = e.type === "step" ? it >= iteration : e.type === "validation" ? it > iteration : false;
    if (redone) dropped++; else kept.push(line);
  }
  if (dropped === 0) return;
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, kept.length ? `${kept.join("\n")}\n` : "");
  renameSync(tmp, file);
}
