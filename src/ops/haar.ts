/**
 * One level of the orthonormal 2-D Haar wavelet transform, per channel (method.md part 2).
 * E, the embedding network, sees only the detail bands LH, HL, HH of its input.
 *
 * Band convention (the one of pytorch_wavelets' `DWTForward(J=1, wave='haar')`, which the
 * authors' release uses): for each 2x2 block [[a, b], [c, d]] (a top-left, b top-right,
 * c bottom-left, d bottom-right), the first letter is the filter along the width and the
 * second the filter along the height:
 *   LL = (a + b + c + d) / 2   low along width,  low along height (local mean * 2)
 *   LH = (a + b - c - d) / 2   low along width,  high along height: top minus bottom,
 *                              large at horizontal edges
 *   HL = (a - b + c - d) / 2   high along width, low along height: left minus right,
 *                              large at vertical edges
 *   HH = (a - b - c + d) / 2   high along both (diagonal detail)
 * The four rows are orthonormal, so the transform preserves energy and `haarMerge` is its
 * inverse and its adjoint.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { NamedAttrMap } from "@tensorflow/tfjs-core";
import { assertNhwcFloat, assertOp, assertSameShape, shapeText } from "./op-assert.js";
import { isRecording } from "./tape-gradients.js";

/** A Haar band: `ll` the local average, `lh`, `hl`, `hh` the horizontal, vertical and diagonal details. */
export type HaarBandName = "ll" | "lh" | "hl" | "hh";

/** The four Haar bands of an [N,H,W,C] tensor, each [N,H/2,W/2,C]. */
export interface HaarBands {
  readonly ll: tf.Tensor4D;
  readonly lh: tf.Tensor4D;
  readonly hl: tf.Tensor4D;
  readonly hh: tf.Tensor4D;
}

/** All band names, in the order LL, LH, HL, HH. */
export const HAAR_BAND_NAMES: readonly HaarBandName[] = ["ll", "lh", "hl", "hh"];

/**
 * Splits each channel of `x` into its four Haar bands (convention in the file header).
 * Differentiable (reshape, unstack, split and arithmetic only).
 *
 * ```ts
 * const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]); // [[1, 2], [3, 4]]
 * const { ll, lh, hl, hh } = haarSplit(x);           // 5, -2, -1, 0
 * ```
 * @param x [N,H,W,C] float32, H and W even.
 * @returns four [N,H/2,W/2,C] tensors.
 */
