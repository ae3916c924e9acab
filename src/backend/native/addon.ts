/**
 * Loads the C++ addon (build/Release/pcl_native.node, built by `npm run build:native` or as part
 * of `npm ci`). Loading never throws: it answers why the addon is unusable instead.
 */
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../package-root.js";

/** The functions the addon exports. Arrays are read/written in place; shapes go in Int32Arrays. */
export interface NativeAddon {
  /** [N,H,W,C, OH,OW,CO, KH,KW, sh,sw, dh,dw, padTop,padLeft]; act: 0 linear 1 relu 2 relu6 3 leaky 4 sigmoid */
  conv2d(x: Float32Array, w: Float32Array, bias: Float32Array | null, out: Float32Array, shape: Int32Array, act: number, alpha: number): void;
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, shape: Int32Array): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, shape: Int32Array): void;
  /** shape as conv2d with CO = C * multiplier */
  depthwiseConv2d(x: Float32Array, w: Float32Array, out: Float32Array, shape: Int32Array, multiplier: number): void;
  depthwiseBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, shape: Int32Array, multiplier: number): void;
  depthwiseBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, shape: Int32Array, multiplier: number): void;
  /** params [batchA, batchB, M, N, K, transposeA, transposeB] */
  matmul(a: Float32Array, b: Float32Array, c: Float32Array, params: Int32Array, bias: Float32Array | null, act: number, alpha: number): void;
  /** op: 0 add 1 sub 2 mul 3 div 4 max 5 min 6 squared_difference 7 pow; strided broadcast view */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, shape: Int32Array, stridesA: Int32Array, stridesB: Int32Array): void;
  /** op: 0 > 1 >= 2 < 3 <= 4 == 5 != */
  compare(op: number, a: Float32Array, b: Float32Array, out: Uint8Array, shape: Int32Array, stridesA: Int32Array, stridesB: Int32Array): void;
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  /** op: 0 sum 1 mean 2 max 3 min 4 prod; keep[i] = 1 for kept axes */
  reduce(op: number, x: Float32Array, out: Float32Array, shape: Int32Array, keep: Int32Array): void;
  transpose(x: Float32Array | Int32Array, out: Float32Array | Int32Array, shape: Int32Array, perm: Int32Array): void;
  /** mode: 0 constant 1 reflect 2 symmetric */
  pad4(x: Float32Array, out: Float32Array, shape: Int32Array, before: Int32Array, after: Int32Array, mode: number, value: number): void;
  select(cond: Uint8Array, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** out = offset + (x - mean) * scale / sqrt(variance + eps) over the last axis (`channels`); parameters of length 1 or channels */
  batchNorm(x: Float32Array, mean: Float32Array, variance: Float32Array, scale: Float32Array, offset: Float32Array, out: Float32Array, channels: number, eps: number): void;
  /** new w, m, v from w, g, m, v; constants [b1, 1-b1, b2, 1-b2, lr/c1, c2, eps] (PyTorch's Adam) */
  adamUpdate(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, wOut: Float32Array, mOut: Float32Array, vOut: Float32Array, constants: Float32Array): void;
  /** g = dy * (y > 0 ? 1 : slope), dbias = column sums of g (rows x C) */
  biasActivationGrad(dy: Float32Array, y: Float32Array, g: Float32Array, dbias: Float32Array, rows: number, channels: number, slope: number): void;
  /** out[n, c] = sum over the HW pixels of sample n of dy * x */
  channelDot(dy: Float32Array, x: Float32Array, out: Float32Array, n: number, hw: number, channels: number): void;
  /** out[n, p, c] = dy[n, p, c] * s[n, c] + b[n, c] */
  scaleShiftChannels(dy: Float32Array, s: Float32Array, b: Float32Array, out: Float32Array, n: number, hw: number, channels: number): void;
  /**
   * out = a[n] x + (v[n] (x) hz[n]) * x per sample n, reflect-padded, NHWC; v and hz hold `taps` (odd)
   * weights per sample (vertical, horizontal).
   */
  reflectSeparableFilter(x: Float32Array, a: Float32Array, v: Float32Array, hz: Float32Array, out: Float32Array, n: number, height: number, width: number, channels: number, taps: number): void;
  /** out[n,k] = mean over the P pixels of the cosine of a[n,p,:] (N*P*C) and o[n,k,p,:] (N*K*P*C), norms clamped at eps */
  cosineSimilarities(a: Float32Array, o: Float32Array, out: Float32Array, n: number, k: number, pixels: number, channels: number, eps: number): void;
  /** da = the gradient of sum(g * cosineSimilarities(a, o)) with respect to a (o constant) */
  cosineSimilaritiesGrad(a: Float32Array, o: Float32Array, g: Float32Array, da: Float32Array, n: number, k: number, pixels: number, channels: number, eps: number): void;
  /** Haar bands of 2x2 blocks: out[n,i,j,b*C+c] = sum over the block's 4 pixels (row-major) of w[b*4+pos] x; `height`, `width` of x (even) */
  haarBands(x: Float32Array, w: Float32Array, out: Float32Array, bands: number, n: number, height: number, width: number, channels: number): void;
  /** The adjoint of haarBands: dx ([n, height, width, channels]) from dy */
  haarBandsGrad(dy: Float32Array, w: Float32Array, dx: Float32Array, bands: number, n: number, height: number, width: number, channels: number): void;
  setNumThreads(n: number): number;
  getNumThreads(): number;
  isa(): string;
  setIsa(name: string): boolean;
  /**
   * Applies the addon's process-wide glibc allocator settings (mallopt: no mmap for large blocks, no
   * heap trimming); true when applied. Called when the native backend is selected, never on load.
   * Absent from builds older than this call (those applied the settings when loaded).
   */
  tuneMalloc?(): boolean;
  [fn: string]: unknown;
}

