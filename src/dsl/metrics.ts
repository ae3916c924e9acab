/**
 * The image quality metrics pcl-stream reports, by name: PSNR and SSIM compare an SR image with its
 * HR (full-reference; higher is better), NIQE scores an image alone against a model of natural
 * images (no-reference; lower is more natural). Their computation is in src/ops.
 */
export type MetricName = "psnr" | "ssim" | "niqe";

/** Every metric name, in the order reports list them. */
export const METRIC_NAMES: readonly MetricName[] = Object.freeze(["psnr", "ssim", "niqe"]);

/** Whether `s` names a metric (a type guard for flag and JSON values). */
export const isMetricName = (s: string): s is MetricName => (METRIC_NAMES as readonly string[]).includes(s);
