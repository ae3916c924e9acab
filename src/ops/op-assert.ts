/**
 * Early argument checks shared by the ops in this folder. Every message starts with the op's
 * name and shows the actual values, e.g. `haarSplit: height and width must be even, got [1,5,6,3]`.
 */
import type * as tf from "@tensorflow/tfjs-core";

/** Throws `Error("<op>: <detail>")` when `cond` is false; `detail` is only built on failure. */
export function assertOp(cond: boolean, op: string, detail: () => string): asserts cond {
  if (!cond) throw new Error(`${op}: ${detail()}`);
}

/** `[1,5,6,3]`: how shapes appear in error messages. */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

/** Checks that `x` (called `name` in the message) is a rank-4 float32 tensor (NHWC). */
export function assertNhwcFloat(x: tf.Tensor, op: string, name: string): void {
  assertOp(x.rank === 4, op, () => `${name} must be rank 4 [N,H,W,C], got ${shapeText(x.shape)}`);
  assertOp(x.dtype === "float32", op, () => `${name} must be float32, got ${x.dtype}`);
}

/** Checks that `a` and `b` have identical shapes. */
export function assertSameShape(a: tf.Tensor, b: tf.Tensor, op: string, names: string): void {
  assertOp(
    a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]),
    op,
    () => `${names} must have the same shape, got ${shapeText(a.shape)} and ${shapeText(b.shape)}`,
  );
}
