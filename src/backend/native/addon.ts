/**
 * Loads the C++ addon (build/Release/pcl_native.node, built by `npm run build:native` or as part
 * of `npm ci`). Loading never throws: it answers why the addon is unusable instead.
 */
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

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
  setNumThreads(n: number): number;
  getNumThreads(): number;
  isa(): string;
  setIsa(name: string): boolean;
  [fn: string]: unknown;
}

export type AddonLoad = { ok: true; addon: NativeAddon; path: string } | { ok: false; reason: string };

const REQUIRED = ["conv2d", "conv2dBackpropInput", "conv2dBackpropFilter", "matmul", "setNumThreads", "isa"];

let loaded: AddonLoad | undefined;

function candidates(): string[] {
  const fromEnv = process.env.PCL_NATIVE_ADDON;
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  const list = [`${root}build/Release/pcl_native.node`, `${root}build/Debug/pcl_native.node`];
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
      reason: `native addon not built (no ${paths[paths.length - 2]}; run \`npm run build:native\` and check its compiler output)`,
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
