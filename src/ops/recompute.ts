/**
 * Gradient checkpointing: a layer whose forward pass keeps only its input for the backward pass
 * and runs its inside again, under a tape of its own, when the gradient reaches it. Trades one more
 * forward of the layer for not keeping its activations (a residual block's or group's).
 */
import * as tf from "@tensorflow/tfjs-core";
import { isRecording, tapeGradients } from "./tape-gradients.js";

/**
 * Wraps `fn` (which reads `variables`, and nothing else that needs a gradient) so that, while a
 * gradient is being recorded, only its input is kept; the gradients for the input and for
 * `variables` come from recomputing `fn` in the backward pass. Outside a gradient it is `fn`.
 * `fn` must be deterministic (it is run twice): no dropout, no random draws.
 *
 * ```ts
 * const block = recompute((x) => tf.add(x, conv(relu(conv(x)))), [w1, b1, w2, b2]);
 * ```
 */
export function recompute<T extends tf.Tensor>(fn: (x: T) => T, variables: readonly tf.Variable[]): (x: T) => T {
  const checkpointed = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as T;
    const save = args[args.length - 1] as tf.GradSaveFunc;
    save([x]);
    return {
      // Runs as one kernel: the engine records nothing inside it.
      value: fn(x),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const input = saved[0] as T;
        const { value, grads } = tapeGradients(() => fn(input), [input, ...variables], dy);
        value.dispose();
        return grads.map((g, i) => g ?? tf.zerosLike(i === 0 ? input : variables[i - 1]));
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad<T>>[0]);
  return (x) => (isRecording() ? (checkpointed(x, ...variables) as T) : fn(x));
}
