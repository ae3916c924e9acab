import test from "ava";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pruneMetrics } from "../src/train/prune-metrics.js";

test("a resume at iteration 4 drops the metrics lines of the steps and validations it redoes, and a line a kill cut short", (t) => {
  const file = join(mkdtempSync(join(tmpdir(), "pcl-metrics-")), "metrics.jsonl");
  const line = (type: string, iteration: number) => JSON.stringify({ time: "t", type, iteration });
  const lines = [line("step", 2), line("step", 3), line("validation", 4), line("step", 4), line("step", 5), line("validation", 6)];
  writeFileSync(file, `${lines.join("\n")}\n{"time":"t","type":"st`);
  pruneMetrics(file, 4);
  t.is(readFileSync(file, "utf8"), `${lines.slice(0, 3).join("\n")}\n`);
  pruneMetrics(file, 4);
  t.is(readFileSync(file, "utf8"), `${lines.slice(0, 3).join("\n")}\n`, "nothing more to drop: the file is left alone");
  pruneMetrics(join(file, "..", "absent.jsonl"), 4);
});
