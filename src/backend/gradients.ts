/**
 * The gradients pcl-stream trains with: tfjs-core's stock set, then pcl-stream's own over five
 * kernels. Both live in tfjs's one global gradient registry, where the last registration wins;
 * @tensorflow/tfjs (which tfjs-node loads) registers tfjs's stock set again when it is evaluated,
 * so registration is a call, made after every backend module has loaded, and checked:
 *
 *   await registerGradients();   // stock gradients once, then ours (again) on top; idempotent
 *   checkGradients();            // throws GradientError naming each kernel whose gradient is not ours
 *
 * selectBackend does both; entry points that skip it (tests, bench) call registerGradients().
 * The stock gradients live only in tfjs-core's ESM files, whose extensionless relative imports
 * Node's ESM resolver rejects; a resolve hook (tfjs-core-esm-resolve.mjs) adds the `.js`.
 * Registrations are global, so they serve the CommonJS tfjs-core instance every module imports.
 */
import { createRequire, register } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import type { GradConfig } from "@tensorflow/tfjs-core";
import { fusedConv2dGradConfig } from "../ops/fused-conv2d-grad.js";
import { leakyReluGradConfig } from "../ops/leaky-relu-grad.js";
import { mirrorPadGradConfig } from "../ops/mirror-pad-grad.js";
import { meanGradConfig, sumGradConfig } from "../ops/reduce-grads.js";
import { BackendError } from "./backend-error.js";

/** pcl-stream's gradients, each registered over tfjs's own for the same kernel. */
export const PCL_GRADIENTS: readonly GradConfig[] = [
  // tfjs's MirrorPad gradient drops the reflected borders; ours adds them back.
  mirrorPadGradConfig,
  // Two kernels instead of three and a bool mask (same values for finite inputs).
  leakyReluGradConfig,
  // One broadcast of dy instead of dy * ones(x.shape) filled in JS.
  sumGradConfig,
  meanGradConfig,
  // FusedConv2D as conv2dBiasActivation runs it: lazy per-input gradients, activation kept fused.
  fusedConv2dGradConfig,
];

/** A kernel whose registered gradient is not pcl-stream's: thrown by checkGradients. */
export class GradientError extends BackendError {
  override readonly name: string = "GradientError";
  constructor(message: string, readonly kernels: readonly string[]) {
    super(message);
  }
}

/** The stock registration, started by the first registerGradients() call. */
let stockRegistered: Promise<void> | undefined;
/** tfjs-core's own configs for the kernels we override, as its register_all_gradients registered them. */
let stockConfigs: ReadonlyMap<string, GradConfig | undefined> | undefined;

async function registerStock(): Promise<void> {
  register("./tfjs-core-esm-resolve.mjs", import.meta.url);
  await import("@tensorflow/tfjs-core/dist/register_all_gradients.js");
  stockConfigs = new Map(PCL_GRADIENTS.map((g) => [g.kernelName, tf.getGradient(g.kernelName)]));
}

/**
 * Registers tfjs-core's stock gradients (the first call only) and then pcl-stream's over them
 * (every call). Call it after loading any module that may register gradients (backends).
 */
export async function registerGradients(): Promise<void> {
  stockRegistered ??= registerStock().catch((err: unknown) => {
    stockRegistered = undefined; // a later call tries again
    throw err;
  });
  await stockRegistered;
  for (const config of PCL_GRADIENTS) tf.registerGradient(config);
}

/**
 * Throws a GradientError when, for a kernel pcl-stream overrides, tfjs's registry holds another
 * gradient: the message names the kernels and what holds them, as far as it can tell.
 */
export function checkGradients(): void {
  const replaced = PCL_GRADIENTS.filter((ours) => tf.getGradient(ours.kernelName) !== ours);
  if (replaced.length === 0) return;
  const holders = replaced.map((ours) => `${ours.kernelName}: ${holder(ours.kernelName)}`);
  const cause = loadedRegistrars();
  throw new GradientError(
    `pcl-stream's gradients are not registered for ${replaced.map((g) => g.kernelName).join(", ")} (${holders.join("; ")})` +
      (cause ? `; ${cause} is loaded and registers tfjs's stock gradients when evaluated` : "") +
      "; call registerGradients() after every backend module has loaded",
    replaced.map((g) => g.kernelName),
  );
}

/** What the registry holds for `kernelName` instead of ours. */
function holder(kernelName: string): string {
  const current = tf.getGradient(kernelName);
  if (current === undefined) return stockConfigs ? "no gradient" : "no gradient: registerGradients() was never called";
  return current === stockConfigs?.get(kernelName) ? "tfjs-core's stock gradient" : "another module's gradient";
}

/** Loaded CommonJS packages known to register tfjs's stock gradients on evaluation (tfjs-node pulls in @tensorflow/tfjs). */
function loadedRegistrars(): string | undefined {
  const loaded = Object.keys(createRequire(import.meta.url).cache);
  const tfjs = loaded.some((path) => /[\\/]node_modules[\\/]@tensorflow[\\/]tfjs[\\/]/.test(path));
  if (!tfjs) return undefined;
  const node = loaded.find((path) => /[\\/]@tensorflow[\\/]tfjs-node(-gpu)?[\\/]/.test(path))?.match(/tfjs-node(-gpu)?/)?.[0];
  return node ? `@tensorflow/tfjs (loaded by @tensorflow/${node})` : "@tensorflow/tfjs";
}
