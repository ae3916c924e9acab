/**
 * Gaussian blur with a different kernel per sample: how PCL makes hard negatives, slightly
 * blurred copies of HR at HR size (method.md part 4). Kernels follow torchvision's
 * `GaussianBlur`: a separable product of two 1-D Gaussians sampled at integer offsets, each
 * normalized to sum 1, reflect padding at the borders.
 */
import * as tf from "@tensorflow/tfjs-core";
import { assertNhwcFloat, assertOp, shapeText } from "./op-assert.js";
import { reflectSeparableFilter } from "./reflect-separable-filter.js";

/** One blur: odd kernel `size`, standard deviations along the width (x) and height (y). */
export interface BlurKernel {
  readonly size: number;
  readonly sigmaX: number;
  readonly sigmaY: number;
}

/** Kernel sizes the negatives draw from (method.md part 4). */
export const BLUR_KERNEL_SIZES: readonly number[] = [3, 5, 7, 9, 11];
/** The smallest sigma negatives draw: sigmas come from [BLUR_SIGMA_MIN, BLUR_SIGMA_MAX). */
export const BLUR_SIGMA_MIN = 0.1;
/** The bound of the sigmas negatives draw (excluded). */
export const BLUR_SIGMA_MAX = 2.0;

function assertKernel(size: number, sigmaX: number, sigmaY: number, op: string): void {
  assertOp(Number.isInteger(size) && size >= 1 && size % 2 === 1, op, () => `kernel size must be an odd integer >= 1, got ${size}`);
  assertOp(Number.isFinite(sigmaX) && sigmaX > 0 && Number.isFinite(sigmaY) && sigmaY > 0, op, () =>
    `sigmas must be finite and > 0, got sigmaX=${sigmaX}, sigmaY=${sigmaY}`);
}

/** Normalized 1-D Gaussian at offsets -(size-1)/2 .. (size-1)/2, computed in float64. */
function gaussian1d(size: number, sigma: number): number[] {
  const half = (size - 1) / 2;
  const weights = Array.from({ length: size }, (_, i) => Math.exp(-0.5 * ((i - half) / sigma) ** 2));
  const total = weights.reduce((s, v) => s + v, 0);
  return weights.map((v) => v / total);
}

/**
 * The 2-D Gaussian kernel, row-major [size][size]: entry (i, j) = gy[i] * gx[j], row i along
 * the height (sigmaY) and column j along the width (sigmaX). Sums to 1, symmetric about both
 * axes.
 *
 * ```ts
 * const k = gaussianKernel2d(5, 1.0, 0.5); // Float32Array(25)
 * ```
 */
export function gaussianKernel2d(size: number, sigmaX: number, sigmaY: number): Float32Array {
  assertKernel(size, sigmaX, sigmaY, "gaussianKernel2d");
  const gx = gaussian1d(size, sigmaX);
  const gy = gaussian1d(size, sigmaY);
  const out = new Float32Array(size * size);
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) out[i * size + j] = gy[i]! * gx[j]!;
  return out;
}

/**
 * Blurs sample n of `x` with `kernels[n]`, each channel independently; the output has the
 * input's size (reflect padding, so H and W must exceed (size-1)/2). Runs as two 1-D passes
 * (one fused kernel on native, two depthwise convolutions elsewhere), equal to the 2-D kernel of
 * `gaussianKernel2d` up to float rounding.
 * Differentiable in `x`.
 *
 * ```ts
 * const rand = Math.random;
 * const negatives = gaussianBlur(hr, [sampleBlurKernel(rand), sampleBlurKernel(rand)]); // hr: [2,H,W,3]
 * ```
 * @param x [N,H,W,C] float32.
 * @param kernels one per sample (length N).
 */
export function gaussianBlur(x: tf.Tensor4D, kernels: readonly BlurKernel[]): tf.Tensor4D {
  assertNhwcFloat(x, "gaussianBlur", "x");
  const [n, h, w] = x.shape;
  assertOp(kernels.length === n, "gaussianBlur", () => `need one kernel per sample: ${n} for x ${shapeText(x.shape)}, got ${kernels.length}`);
  for (const k of kernels) {
    assertKernel(k.size, k.sigmaX, k.sigmaY, "gaussianBlur");
    const pad = (k.size - 1) / 2;
    assertOp(pad < h && pad < w, "gaussianBlur", () =>
      `reflect padding of ${pad} needs height and width > ${pad}, got x ${shapeText(x.shape)} with kernel size ${k.size}`);
  }
  // Reflect-padded and separable: one fused pass per output row where the backend has the kernel,
  // else the samples folded into channels for two 1-D depthwise convolutions (reflect-separable-filter.ts).
  return reflectSeparableFilter(x, kernels.map((k) => ({ scale: 0, vertical: gaussian1d(k.size, k.sigmaY), horizontal: gaussian1d(k.size, k.sigmaX) })));
}

/**
 * Draws one negative's blur as method.md says: size uniform over {3,5,7,9,11}, then sigmaX,
 * then sigmaY, each uniform in [0.1, 2.0). `rand` returns numbers in [0, 1) and is called
 * exactly three times.
 *
 * ```ts
 * sampleBlurKernel(Math.random); // e.g. { size: 7, sigmaX: 1.31, sigmaY: 0.42 }
 * ```
 */
export function sampleBlurKernel(rand: () => number): BlurKernel {
  const sizes = BLUR_KERNEL_SIZES;
  const size = sizes[Math.min(sizes.length - 1, Math.floor(rand() * sizes.length))]!;
  const sigma = () => BLUR_SIGMA_MIN + (BLUR_SIGMA_MAX - BLUR_SIGMA_MIN) * rand();
  const sigmaX = sigma();
  const sigmaY = sigma();
  return { size, sigmaX, sigmaY };
}
