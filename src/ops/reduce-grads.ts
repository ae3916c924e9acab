/**
 * Sum's and Mean's gradients as one broadcast of dy over the reduced axes. tfjs's own multiply
 * dy by ones(x.shape): a JS-filled array of x's size per reduction (the InfoNCE norms and the
 * L1 mean of a PCL iteration: ~12 ms of filling per iteration in a CPU profile, then a full-size
 * multiply), and Sum's computes it even when no gradient is asked for. Same values: dy * 1 is dy, and Mean divides the small dy first.
 * Registered by src/backend/gradients.ts after tfjs's own gradients.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { GradConfig, NamedAttrMap } from "@tensorflow/tfjs-core";

/**
 * dy (x's shape with `axis` reduced, kept or not) broadcast back to x's shape, divided by the
 * number of reduced elements for Mean. Adjacent axes that are all reduced or all kept are merged
 * first, so the broadcast runs at the lowest rank (WebGPU's Tile has no GPU kernel above rank 4).
 */
function spread(dy: tf.Tensor, x: tf.Tensor, attrs: NamedAttrMap | undefined, mean: boolean): tf.Tensor {
  const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  const groups: { size: number; reduced: boolean }[] = [];
  x.shape.forEach((d, i) => {
    const reduced = axes.includes(i), last = groups[groups.length - 1];
    if (last && last.reduced === reduced) last.size *= d;
    else groups.push({ size: d, reduced });
  });
  const shaped = tf.reshape(dy, groups.map((g) => (g.reduced ? 1 : g.size)));
  const scaled = mean ? tf.div(shaped, count) : shaped;
  const full = groups.length <= 4
    ? tf.broadcastTo(scaled, groups.map((g) => g.size))
    : tf.mul(scaled, tf.ones(groups.map((g) => g.size)));
  return tf.reshape(full, x.shape);
}

export const sumGradConfig: GradConfig = {
  kernelName: "Sum",
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => ({ x: () => spread(dy as tf.Tensor, saved[0], attrs, false) }),
};

export const meanGradConfig: GradConfig = {
  kernelName: "Mean",
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => ({ x: () => spread(dy as tf.Tensor, saved[0], attrs, true) }),
};
