/**
 * MATLAB-compatible bicubic `imresize`: the resize that makes the LR images of the published SR tables.
 *
 * What MATLAB's `imresize(img, scale, 'bicubic')` does, and this file reproduces:
 * - cubic kernel with a = -0.5 (Keys);
 * - when downscaling, antialiasing: the kernel is widened by 1/scale and its weights scaled by scale;
 * - output pixel x (1-based) samples the input at u = x/scale + 0.5 (1 - 1/scale);
 * - borders are symmetric: out-of-range taps are mirrored (index i reads aux[(i-1) mod 2n] with
 *   aux = [1..n, n..1]), and each row of weights is normalized to sum 1;
 * - output size ceil(in * scale); the height pass runs first, then the width pass;
 * - a uint8 image is rounded and clipped to [0, 255] after each pass (MATLAB keeps the class);
 *   a float image is not.
 *
 * The weight/index tables (`cubicContributions`) depend only on (in size, out size, scale) and are
 * cached; the resize itself is a loop over typed arrays (`imresizeRgb`, for the data pipeline;
 * `imresizePlane`, one float64 channel, for NIQE's second scale) or two
 * matMuls with dense weight matrices (`imresize`, for batched tensors inside `tf.tidy`, differentiable).
 *
 * @example
 * ```ts
 * import { imresize, imresizeRgb } from "./imresize.js";
 * const lr = imresizeRgb(hr, 1 / 4, { uint8: true });   // the LR of the published tables
 * const up = tf.tidy(() => imresize(lrBatch, 4));        // MATLAB bicubic upsampling, float
 * ```
 */
import * as tf from "@tensorflow/tfjs-core";
import type { RgbImage } from "../io/image.js";
import type { Plane } from "./ycbcr.js";

/** Keys' cubic convolution kernel with a = -0.5 (MATLAB's `cubic`). */
export function cubic(x: number): number {
  const ax = Math.abs(x);
  const ax2 = ax * ax;
  const ax3 = ax2 * ax;
  if (ax <= 1) return 1.5 * ax3 - 2.5 * ax2 + 1;
  if (ax <= 2) return -0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2;
  return 0;
}

/**
 * The resize along one axis as a table: output `i` is `sum_k weights[i*taps + k] * input[indices[i*taps + k]]`.
 * Indices are 0-based and already mirrored into [0, inSize).
 */
export interface Contributions {
  readonly inSize: number;
  readonly outSize: number;
  readonly taps: number;
  readonly weights: Float64Array;
  readonly indices: Int32Array;
}

/**
 * MATLAB's `contributions(in_length, out_length, scale, @cubic, 4, antialiasing)`, as a pure function.
 * Columns whose weights are zero for every output are dropped, as MATLAB does.
 */
export function cubicContributions(inSize: number, outSize: number, scale: number, antialias = true): Contributions {
  if (!(Number.isInteger(inSize) && inSize > 0 && Number.isInteger(outSize) && outSize > 0 && scale > 0)) {
    throw new RangeError(`cubicContributions: sizes must be positive integers and scale > 0 (got in ${inSize}, out ${outSize}, scale ${scale})`);
  }
  const widen = scale < 1 && antialias;
  const h = widen ? (x: number) => scale * cubic(scale * x) : cubic;
  const kernelWidth = widen ? 4 / scale : 4;
  const P = Math.ceil(kernelWidth) + 2;
  const w = new Float64Array(outSize * P);
  const ind = new Int32Array(outSize * P);
  const period = 2 * inSize;
  for (let x = 1; x <= outSize; x++) {
    const u = x / scale + 0.5 * (1 - 1 / scale);
    const left = Math.floor(u - kernelWidth / 2);
    let sum = 0;
    for (let k = 0; k < P; k++) {
      const v = h(u - (left + k));
      w[(x - 1) * P + k] = v;
      sum += v;
      const m = (((left + k - 1) % period) + period) % period; // 0-based position in aux = [1..n, n..1]
      ind[(x - 1) * P + k] = m < inSize ? m : period - 1 - m;
    }
    for (let k = 0; k < P; k++) w[(x - 1) * P + k] /= sum;
  }
  // MATLAB's `kill`: keep only the columns with a nonzero weight somewhere (they form a contiguous range).
  let first = P, last = -1;
  for (let k = 0; k < P; k++) {
    for (let x = 0; x < outSize; x++) {
      if (w[x * P + k] !== 0) { first = Math.min(first, k); last = Math.max(last, k); break; }
    }
  }
  const taps = last - first + 1;
  const weights = new Float64Array(outSize * taps);
  const indices = new Int32Array(outSize * taps);
  for (let x = 0; x < outSize; x++) {
    for (let k = 0; k < taps; k++) {
      weights[x * taps + k] = w[x * P + first + k];
      indices[x * taps + k] = ind[x * P + first + k];
    }
  }
  return { inSize, outSize, taps, weights, indices };
}

