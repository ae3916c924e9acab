/**
 * Runs an `Upscaler` on an image of any size in overlapping LR tiles, so memory stays bounded.
 *
 * Layout, per axis: the image is cut into `n` near-equal cells of at most `tile - 2 * overlap` LR pixels;
 * each tile fed to the upscaler is the cell plus at least `overlap` LR pixels of context on every side
 * that has a neighbour (windows are shifted inward at the image border so that all tiles have one size
 * and can be batched). Neighbouring tiles therefore share a band of `2 * overlap` LR pixels around each
 * cell boundary. In that band the outputs are blended with a linear ramp (feathering) that skips the
 * outer `receptiveRadius` pixels of each tile, where a tile's output lacks context:
 *
 *   tile k-1 weight  1 ... 1 \ \ \ 0 0        ramp over [b - overlap + r, b + overlap - r) (LR coords,
 *   tile k   weight  0 0 / / / 1 ... 1        times scale in the output); weights always sum to 1
 *
 * So with `overlap >= upscaler.receptiveRadius` the result equals the untiled output (up to float
 * round-off); with less, the seams are still feathered rather than cut. An image no larger than `tile`
 * along an axis is a single tile along it; an image that fits entirely is upscaled in one call.
 *
 * Several tiles go through each `upscale` call (a group: at most `batch` tiles, and at most `batchPixels`
 * LR pixels in all). Each group's output is read with `await tensor.data()`, never `dataSync` (which
 * stalls a GPU, and which WebGPU refuses for device-resident tensors), and the reads overlap the host
 * work: group k+1 is handed to the upscaler, and group k's read requested, before group k is blended
 * into the image, so the device computes while the host blends. At most two groups exist at a time
 * (the one being blended and the one in flight); each group's tensors are freed as soon as its data is
 * on the host, also when the upscaler fails.
 *
 * @example
 * ```ts
 * import { upscaleTiled } from "./tiled-upscale.js";
 * const sr = await upscaleTiled(upscaler, lr, { tile: 128, overlap: 16 }); // RgbImage, (h*s) x (w*s)
 * ```
 */
import * as tf from "@tensorflow/tfjs-core";
import type { RgbImage } from "../io/image.js";
import type { Upscaler } from "../model/upscaler.js";

/** How `upscaleTiled` cuts an image into tiles and batches them. */
export interface TileOptions {
  /** LR side of each tile fed to the upscaler, context included. Default 128. */
  readonly tile?: number;
  /** LR pixels of context each tile reads past its cell on every side with a neighbour. Default: the receptive radius, at most 32 (and at most a quarter of `tile`). */
  readonly overlap?: number;
  /** Most tiles per `upscale` call. Default 8. */
  readonly batch?: number;
  /** Most LR pixels per `upscale` call, all tiles together. Default 128 * 128 * 4. */
  readonly batchPixels?: number;
}

/** The LR tile size (context included) when none is given: 128. */
export const DEFAULT_TILE = 128;

/** The overlap used when none is given: the receptive radius, at most 32 and a quarter of the tile. */
export const defaultOverlap = (receptiveRadius: number, tile: number): number => Math.min(receptiveRadius, 32, Math.floor(tile / 4));

/** One axis of the tiling: where each tile's window starts (all windows are `size` long) and its blend weights over the output. */
interface AxisTiles {
  readonly size: number;
  readonly starts: readonly number[];
  /** Per tile, the weight of each output pixel of its window (length size * scale). */
  readonly weights: readonly Float32Array[];
}

/** Splits one axis of length `len` (LR) into tiles; see the file comment for the layout. */
export function planAxis(len: number, tile: number, overlap: number, radius: number, scale: number): AxisTiles {
  if (len <= tile) return { size: len, starts: [0], weights: [new Float32Array(len * scale).fill(1)] };
  const cellMax = tile - 2 * overlap;
  const n = Math.ceil(len / cellMax);
  const bounds = Array.from({ length: n + 1 }, (_, k) => Math.floor((k * len) / n));
  const size = Math.min(len, Math.max(...bounds.slice(1).map((b, k) => b - bounds[k])) + 2 * overlap);
  const margin = overlap >= radius ? radius : 0;
  const ramp = scale * 2 * (overlap - margin); // output pixels over which a boundary blends
  // Weight of the tile on the far side of boundary b at output position X (0 before the ramp, 1 after).
  const rise = (X: number, b: number): number => {
    const t0 = scale * (b - overlap + margin);
    if (ramp === 0) return X >= scale * b ? 1 : 0;
    return Math.min(1, Math.max(0, (X - t0 + 0.5) / ramp));
  };
  const starts: number[] = [];
  const weights: Float32Array[] = [];
  for (let k = 0; k < n; k++) {
    const start = Math.min(Math.max(bounds[k] - overlap, 0), len - size);
    const w = new Float32Array(size * scale);
    for (let i = 0; i < w.length; i++) {
      const X = start * scale + i;
      w[i] = (k > 0 ? rise(X, bounds[k]) : 1) * (k < n - 1 ? 1 - rise(X, bounds[k + 1]) : 1);
    }
    starts.push(start);
    weights.push(w);
  }
  return { size, starts, weights };
}

/** Copies the window [y0, y0+h) x [x0, x0+w) of an RGB image into `dst` at `offset`. */
function copyWindow(src: RgbImage, y0: number, x0: number, h: number, w: number, dst: Float32Array, offset: number): void {
  for (let y = 0; y < h; y++) {
    const s = ((y0 + y) * src.width + x0) * 3;
    dst.set(src.data.subarray(s, s + w * 3), offset + y * w * 3);
  }
}

