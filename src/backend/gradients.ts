/**
 * Registers tfjs-core's gradient functions (tfjs-core alone registers none in Node).
 * They live only in tfjs-core's ESM files, whose extensionless relative imports Node's ESM
 * resolver rejects; a resolve hook (tfjs-core-esm-resolve.mjs) adds the `.js`. Registrations are
 * global, so they serve the CommonJS tfjs-core instance every other module imports.
 * Import this module once at an entry point (CLI, tests, bench) before taking gradients.
 */
import { register } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import { fusedConv2dGradConfig } from "../ops/fused-conv2d-grad.js";
import { leakyReluGradConfig } from "../ops/leaky-relu-grad.js";
import { mirrorPadGradConfig } from "../ops/mirror-pad-grad.js";
import { meanGradConfig, sumGradConfig } from "../ops/reduce-grads.js";

register("./tfjs-core-esm-resolve.mjs", import.meta.url);
await import("@tensorflow/tfjs-core/dist/register_all_gradients.js");
// tfjs's MirrorPad gradient drops the reflected borders; ours replaces it.
tf.registerGradient(mirrorPadGradConfig);
// Two kernels instead of three and a bool mask (same values for finite inputs).
tf.registerGradient(leakyReluGradConfig);
// One broadcast of dy instead of dy * ones(x.shape) filled in JS.
tf.registerGradient(sumGradConfig);
tf.registerGradient(meanGradConfig);
// FusedConv2D as conv2dBiasActivation runs it: lazy per-input gradients, activation kept fused.
tf.registerGradient(fusedConv2dGradConfig);
