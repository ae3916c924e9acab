/** `--metrics` / `--val-metrics` values: a comma-separated list of metric names (src/dsl/metrics.ts). */
import { isMetricName, METRIC_NAMES, type MetricName } from "../src/index.js";

/**
 * The metrics named in `text` ("psnr,ssim,niqe"), in the order given, without repeats; throws an
 * Error naming the flag and the accepted names when one is unknown or not among `allowed`.
 */
export function parseMetrics(flag: string, text: string, allowed: readonly MetricName[] = METRIC_NAMES): MetricName[] {
  const names = [...new Set(text.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean))];
  if (names.length === 0) throw new Error(`${flag}: expected a comma-separated list of ${allowed.join(", ")}, got '${text}'`);
  for (const n of names) {
    if (!isMetricName(n) || !allowed.includes(n)) throw new Error(`${flag}: unknown metric '${n}' (expected ${allowed.join(", ")})`);
  }
  return names as MetricName[];
}