/** A group of tiles handed to the upscaler; `read` settles once its output is on the host (or has failed). */
interface InFlight {
  readonly tiles: readonly (readonly [number, number])[];
  readonly read: Promise<Float32Array>;
}

/**
 * Upscales `lr` (RGB in [0, 1]) with `upscaler`, tile by tile, feathering the overlaps.
 * Resolves to the SR image, (height * scale) x (width * scale), not clipped.
 */
export async function upscaleTiled(upscaler: Upscaler, lr: RgbImage, options: TileOptions = {}): Promise<RgbImage> {
  const s = upscaler.scale, r = upscaler.receptiveRadius;
  const tile = options.tile ?? DEFAULT_TILE;
  const overlap = options.overlap ?? defaultOverlap(r, tile);
  const maxBatch = options.batch ?? 8;
  const batchPixels = options.batchPixels ?? DEFAULT_TILE * DEFAULT_TILE * 4;
  if (!(Number.isInteger(tile) && tile > 0 && Number.isInteger(overlap) && overlap >= 0 && tile > 2 * overlap)) {
    throw new RangeError(`upscaleTiled: need integers tile > 2 * overlap >= 0 (got tile ${tile}, overlap ${overlap})`);
  }
  if (!(Number.isInteger(maxBatch) && maxBatch > 0)) throw new RangeError(`upscaleTiled: batch must be a positive integer (got ${maxBatch})`);
  if (lr.data.length !== lr.width * lr.height * 3) throw new RangeError(`upscaleTiled: data has ${lr.data.length} values, expected ${lr.height}x${lr.width}x3`);

  const rows = planAxis(lr.height, tile, overlap, r, s);
  const cols = planAxis(lr.width, tile, overlap, r, s);
  const th = rows.size, tw = cols.size, W = lr.width * s;
  const out = new Float32Array(lr.height * s * W * 3);
  const norm = new Float32Array(lr.height * s * W);
  const tiles = rows.starts.flatMap((_, i) => cols.starts.map((_, j) => [i, j] as const));
  const perCall = Math.max(1, Math.min(maxBatch, Math.floor(batchPixels / (th * tw))));
  const groups = Array.from({ length: Math.ceil(tiles.length / perCall) }, (_, g) => tiles.slice(g * perCall, (g + 1) * perCall));

  /**
   * Hands one group to the upscaler; resolves once its output exists and its read has been requested
   * (so a later group's kernels queue behind this read, not in front of it). The group's tensors are
   * freed when the read settles.
   */
  const launch = async (group: readonly (readonly [number, number])[]): Promise<InFlight> => {
    const input = new Float32Array(group.length * th * tw * 3);
    group.forEach(([i, j], b) => copyWindow(lr, rows.starts[i], cols.starts[j], th, tw, input, b * th * tw * 3));
    const x = tf.tensor4d(input, [group.length, th, tw, 3]);
    let sr: tf.Tensor4D;
    try {
      sr = await upscaler.upscale(x);
    } catch (err) {
      x.dispose();
      throw err;
    }
    const free = (): void => { x.dispose(); sr.dispose(); };
    const expected = [group.length, th * s, tw * s, 3];
    if (sr.rank !== 4 || sr.shape.some((d, k) => d !== expected[k])) {
      const got = sr.shape.join(",");
      free();
      throw new RangeError(`upscaleTiled: ${upscaler.name} returned [${got}] for tiles [${group.length},${th},${tw},3] (expected [${expected.join(",")}])`);
    }
    const read = (sr.data() as Promise<Float32Array>).finally(free);
    // Awaited later (after the next group is launched); a failure before then is not "unhandled".
    read.catch(() => undefined);
    return { tiles: group, read };
  };

  const blend = (group: readonly (readonly [number, number])[], data: Float32Array): void => {
    group.forEach(([i, j], b) => {
      const wy = rows.weights[i], wx = cols.weights[j];
      const oy = rows.starts[i] * s, ox = cols.starts[j] * s;
      const base = b * th * s * tw * s * 3;
      for (let y = 0; y < th * s; y++) {
        if (wy[y] === 0) continue;
        for (let x = 0; x < tw * s; x++) {
          const w = wy[y] * wx[x];
          if (w === 0) continue;
          const p = (oy + y) * W + ox + x, q = base + (y * tw * s + x) * 3;
          norm[p] += w;
          out[p * 3] += w * data[q]; out[p * 3 + 1] += w * data[q + 1]; out[p * 3 + 2] += w * data[q + 2];
        }
      }
    });
  };

  // Group g+1 goes to the upscaler before group g is blended; never more than these two exist.
  const inFlight: InFlight[] = [];
  try {
    for (let g = 0; g < groups.length; g++) {
      if (g === 0) inFlight.push(await launch(groups[0]));
      if (g + 1 < groups.length) inFlight.push(await launch(groups[g + 1]));
      const current = inFlight.shift()!;
      blend(current.tiles, await current.read);
    }
  } catch (err) {
    // Let what is still in flight finish and free its tensors before reporting the failure.
    await Promise.allSettled(inFlight.map((f) => f.read));
    throw err;
  }
  for (let p = 0; p < norm.length; p++) {
    const inv = 1 / norm[p];
    out[p * 3] *= inv; out[p * 3 + 1] *= inv; out[p * 3 + 2] *= inv;
  }
  return { width: W, height: lr.height * s, data: out };
}
