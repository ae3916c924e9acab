/**
 * FusedBatchNorm (tf.batchNorm's forward) in one pass on the addon, per channel of the last axis,
 * in double as tfjs-backend-cpu computes it (its JS loop took ~4 ms per call on the paper's E).
 * Declines (cpu) when a parameter is neither a scalar nor one value per channel.
 */
import { FusedBatchNorm } from "@tensorflow/tfjs-core";
import type { FusedBatchNormAttrs } from "@tensorflow/tfjs-core";
import { addon } from "../addon.js";
import { f32, nativeKernel, outputF32, sizeOf } from "./util.js";

const ONE = Float32Array.of(1), ZERO = Float32Array.of(0);

export const batchNormConfig = nativeKernel(FusedBatchNorm, ({ inputs, backend, attrs }) => {
  const { x, mean, variance, scale, offset } = inputs;
  const channels = x.shape[x.shape.length - 1];
  const values = [x, mean, variance].map((t) => f32(backend, t));
  const sv = scale ? f32(backend, scale) : ONE, ov = offset ? f32(backend, offset) : ZERO;
  if (values.some((v) => v === null) || !sv || !ov || !channels) return null;
  const [xv, mv, vv] = values as Float32Array[];
  if (![mv, vv, sv, ov].every((p) => p.length === 1 || p.length === channels)) return null;
  const eps = (attrs as unknown as FusedBatchNormAttrs).varianceEpsilon ?? 0.001;
  const out = outputF32(backend, sizeOf(x.shape));
  if (out.length > 0) addon().batchNorm(xv, mv, vv, sv, ov, out, channels, eps);
  return backend.makeTensorInfo(x.shape, "float32", out);
});