/** A resize target: a scale factor (output ceil(in * scale)), or an exact output size. */
export type ResizeTarget = number | { readonly height: number; readonly width: number };

interface AxisPlan { readonly outSize: number; readonly scale: number }

/** MATLAB's rule: a scale gives size ceil(in * scale); a size gives the scale out / in. */
function plan(inH: number, inW: number, target: ResizeTarget, op: string): readonly [AxisPlan, AxisPlan] {
  if (typeof target === "number") {
    if (!(target > 0 && Number.isFinite(target))) throw new RangeError(`${op}: scale must be a positive number (got ${target})`);
    // Guard against 0.25 * 512 = 128.00000000000003 style round-off before the ceil.
    const size = (n: number) => Math.ceil(n * target - 1e-9);
    return [{ outSize: size(inH), scale: target }, { outSize: size(inW), scale: target }];
  }
  const { height, width } = target;
  if (!(Number.isInteger(height) && height > 0 && Number.isInteger(width) && width > 0)) {
    throw new RangeError(`${op}: output size must be positive integers (got ${height}x${width})`);
  }
  return [{ outSize: height, scale: height / inH }, { outSize: width, scale: width / inW }];
}

const cache = new Map<string, Contributions>();
const CACHE_LIMIT = 64;

/** `cubicContributions`, memoized per (in size, out size, scale): the tables are reused across images and batches. */
function contributionsFor(inSize: number, axis: AxisPlan): Contributions {
  const key = `${inSize}:${axis.outSize}:${axis.scale}`;
  let c = cache.get(key);
  if (!c) {
    c = cubicContributions(inSize, axis.outSize, axis.scale);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, c);
  }
  return c;
}

/** 8-bit HWC interleaved pixels (a `DecodedImage` with bitDepth 8 is one). */
export interface Uint8Hwc {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Uint8Array;
}

type Pixels = Float64Array | Float32Array | Uint8Array;

/** One pass along the height: `src` is [inH, rowLen] rows, the result [outH, rowLen]. */
function resizeRows(src: Pixels, rowLen: number, c: Contributions, round: boolean): Float64Array {
  const out = new Float64Array(c.outSize * rowLen);
  for (let y = 0; y < c.outSize; y++) {
    const o = y * rowLen;
    for (let k = 0; k < c.taps; k++) {
      const wk = c.weights[y * c.taps + k];
      const s = c.indices[y * c.taps + k] * rowLen;
      for (let i = 0; i < rowLen; i++) out[o + i] += wk * src[s + i];
    }
    if (round) for (let i = 0; i < rowLen; i++) out[o + i] = roundUint8(out[o + i]);
  }
  return out;
}

/** One pass along the width of [rows, inW, ch] pixels, the result [rows, outW, ch]. */
function resizeCols(src: Float64Array, rows: number, ch: number, c: Contributions, round: boolean): Float64Array {
  const inRow = c.inSize * ch, outRow = c.outSize * ch;
  const out = new Float64Array(rows * outRow);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < c.outSize; x++) {
      const o = y * outRow + x * ch;
      for (let k = 0; k < c.taps; k++) {
        const wk = c.weights[x * c.taps + k];
        const s = y * inRow + c.indices[x * c.taps + k] * ch;
        for (let q = 0; q < ch; q++) out[o + q] += wk * src[s + q];
      }
      if (round) for (let q = 0; q < ch; q++) out[o + q] = roundUint8(out[o + q]);
    }
  }
  return out;
}

/** MATLAB's double -> uint8: round half away from zero, saturate. */
const roundUint8 = (v: number): number => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