export function haarSplit(x: tf.Tensor4D): HaarBands {
  assertNhwcFloat(x, "haarSplit", "x");
  const [n, h, w, c] = x.shape;
  assertOp(h % 2 === 0 && w % 2 === 0, "haarSplit", () => `height and width must be even, got ${shapeText(x.shape)}`);
  const [ll, lh, hl, hh] = tf.tidy(() => {
    // [N, H/2, 2, W/2, 2C]: axis 2 picks the block row; the last axis holds (block column, channel).
    const [top, bottom] = tf.unstack(tf.reshape(x, [n, h / 2, 2, w / 2, 2 * c]), 2) as [tf.Tensor4D, tf.Tensor4D];
    const [a, b] = tf.split(top, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
    const [cc, d] = tf.split(bottom, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
    const topSum = tf.add(a, b), topDiff = tf.sub(a, b);
    const bottomSum = tf.add(cc, d), bottomDiff = tf.sub(cc, d);
    return [
      tf.mul(tf.add(topSum, bottomSum), 0.5),
      tf.mul(tf.sub(topSum, bottomSum), 0.5),
      tf.mul(tf.add(topDiff, bottomDiff), 0.5),
      tf.mul(tf.sub(topDiff, bottomDiff), 0.5),
    ] as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  });
  return { ll, lh, hl, hh };
}

/**
 * The exact inverse of `haarSplit`: rebuilds [N,2h,2w,C] from four [N,h,w,C] bands.
 *
 * ```ts
 * const y = haarMerge(haarSplit(x)); // equals x up to float rounding
 * ```
 */
export function haarMerge(bands: HaarBands): tf.Tensor4D {
  for (const name of HAAR_BAND_NAMES) assertNhwcFloat(bands[name], "haarMerge", name);
  for (const name of ["lh", "hl", "hh"] as const) assertSameShape(bands.ll, bands[name], "haarMerge", `ll and ${name}`);
  const [n, h, w, c] = bands.ll.shape;
  return tf.tidy(() => {
    const lowSum = tf.add(bands.ll, bands.lh), lowDiff = tf.sub(bands.ll, bands.lh);
    const highSum = tf.add(bands.hl, bands.hh), highDiff = tf.sub(bands.hl, bands.hh);
    const a = tf.mul(tf.add(lowSum, highSum), 0.5);
    const b = tf.mul(tf.sub(lowSum, highSum), 0.5);
    const cc = tf.mul(tf.add(lowDiff, highDiff), 0.5);
    const d = tf.mul(tf.sub(lowDiff, highDiff), 0.5);
    const top = tf.concat([a, b], 3); // [N, h, w, 2C] = (block column, channel) interleaved
    const bottom = tf.concat([cc, d], 3);
    return tf.reshape(tf.stack([top, bottom], 2), [n, 2 * h, 2 * w, c]);
  });
}

/**
 * The chosen Haar bands of `x`, concatenated along channels in the order given, band-major:
 * `['lh', 'hl', 'hh']` on RGB gives 9 channels [LH r,g,b, HL r,g,b, HH r,g,b] (E's input, as
 * `torch.cat((LH, HL, HH), 1)` in the release).
 *
 * ```ts
 * const eInput = haarBands(hr, ["lh", "hl", "hh"]); // [N, H/2, W/2, 9] for RGB
 * ```
 */
export function haarBands(x: tf.Tensor4D, bands: readonly HaarBandName[]): tf.Tensor4D {
  assertOp(bands.length > 0, "haarBands", () => "bands must name at least one band, got []");
  for (const band of bands) {
    assertOp(HAAR_BAND_NAMES.includes(band), "haarBands", () => `unknown band ${JSON.stringify(band)}, expected one of ll, lh, hl, hh`);
  }
  assertNhwcFloat(x, "haarBands", "x");
  const [, h, w, c] = x.shape;
  assertOp(h % 2 === 0 && w % 2 === 0, "haarBands", () => `height and width must be even, got ${shapeText(x.shape)}`);
  // On a backend with the fused kernels (native): one pass forward, one for the gradient.
  if (tf.getKernel(HAAR_BANDS, tf.getBackend()) && tf.getKernel(HAAR_BANDS_GRAD, tf.getBackend())) return fusedHaarBands(x, bands);
  // Elsewhere one stride-2 2x2 convolution with fixed weights: output channel (band k, channel ch)
  // = k * C + ch reads channel ch only. A single conv is far faster than slicing the 2x2 blocks
  // apart, and its gradient is the conv's own.
  return tf.tidy(() => tf.conv2d(x, haarFilter(bands, c), 2, "valid"));
}

/** Kernel: input {x [N,H,W,C]}, attrs {weights: 4 per band, the block's pixels row-major}, output [N,H/2,W/2,bands*C]. */
export const HAAR_BANDS = "PclHaarBands";
/** Kernel: input {dy [N,H/2,W/2,bands*C]}, attrs {weights, height, width}, output dx [N,H,W,C]: the adjoint. */
export const HAAR_BANDS_GRAD = "PclHaarBandsGrad";

function fusedHaarBands(x: tf.Tensor4D, bands: readonly HaarBandName[]): tf.Tensor4D {
  const weights = bands.flatMap((b) => BAND_WEIGHTS[b]);
  const [, height, width] = x.shape;
  const forward = (input: tf.Tensor4D) => tf.engine().runKernel(HAAR_BANDS, { x: input }, { weights } as unknown as NamedAttrMap) as tf.Tensor4D;
  if (!isRecording()) return forward(x);
  // A fixed linear map: the gradient needs no saved tensor.
  const op = tf.customGrad(((input: tf.Tensor4D) => ({
    value: forward(input),
    gradFunc: (dy: tf.Tensor) => tf.engine().runKernel(HAAR_BANDS_GRAD, { dy }, { weights, height, width } as unknown as NamedAttrMap) as tf.Tensor4D,
  })) as unknown as Parameters<typeof tf.customGrad<tf.Tensor4D>>[0]);
  return op(x) as tf.Tensor4D;
}

/** Per band, the 2x2 block weights [[top-left, top-right], [bottom-left, bottom-right]] of `haarSplit`. */
const BAND_WEIGHTS: Record<HaarBandName, readonly [number, number, number, number]> = {
  ll: [0.5, 0.5, 0.5, 0.5],
  lh: [0.5, 0.5, -0.5, -0.5],
  hl: [0.5, -0.5, 0.5, -0.5],
  hh: [0.5, -0.5, -0.5, 0.5],
};

function haarFilter(bands: readonly HaarBandName[], c: number): tf.Tensor4D {
  const out = bands.length * c;
  const f = new Float32Array(4 * c * out);
  bands.forEach((band, k) => {
    const wts = BAND_WEIGHTS[band];
    for (let ch = 0; ch < c; ch++) for (let pos = 0; pos < 4; pos++) f[(pos * c + ch) * out + k * c + ch] = wts[pos];
  });
  return tf.tensor4d(f, [2, 2, c, out]);
}
