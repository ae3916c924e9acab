/** A compiled generator as an Upscaler (what eval, upscale and watch run). */
import * as tf from "@tensorflow/tfjs-core";
import type { LayerNode } from "../dsl/index.js";
import { receptiveField } from "../dsl/index.js";
import type { Generator } from "../compile/network.js";
import type { Upscaler } from "./upscaler.js";

export function generatorUpscaler(generator: Generator, node: LayerNode, scale: number, name: string, ownsWeights = true): Upscaler {
  const field = receptiveField(node);
  return {
    name, scale,
    receptiveRadius: field.radius,
    upscale: async (lr) => tf.tidy(() => generator.apply(lr)),
    dispose: () => { if (ownsWeights) generator.dispose(); },
  };
}
