/** x4 inference of one 256x256 LR image with edsr-tiny and EDSR baseline (the graphs' generators). */
import * as tf from "@tensorflow/tfjs-core";
import { compileGenerator, type Generator } from "../src/compile/network.js";
import { summarize, type PclSpec } from "../src/dsl/index.js";
import tiny from "../graphs/edsr-tiny.pcl.js";
import baseline from "../graphs/edsr.pcl.js";
import type { TimedWorkload } from "./workload.js";

function inferWorkload(name: string, spec: PclSpec, backends: readonly string[]): TimedWorkload {
  let g: Generator | undefined;
  let x: tf.Tensor4D | undefined;
  return {
    kind: "timed", name, description: `${spec.name} x4 on one 256x256 LR image`, backends, pytorchKey: name, reps: 5, warmup: 1,
    flops: summarize(spec).generator.flopsPerLrPixel * 256 * 256,
    setup() { g = compileGenerator(spec.generator, 1); x = tf.keep(tf.randomUniform([1, 256, 256, 3], 0, 1, "float32", 3) as tf.Tensor4D); },
    // Read the way inference does (`await data()`): the time includes the device finishing and the copy to the host.
    async run() { const y = tf.tidy(() => g!.apply(x!)); await y.data(); y.dispose(); },
    teardown() { g?.dispose(); x?.dispose(); g = undefined; },
  };
}

export const inferenceWorkloads = (backends: readonly string[]): TimedWorkload[] => [
  inferWorkload("infer-edsr-tiny", tiny, backends),
  inferWorkload("infer-edsr-baseline", baseline, backends),
];
