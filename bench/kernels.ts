/**
 * Kernel workloads: 3x3 conv, stride 1, 'same', NHWC, forward / backward-input / backward-filter,
 * at N16 C64->64 48x48 and N16 C32->32 24x24 (the shapes of /work/shared/bench/pytorch_conv.py).
 * Each calls the tfjs kernel directly (engine.runKernel), so exactly one kernel is timed.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { TimedWorkload } from "./workload.js";
import { seededTensor } from "./workload.js";

type Pass = "fwd" | "bwd-input" | "bwd-filter";

function convWorkload(pass: Pass, n: number, c: number, hw: number, backends: string[]): TimedWorkload {
  let x: tf.Tensor4D | undefined, w: tf.Tensor4D | undefined, dy: tf.Tensor4D | undefined;
  const xShape: [number, number, number, number] = [n, hw, hw, c];
  const wShape: [number, number, number, number] = [3, 3, c, c];
  const name = `conv-${pass}-c${c}`;
  return {
    kind: "timed",
    name,
    description: `conv3x3 ${pass} N${n} C${c}->${c} ${hw}x${hw} NHWC`,
    backends,
    flops: 2 * n * hw * hw * 9 * c * c,
    pytorchKey: name,
    reps: 7,
    warmup: 2,
    // tfjs cpu: ~0.5 GFLOP/s forward, ~0.01 GFLOP/s weight gradient (20 s a call at C32)
    repsOn: { cpu: pass === "bwd-filter" ? { reps: 1, warmup: 0 } : { reps: 2, warmup: 1 } },
    setup() {
      x = seededTensor(xShape, 1) as tf.Tensor4D;
      w = seededTensor(wShape, 2, 0.05) as tf.Tensor4D;
      dy = seededTensor(xShape, 3) as tf.Tensor4D;
    },
    run() {
      const e = tf.engine();
      let out: tf.Tensor | tf.Tensor[];
      if (pass === "fwd") {
        out = e.runKernel("Conv2D", { x: x!, filter: w! }, { strides: 1, pad: "same", dataFormat: "NHWC", dilations: 1 });
      } else if (pass === "bwd-input") {
        out = e.runKernel("Conv2DBackpropInput", { dy: dy!, filter: w! }, { inputShape: xShape, strides: 1, pad: "same", dataFormat: "NHWC" });
      } else {
        out = e.runKernel("Conv2DBackpropFilter", { x: x!, dy: dy! }, { filterShape: wShape, strides: 1, pad: "same", dataFormat: "NHWC" });
      }
      tf.dispose(out);
    },
    teardown() {
      tf.dispose([x!, w!, dy!]);
    },
  };
}

/**
 * `primary` (native by default) for all shapes; with `addCpu` (the default run) also tfjs's cpu
 * (pure JS, ~0.6 GFLOP/s) for the small shapes.
 */
export function convKernelWorkloads(primary = "native", addCpu = true): TimedWorkload[] {
  const out: TimedWorkload[] = [];
  const small = addCpu && primary !== "cpu" ? [primary, "cpu"] : [primary];
  for (const pass of ["fwd", "bwd-input", "bwd-filter"] as const) {
    out.push(convWorkload(pass, 16, 64, 48, [primary]));
    out.push(convWorkload(pass, 16, 32, 24, small));
  }
  return out;
}
