/**
 * The similarity s(x, y) between two feature maps in PCL's contrastive loss (method.md part 7,
 * paper Eq. 9): the mean over pixels of the cosine similarity of the channel vectors.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { NamedAttrMap } from "@tensorflow/tfjs-core";
import { assertNhwcFloat, assertOp, assertSameShape, shapeText } from "./op-assert.js";
import { untaped } from "./tape-gradients.js";

/** Norms below this are clamped to it, as in torch.nn.functional.cosine_similarity. */
export const COSINE_EPS = 1e-8;

/** x / max(||x||, eps) along channels, written as x * rsqrt(max(||x||^2, eps^2)) so the gradient is finite at 0. */
function unitChannels<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), -1, true), COSINE_EPS * COSINE_EPS)));
}

/**
 * Per sample n: mean over (y, x) of cos(a[n,y,x,:], b[n,y,x,:]), with each norm clamped to
 * at least 1e-8. In [-1, 1]; 1 for a map with itself, -1 with its negative. Differentiable in
 * both inputs.
 *
 * ```ts
 * const s = featureSimilarity(srFeatures, hrFeatures); // [N]
 * ```
 * @param a [N,H,W,C] float32.
 * @param b same shape as `a`.
 * @returns [N].
 */
export function featureSimilarity(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor1D {
  assertNhwcFloat(a, "featureSimilarity", "a");
  assertNhwcFloat(b, "featureSimilarity", "b");
  assertSameShape(a, b, "featureSimilarity", "a and b");
  return tf.tidy(() => tf.mean(tf.sum(tf.mul(unitChannels(a), unitChannels(b)), 3), [1, 2]));
}

/**
 * `featureSimilarity(anchor, others[k])` for every k at once, as [N, K]: what InfoNCE needs, one
 * anchor against K_P + K_N maps. `others` is either K maps [N,H,W,C] or one sample-major stack
 * [N,K,H,W,C] (what a single pass of E over K sets of N images gives after a reshape, with no
 * copy). Written as one batched matrix product of the unit-normalized maps (per sample n:
 * [1, HWC] x [HWC, K]), so no [K,N,H,W,C] product is materialized; differentiable in both inputs.
 *
 * ```ts
 * const s = featureSimilarities(fSr, [fHr, fBlur]); // [N, 2]
 * ```
 */
export function featureSimilarities(anchor: tf.Tensor4D, others: readonly tf.Tensor4D[] | tf.Tensor5D): tf.Tensor2D {
  assertNhwcFloat(anchor, "featureSimilarities", "anchor");
  const [n, h, w, c] = anchor.shape;
  if (Array.isArray(others)) {
    others.forEach((o, k) => assertSameShape(anchor, o, "featureSimilarities", `anchor and others[${k}]`));
  } else {
    const stacked = others as tf.Tensor5D;
    assertOp(stacked.rank === 5 && stacked.dtype === "float32" && stacked.shape[0] === n && stacked.shape.slice(2).every((d, i) => d === anchor.shape[i + 1]), "featureSimilarities", () =>
      `others must be float32 [N,K,H,W,C] = [${n},K,${h},${w},${c}] to match the anchor, got ${stacked.dtype} ${shapeText(stacked.shape)}`);
  }
  return tf.tidy(() => {
    const stacked = Array.isArray(others) ? tf.stack(others as tf.Tensor4D[], 1) as tf.Tensor5D : others as tf.Tensor5D;
    const k = stacked.shape[1];
    const unitAnchor = tf.reshape(unitChannels(anchor), [n, 1, h * w * c]);
    const unitOthers = tf.reshape(unitChannels(stacked), [n, k, h * w * c]);
    return tf.reshape(tf.mul(tf.matMul(unitAnchor, unitOthers, false, true), 1 / (h * w)), [n, k]) as tf.Tensor2D;
  });
}

/** Kernel: inputs {anchor [N,H,W,C], others [N,K,H,W,C]}, attrs {eps}, output [N,K] (featureSimilarities). */
export const COSINE_SIMILARITIES = "PclCosineSimilarities";
/** Kernel: inputs {anchor, others, dy [N,K]}, attrs {eps}, output [N,H,W,C]: the anchor's gradient. */
export const COSINE_SIMILARITIES_GRAD = "PclCosineSimilaritiesGrad";

/**
 * `featureSimilarities(anchor, others)` where `others` are constants: no gradient flows into them
 * (PCL's positives and negatives through a frozen E in the generator's step). On a backend with
 * the fused kernels (native) the value is one read of `others` and the anchor's gradient one more,
 * where the op-by-op form normalizes the stack (square, sum, scale: three passes and a copy) and
 * packs it for the matrix product; elsewhere it is `featureSimilarities` with `others` cut off the
 * tape. Differentiable in `anchor`.
 *
 * ```ts
 * const sims = featureSimilaritiesToConstants(srTap, untaped(() => contrastTap)); // [N, K]
 * ```
 * @param anchor [N,H,W,C] float32.
 * @param others [N,K,H,W,C] float32, the stack of K maps per sample.
 * @returns [N, K].
 */
export function featureSimilaritiesToConstants(anchor: tf.Tensor4D, others: tf.Tensor5D): tf.Tensor2D {
  const op = "featureSimilaritiesToConstants";
  assertNhwcFloat(anchor, op, "anchor");
  const [n, h, w, c] = anchor.shape;
  assertOp(others.rank === 5 && others.dtype === "float32" && others.shape[0] === n && others.shape.slice(2).every((d, i) => d === anchor.shape[i + 1]), op, () =>
    `others must be float32 [N,K,H,W,C] = [${n},K,${h},${w},${c}] to match the anchor, got ${others.dtype} ${shapeText(others.shape)}`);
  const backend = tf.getBackend();
  if (!tf.getKernel(COSINE_SIMILARITIES, backend) || !tf.getKernel(COSINE_SIMILARITIES_GRAD, backend)) {
    // A copy made off the tape (Identity shares the buffer): the tape sees no path into `others`.
    return tf.tidy(() => featureSimilarities(anchor, untaped(() => tf.clone(others))));
  }
  const attrs = { eps: COSINE_EPS } as unknown as NamedAttrMap;
  const similarities = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const a = args[0] as tf.Tensor4D;
    const save = args[args.length - 1] as tf.GradSaveFunc;
    save([a, others]); // kept for the backward pass (the caller's scope may end before it runs)
    return {
      value: tf.engine().runKernel(COSINE_SIMILARITIES, { anchor: a, others }, attrs) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.engine().runKernel(COSINE_SIMILARITIES_GRAD, { anchor: saved[0]!, others: saved[1]!, dy }, attrs) as tf.Tensor4D],
    };
  }) as unknown as Parameters<typeof tf.customGrad<tf.Tensor2D>>[0]);
  return similarities(anchor) as tf.Tensor2D;
}
