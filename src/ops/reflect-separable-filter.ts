/**
 * A per-sample separable filter with reflect padding, plus a per-sample multiple of the input:
 *
 *   out[n] = scale[n] * x[n] + (vertical[n] (x) horizontal[n]) * reflectPad(x[n])
 *
 * the one shape of PCL's contrast augmenters (gaussian-blur.ts: scale 0, the two 1-D gaussians;
 * sharpen.ts: PIL's SMOOTH blend, which is the input times a number plus a 3x3 box). A backend
 * with the PCL_REFLECT_SEPARABLE_FILTER kernel (native) runs it as one pass per output row, with
 * no padded copy and no transposes; elsewhere, and while a gradient is recorded, it runs as tfjs
 * ops: samples folded into channels, so one reflect pad and two 1-D depthwise convolutions serve
 * the whole batch (a tap outside a sample's own kernel has weight 0).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { NamedAttrMap } from "@tensorflow/tfjs-core";
import { assertNhwcFloat, assertOp, shapeText } from "./op-assert.js";
import { reflectPad } from "./reflect-pad.js";
import { isRecording } from "./tape-gradients.js";

/** inputs {x: [N,H,W,C], scale: [N], vertical: [N,T], horizontal: [N,T]} (T odd), output [N,H,W,C]. */
export const REFLECT_SEPARABLE_FILTER = "PclReflectSeparableFilter";

/** One sample's filter: `scale` times the input plus the outer product of the two tap lists. */
export interface SeparableTaps {
  readonly scale: number;
  /** Along the height, odd length; the center tap is the pixel's own row. */
  readonly vertical: readonly number[];
  /** Along the width, odd length (may differ from `vertical`'s; the shorter is centered). */
  readonly horizontal: readonly number[];
}

/** True when the current backend runs the filter as one kernel (outside gradient recording). */
export function hasFusedReflectFilter(): boolean {
  return tf.getKernel(REFLECT_SEPARABLE_FILTER, tf.getBackend()) !== undefined;
}

/** Applies `filters[n]` to sample n of x ([N,H,W,C] float32), reflect-padding by the largest radius. */
export function reflectSeparableFilter(x: tf.Tensor4D, filters: readonly SeparableTaps[]): tf.Tensor4D {
  const op = "reflectSeparableFilter";
  assertNhwcFloat(x, op, "x");
  const [n, h, w, c] = x.shape;
  assertOp(filters.length === n, op, () => `need one filter per sample: ${n} for x ${shapeText(x.shape)}, got ${filters.length}`);
  for (const f of filters) {
    for (const taps of [f.vertical, f.horizontal]) {
      assertOp(taps.length % 2 === 1, op, () => `tap lists must have odd length, got ${taps.length}`);
      assertOp(taps.every(Number.isFinite), op, () => `taps must be finite, got [${taps.join(", ")}]`);
    }
    assertOp(Number.isFinite(f.scale), op, () => `scale must be finite, got ${f.scale}`);
  }
  const taps = Math.max(...filters.flatMap((f) => [f.vertical.length, f.horizontal.length]));
  const pad = (taps - 1) / 2;
  assertOp(pad < h && pad < w, op, () => `reflect padding of ${pad} needs height and width > ${pad}, got x ${shapeText(x.shape)}`);
  // Every tap list centered in `taps` slots, zeros outside.
  const table = (pick: (f: SeparableTaps) => readonly number[]) => {
    const data = new Float32Array(n * taps);
    filters.forEach((f, i) => {
      const t = pick(f), offset = (taps - t.length) / 2;
      t.forEach((v, j) => { data[i * taps + offset + j] = v; });
    });
    return data;
  };
  const vertical = table((f) => f.vertical), horizontal = table((f) => f.horizontal);
  const scales = Float32Array.from(filters, (f) => f.scale);
  if (!isRecording() && hasFusedReflectFilter()) {
    return tf.tidy(() => tf.engine().runKernel(REFLECT_SEPARABLE_FILTER, {
      x, scale: tf.tensor1d(scales), vertical: tf.tensor2d(vertical, [n, taps]), horizontal: tf.tensor2d(horizontal, [n, taps]),
    }, {} as NamedAttrMap) as tf.Tensor4D);
  }
  // Depthwise filters over the folded channels (channel i*C + ch is sample i's channel ch).
  const folded = (data: Float32Array, alongHeight: boolean) => {
    const f = new Float32Array(taps * n * c);
    for (let i = 0; i < n; i++) for (let t = 0; t < taps; t++) f.fill(data[i * taps + t]!, t * n * c + i * c, t * n * c + (i + 1) * c);
    return tf.tensor4d(f, alongHeight ? [taps, 1, n * c, 1] : [1, taps, n * c, 1]);
  };
  return tf.tidy(() => {
    const padded = reflectPad(x, pad); // not tf.mirrorPad: its gradient drops the border
    const [, ph, pw] = padded.shape;
    const channels = tf.reshape(tf.transpose(padded, [1, 2, 0, 3]), [1, ph, pw, n * c]) as tf.Tensor4D;
    const filtered = tf.depthwiseConv2d(tf.depthwiseConv2d(channels, folded(vertical, true), 1, "valid"), folded(horizontal, false), 1, "valid");
    const out = tf.transpose(tf.reshape(filtered, [h, w, n, c]), [2, 0, 1, 3]) as tf.Tensor4D;
    return scales.every((s) => s === 0) ? out : tf.add(tf.mul(tf.tensor4d(scales, [n, 1, 1, 1]), x), out) as tf.Tensor4D;
  });
}