function resizePixels(data: Pixels, h: number, w: number, ch: number, target: ResizeTarget, round: boolean, op: string) {
  if (data.length !== h * w * ch) throw new RangeError(`${op}: data has ${data.length} values, expected ${h}x${w}x${ch}`);
  const [ph, pw] = plan(h, w, target, op);
  const rows = resizeRows(data, w * ch, contributionsFor(h, ph), round);
  return { height: ph.outSize, width: pw.outSize, data: resizeCols(rows, ph.outSize, ch, contributionsFor(w, pw), round) };
}

/**
 * Resizes a typed-array image like MATLAB's `imresize(img, target, 'bicubic')`.
 *
 * - A `Uint8Hwc` (any channel count) takes the uint8 path and comes back as `Uint8Hwc`.
 * - An `RgbImage` takes the float path; with `{ uint8: true }` it is first rounded to 8 bits
 *   (round(v * 255), clipped), resized on the uint8 path, and returned as `RgbImage` holding k / 255.
 *   That is how the LR images of the published tables are made from HR.
 */
export function imresizeRgb(img: Uint8Hwc, target: ResizeTarget): Uint8Hwc;
export function imresizeRgb(img: RgbImage, target: ResizeTarget, opts?: { readonly uint8?: boolean }): RgbImage;
export function imresizeRgb(img: RgbImage | Uint8Hwc, target: ResizeTarget, opts: { readonly uint8?: boolean } = {}): RgbImage | Uint8Hwc {
  if (img.data instanceof Uint8Array) {
    const ch = (img as Uint8Hwc).channels;
    const r = resizePixels(img.data, img.height, img.width, ch, target, true, "imresizeRgb");
    return { width: r.width, height: r.height, channels: ch, data: Uint8Array.from(r.data) };
  }
  if (opts.uint8) {
    const q = new Uint8Array(img.data.length);
    for (let i = 0; i < q.length; i++) q[i] = roundUint8(img.data[i] * 255);
    const r = resizePixels(q, img.height, img.width, 3, target, true, "imresizeRgb");
    const out = new Float32Array(r.data.length);
    for (let i = 0; i < out.length; i++) out[i] = r.data[i] / 255;
    return { width: r.width, height: r.height, data: out };
  }
  const r = resizePixels(img.data, img.height, img.width, 3, target, false, "imresizeRgb");
  return { width: r.width, height: r.height, data: Float32Array.from(r.data) };
}

/** Resizes one float64 plane like MATLAB's `imresize` of a double image (float path, no rounding). */
export function imresizePlane(p: Plane, target: ResizeTarget): Plane {
  const r = resizePixels(p.data, p.height, p.width, 1, target, false, "imresizePlane");
  return { width: r.width, height: r.height, data: r.data };
}

/** The contributions as a dense [out, in] matrix (mirrored taps that hit the same pixel add up). */
export function contributionMatrix(c: Contributions): Float32Array {
  const m = new Float32Array(c.outSize * c.inSize);
  for (let i = 0; i < c.outSize; i++) {
    for (let k = 0; k < c.taps; k++) m[i * c.inSize + c.indices[i * c.taps + k]] += c.weights[i * c.taps + k];
  }
  return m;
}

/**
 * MATLAB bicubic resize of a batch, float path (no rounding): [N, H, W, C] -> [N, H', W', C].
 * Two matMuls with the dense weight matrices (height pass, then width pass), so it is differentiable
 * and runs on any backend. Call it inside `tf.tidy`.
 */
export function imresize(x: tf.Tensor4D, target: ResizeTarget): tf.Tensor4D {
  if (x.rank !== 4) throw new RangeError(`imresize: x must be [N, H, W, C] (got shape [${x.shape.join(", ")}])`);
  const [n, h, w, ch] = x.shape;
  const [ph, pw] = plan(h, w, target, "imresize");
  const oh = ph.outSize, ow = pw.outSize;
  return tf.tidy(() => {
    const mh = tf.tensor2d(contributionMatrix(contributionsFor(h, ph)), [oh, h]);
    const mw = tf.tensor2d(contributionMatrix(contributionsFor(w, pw)), [ow, w]);
    const rows = tf.matMul(mh, tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [h, n * w * ch])); // [oh, n*w*ch]
    const cols = tf.reshape(tf.transpose(tf.reshape(rows, [oh, n, w, ch]), [2, 0, 1, 3]), [w, oh * n * ch]);
    const out = tf.reshape(tf.matMul(mw, cols), [ow, oh, n, ch]);
    return tf.transpose(out, [2, 1, 0, 3]) as tf.Tensor4D;
  });
}