export type AddonLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string };

const REQUIRED = ["conv2d", "conv2dBackpropInput", "conv2dBackpropFilter", "depthwiseConv2d", "matmul", "binary", "compare", "unary", "reduce", "transpose", "pad4", "select", "setNumThreads", "isa", "biasActivationGrad", "channelDot", "scaleShiftChannels", "reflectSeparableFilter", "cosineSimilarities", "cosineSimilaritiesGrad", "haarBands", "haarBandsGrad"];

let loaded: AddonLoad | undefined;

function candidates(): string[] {
  const fromEnv = process.env.PCL_NATIVE_ADDON;
  const root = packageRoot();
  const list = [join(root, "build", "Release", "pcl_native.node"), join(root, "build", "Debug", "pcl_native.node")];
  return fromEnv ? [fromEnv, ...list] : list;
}

/** Loads the addon once; later calls return the same answer. */
export function loadAddon(): AddonLoad {
  if (loaded) return loaded;
  if (process.env.PCL_NATIVE_DISABLE === "1") {
    loaded = { ok: false, reason: "disabled by PCL_NATIVE_DISABLE=1" };
    return loaded;
  }
  const paths = candidates();
  const path = paths.find((p) => existsSync(p));
  if (!path) {
    loaded = {
      ok: false,
      reason: `native addon not built (no ${paths[paths.length - 2]}; build it with \`npm rebuild pcl-stream\` in a project that installed pcl-stream, \`npm run build:native\` in a clone, and check the compiler's output)`,
    };
    return loaded;
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    const missing = REQUIRED.filter((f) => typeof addon[f] !== "function");
    if (missing.length) {
      loaded = { ok: false, reason: `native addon ${path} is stale (missing ${missing.join(", ")}); rebuild it` };
      return loaded;
    }
    const threads = Number(process.env.PCL_NATIVE_THREADS ?? "");
    if (Number.isInteger(threads) && threads > 0) addon.setNumThreads(threads);
    loaded = { ok: true, addon, path };
  } catch (e) {
    loaded = { ok: false, reason: `native addon ${path} failed to load: ${(e as Error).message}` };
  }
  return loaded;
}

/** The loaded addon; only valid after a successful loadAddon(). */
export function addon(): NativeAddon {
  const l = loadAddon();
  if (!l.ok) throw new Error(l.reason);
  return l.addon;
}
