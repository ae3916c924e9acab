/**
 * A channel gate on global pooling, x * f(mean over H, W of x), as RCAN's and HAN's channel
 * attention: f maps the [N,1,1,C] channel means to [N,1,1,C] scales (1x1 convs, ReLU, sigmoid).
 *
 * As one op while a gradient is recorded, its backward pass reads the map twice in all:
 *   ds = sum over H,W of dy * x               (one pass: PCL_CHANNEL_DOT)
 *   dm, d(weights) = the gradient of f at m with ds   (on [N,1,1,C]: f runs again, it is tiny)
 *   dx = dy * s + dm / (H W)                  (one pass: PCL_SCALE_SHIFT_CHANNELS)
 * where tfjs's Mean and Mul gradients take five full-size passes (dy*s, dy*x, the sum, the mean's
 * broadcast, the add of the two paths) and a broadcast copy. Only x and the [N,1,1,C] means and
 * scales are kept for the backward pass, as with the op-by-op gate. A backend without the two
 * fused kernels runs the same formulas op by op.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { NamedAttrMap } from "@tensorflow/tfjs-core";
import { assertNhwcFloat, assertOp, shapeText } from "./op-assert.js";
import { isRecording, tapeGradients } from "./tape-gradients.js";

/** inputs {dy, x} ([N,H,W,C]), output [N,1,1,C]: sum over H, W of dy * x. */
export const CHANNEL_DOT = "PclChannelDot";
/** inputs {dy} ([N,H,W,C]), {s, b} ([N,1,1,C]); output dy * s + b. */
export const SCALE_SHIFT_CHANNELS = "PclScaleShiftChannels";

/** Sum over H and W of dy * x, per sample and channel: [N,1,1,C]. */
export function channelDot(dy: tf.Tensor4D, x: tf.Tensor4D): tf.Tensor4D {
  const op = "channelDot";
  assertNhwcFloat(dy, op, "dy");
  assertNhwcFloat(x, op, "x");
  assertOp(dy.shape.every((d, i) => d === x.shape[i]), op, () => `dy and x must have the same shape, got ${shapeText(dy.shape)} and ${shapeText(x.shape)}`);
  if (tf.getKernel(CHANNEL_DOT, tf.getBackend())) return tf.engine().runKernel(CHANNEL_DOT, { dy, x }, {} as NamedAttrMap) as tf.Tensor4D;
  return tf.tidy(() => tf.sum(tf.mul(dy, x), [1, 2], true) as tf.Tensor4D);
}

/** dy * s + b with s and b per sample and channel ([N,1,1,C]). */
export function scaleShiftChannels(dy: tf.Tensor4D, s: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  const op = "scaleShiftChannels";
  assertNhwcFloat(dy, op, "dy");
  const [n, , , c] = dy.shape;
  for (const [name, t] of [["s", s], ["b", b]] as const) {
    assertOp(t.rank === 4 && t.shape[0] === n && t.shape[1] === 1 && t.shape[2] === 1 && t.shape[3] === c && t.dtype === "float32", op,
      () => `${name} must be float32 [${n},1,1,${c}] for dy ${shapeText(dy.shape)}, got ${t.dtype} ${shapeText(t.shape)}`);
  }
  if (tf.getKernel(SCALE_SHIFT_CHANNELS, tf.getBackend())) return tf.engine().runKernel(SCALE_SHIFT_CHANNELS, { dy, s, b }, {} as NamedAttrMap) as tf.Tensor4D;
  return tf.tidy(() => tf.add(tf.mul(dy, s), b) as tf.Tensor4D);
}

type Scales = (means: tf.Tensor4D) => tf.Tensor4D;

/**
 * The gate x => x * f(mean_hw(x)). `f` reads `variables` and nothing else that needs a gradient,
 * must keep the channel count and be deterministic (its backward pass runs it again).
 *
 * ```ts
 * const ca = channelGate((m) => tf.sigmoid(conv1x1(tf.relu(conv1x1(m, w1, b1)), w2, b2)), [w1, b1, w2, b2]);
 * const y = ca(x);
 * ```
 */
export function channelGate(f: Scales, variables: readonly tf.Variable[]): (x: tf.Tensor4D) => tf.Tensor4D {
  const scales = (x: tf.Tensor4D) => {
    const m = tf.mean(x, [1, 2], true) as tf.Tensor4D;
    const s = f(m);
    assertOp(s.rank === 4 && s.shape.every((d, i) => d === m.shape[i]), "channelGate", () => `f must map the means ${shapeText(m.shape)} to scales of the same shape, got ${shapeText(s.shape)}`);
    return { m, s };
  };
  const gated = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor4D;
    const save = args[args.length - 1] as tf.GradSaveFunc;
    // Runs as one kernel: the engine records nothing inside it.
    const { m, s } = scales(x);
    save([x, m, s]);
    return {
      value: tf.mul(x, s),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [input, means, s1] = saved as tf.Tensor4D[];
        const ds = channelDot(dy as tf.Tensor4D, input);
        const { value, grads } = tapeGradients(() => f(means), [means, ...variables], ds);
        value.dispose();
        const [dm, ...dw] = grads;
        const hw = input.shape[1] * input.shape[2];
        const shift = dm ? tf.mul(dm, 1 / hw) as tf.Tensor4D : tf.zerosLike(means);
        const dx = scaleShiftChannels(dy as tf.Tensor4D, s1, shift);
        tf.dispose([ds, shift, ...(dm ? [dm] : [])]);
        return [dx, ...dw.map((g, i) => g ?? tf.zerosLike(variables[i]))];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad<tf.Tensor4D>>[0]);
  return (x) => {
    assertNhwcFloat(x, "channelGate", "x");
    if (isRecording()) return gated(x, ...variables) as tf.Tensor4D;
    return tf.tidy(() => tf.mul(x, scales(x).s) as tf.Tensor4D);
  };
}
