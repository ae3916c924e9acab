/**
 * A correct gradient for tfjs's MirrorPad kernel. tfjs 4.22's own returns the center slice of dy
 * only, dropping everything that flowed through the reflected borders. Per padded axis of
 * length n (reflect: position -k copies k, position n-1+k copies n-1-k; symmetric: -k copies k-1,
 * n-1+k copies n-k), each border of dy is reversed and added back onto the rows it copied.
 * Registered by src/backend/gradients.ts after tfjs's own gradients.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { GradConfig, MirrorPadAttrs, NamedAttrMap } from "@tensorflow/tfjs-core";

function foldAxis(dy: tf.Tensor, axis: number, before: number, after: number, n: number, reflect: boolean): tf.Tensor {
  const shift = reflect ? 1 : 0; // reflect skips the edge row, symmetric repeats it
  const take = (start: number, size: number) => {
    const begin = dy.shape.map(() => 0), len = dy.shape.map(() => -1);
    begin[axis] = start; len[axis] = size;
    return tf.slice(dy, begin, len);
  };
  const padAxis = (x: tf.Tensor, lo: number, hi: number) => tf.pad(x, x.shape.map((_, i) => (i === axis ? [lo, hi] : [0, 0])) as Array<[number, number]>);
  let dx = take(before, n);
  // dy rows 0..before-1 copy x rows before-1+shift .. shift (reversed order).
  if (before > 0) dx = tf.add(dx, padAxis(tf.reverse(take(0, before), axis), shift, n - before - shift));
  // dy rows before+n .. before+n+after-1 copy x rows n-1-shift .. n-after-shift.
  if (after > 0) dx = tf.add(dx, padAxis(tf.reverse(take(before + n, after), axis), n - after - shift, shift));
  return dx;
}

export const mirrorPadGradConfig: GradConfig = {
  kernelName: "MirrorPad",
  inputsToSave: ["x"],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: NamedAttrMap) => {
    const x = saved[0];
    const { paddings, mode } = attrs as unknown as MirrorPadAttrs;
    return {
      x: () => paddings.reduce((g, [before, after], axis) => (before || after ? foldAxis(g, axis, before, after, x.shape[axis], mode === "reflect") : g), dy as tf.Tensor),
    };
  },
};
