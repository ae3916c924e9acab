/**
 * Connects each DSL layer node to its tfjs ops: an exhaustive match over node kinds yields a
 * forward function and declares the node's weights in a WeightStore. Nothing else happens here.
 */
import * as tf from "@tensorflow/tfjs-core";
import { match } from "ts-pattern";
import { childrenOf, joinPath, type ConvNode, type LayerNode, type Recompute, type SequenceNode } from "../dsl/index.js";
import { adaptiveAvgPool } from "../ops/adaptive-avg-pool.js";
import { channelGate } from "../ops/channel-gate.js";
import { conv2dBiasActivation, takesNumericConvPad, type ConvActivation } from "../ops/conv2d-bias-activation.js";
import { haarBands } from "../ops/haar.js";
import { pixelShuffle } from "../ops/pixel-shuffle.js";
import { recompute } from "../ops/recompute.js";
import { residualAdd } from "../ops/residual-add.js";
import type { WeightStore } from "./weights.js";

/** A compiled layer: NHWC in, NHWC out; pure apart from reading its variables. */
export type LayerFn = (x: tf.Tensor4D) => tf.Tensor4D;

/** How a network is compiled for training: which residual units recompute their inside in the backward pass. */
export interface CompileOptions {
  readonly recompute: Recompute;
}

const PLAIN: CompileOptions = { recompute: "none" };

/**
 * Compiles `node` for inputs with `inChannels` channels. Shapes were already checked by the DSL
 * (`inferLayer`); this only needs channel counts to size the weights.
 * Returns the function and the channel count it outputs.
 */
export function compileLayer(node: LayerNode, inChannels: number, path: string, store: WeightStore, options: CompileOptions = PLAIN): { fn: LayerFn; outChannels: number } {
  const kids = childrenOf(node);
  const sub = (i: number, c: number) => compileLayer(kids[i].node, c, joinPath(path, kids[i].segment), store, options);
  const w = (name: string) => joinPath(path, name);

  return match(node)
    .with({ kind: "conv" }, (n) => ({ fn: compileConv(n, inChannels, path, store, "linear", 0), outChannels: n.out }))
    .with({ kind: "conv3d" }, (n) => {
      const fanIn = n.kernel ** 3;
      const kernel = store.weight(w("kernel"), [n.kernel, n.kernel, n.kernel, 1, 1], { kind: "uniformFanIn", fanIn }) as tf.Tensor5D;
      const bias = n.bias ? store.weight(w("bias"), [1], { kind: "uniformFanIn", fanIn }) : undefined;
      // The 3-D conv of the one-channel volume [N, D=C, H, W, 1] (PyTorch's unsqueeze(1) of NCHW),
      // 'same' padding, run as a 2-D conv over the NHWC map whose [K,K,C,C] filter is banded along
      // the channels: filter[ky,kx,ci,co] = kernel[ci-co+K//2, ky, kx] where that depth tap exists.
      // The same sums as tf.conv3d (zero padding along D is the band's cut-off), on the fast conv
      // kernels every backend has, without transposing the map twice.
      const band = bandSelector(n.kernel, inChannels);
      const fn: LayerFn = (x) => tf.tidy(() => {
        const k = n.kernel;
        const taps = tf.transpose(tf.reshape(kernel, [k, k * k]));           // [ky*kx, kz]
        const filter = tf.reshape(tf.matMul(taps, tf.tensor2d(band, [k, inChannels * inChannels])), [k, k, inChannels, inChannels]) as tf.Tensor4D;
        const y = tf.conv2d(x, filter, 1, "same");
        return (bias ? tf.add(y, bias) : y) as tf.Tensor4D;
      });
      return { fn, outChannels: inChannels };
    })
    .with({ kind: "activation" }, (n) => ({
      fn: match(n.fn)
        .with("relu", () => (x: tf.Tensor4D) => tf.relu(x))
        .with("leakyRelu", () => (x: tf.Tensor4D) => tf.leakyRelu(x, n.alpha))
        .with("sigmoid", () => (x: tf.Tensor4D) => tf.sigmoid(x))
        .exhaustive(),
      outChannels: inChannels,
    }))
    .with({ kind: "batchNorm" }, (n) => {
      const gamma = store.weight(w("gamma"), [inChannels], { kind: "constant", value: 1 });
      const beta = store.weight(w("beta"), [inChannels], { kind: "constant", value: 0 });
      const fn: LayerFn = (x) => {
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return tf.batchNorm(x, mean, variance, beta, gamma, n.epsilon) as tf.Tensor4D;
      };
      return { fn, outChannels: inChannels };
    })
    .with({ kind: "avgPool" }, (n) => ({
      fn: n.size === "global" ? (x: tf.Tensor4D) => tf.mean(x, [1, 2], true) as tf.Tensor4D : (x: tf.Tensor4D) => adaptiveAvgPool(x, n.size as number),
      outChannels: inChannels,
    }))
    .with({ kind: "pixelShuffle" }, (n) => ({ fn: (x: tf.Tensor4D) => pixelShuffle(x, n.factor), outChannels: inChannels / (n.factor * n.factor) }))
    .with({ kind: "meanShift" }, (n) => {
      const shift = n.mean.map((m) => n.sign * m);
      return { fn: (x: tf.Tensor4D) => tf.add(x, tf.tensor1d(shift)) as tf.Tensor4D, outChannels: inChannels };
    })
    .with({ kind: "haar" }, (n) => ({ fn: (x: tf.Tensor4D) => haarBands(x, n.bands), outChannels: inChannels * n.bands.length }))
    .with({ kind: "layerAttention" }, (n) => {
      const gamma = store.weight(w("gamma"), [], { kind: "constant", value: 0 });
      const groups = n.groups;
      const fn: LayerFn = (x) => {
        // HAN's LAM: the G stacked maps as G vectors; attention = softmax(rowmax(E) - E), E = Q Q^T.
        const [b, h, wd, c] = x.shape;
        const per = c / groups;
        const q = tf.reshape(tf.transpose(tf.reshape(x, [b, h * wd, groups, per]), [0, 2, 1, 3]), [b, groups, h * wd * per]);
        const energy = tf.matMul(q, q, false, true);
        const attention = tf.softmax(tf.sub(tf.max(energy, -1, true), energy));
        const out = tf.matMul(attention, q);
        const back = tf.reshape(tf.transpose(tf.reshape(out, [b, groups, h * wd, per]), [0, 2, 1, 3]), [b, h, wd, c]);
        return tf.add(tf.mul(gamma, back), x) as tf.Tensor4D;
      };
      return { fn, outChannels: inChannels };
    })
    .with({ kind: "learnedScale" }, (n) => {
      const scale = store.weight(w("scale"), [], { kind: "constant", value: n.init });
      return { fn: (x: tf.Tensor4D) => tf.mul(x, scale) as tf.Tensor4D, outChannels: inChannels };
    })
    .with({ kind: "sequence" }, (n) => compileSequence(n, 0, inChannels, path, store, options))
    .with({ kind: "skip" }, (n) => {
      const declared = store.variables.size;
      const body = sub(0, inChannels).fn;
      const fn: LayerFn = (x) => tf.tidy(() => residualAdd(x, body(x), n.scale));
      if (options.recompute === "none" || residualUnit(n) !== RECOMPUTED_UNIT[options.recompute]) return { fn, outChannels: inChannels };
      // The weights declared while compiling the body are the ones the recomputation differentiates.
      return { fn: recompute(fn, [...store.variables.values()].slice(declared)), outChannels: inChannels };
    })
    .with({ kind: "gate" }, (n) => {
      const pooled = globalPoolingScales(n.body);
      if (pooled) {
        // x * f(global mean of x): one op whose backward pass reads the map twice (ops/channel-gate.ts).
        const declared = store.variables.size;
        const f = compileSequence(pooled, 1, inChannels, joinPath(path, kids[0].segment), store, options);
        if (f.outChannels === inChannels) return { fn: channelGate(f.fn, [...store.variables.values()].slice(declared)), outChannels: inChannels };
        // one scale broadcast over the channels: the plain product
        return { fn: (x: tf.Tensor4D) => tf.tidy(() => tf.mul(x, f.fn(tf.mean(x, [1, 2], true) as tf.Tensor4D)) as tf.Tensor4D), outChannels: inChannels };
      }
      const body = sub(0, inChannels).fn;
      return { fn: (x: tf.Tensor4D) => tf.mul(x, body(x)) as tf.Tensor4D, outChannels: inChannels };
    })
    .with({ kind: "branches" }, () => {
      const compiled = kids.map((_, i) => sub(i, inChannels));
      return { fn: (x: tf.Tensor4D) => tf.concat(compiled.map((b) => b.fn(x)), 3), outChannels: compiled.reduce((s, b) => s + b.outChannels, 0) };
    })
    .with({ kind: "stack" }, () => {
      let c = inChannels, total = 0;
      const fns = kids.map((_, i) => { const r = sub(i, c); c = r.outChannels; total += c; return r.fn; });
      const fn: LayerFn = (x) => {
        const outs: tf.Tensor4D[] = [];
        fns.reduce((y, f) => { const o = f(y); outs.unshift(o); return o; }, x);
        return tf.concat(outs, 3);
      };
      return { fn, outChannels: total };
    })
    .with({ kind: "channels" }, (n) => ({
      fn: (x: tf.Tensor4D) => tf.slice(x, [0, 0, 0, n.start], [-1, -1, -1, n.count]),
      outChannels: n.count,
    }))
    .exhaustive();
}

/**
 * Compiles the layers of a sequence from index `from` on (the ones before are the caller's), with
 * each conv that has a bias and is followed by ReLU / LeakyReLU run as one kernel with it.
 * Weight paths are the sequence's own (`path/<segment>`), whatever `from` is.
 */
function compileSequence(node: SequenceNode, from: number, inChannels: number, path: string, store: WeightStore, options: CompileOptions): { fn: LayerFn; outChannels: number } {
  const kids = childrenOf(node);
  let c = inChannels;
  const fns: LayerFn[] = [];
  for (let i = from; i < kids.length; i++) {
    const conv = kids[i].node, next = kids[i + 1]?.node;
    const act = conv.kind === "conv" && conv.bias ? fusableActivation(next) : undefined;
    if (conv.kind === "conv" && act) {
      // conv then its activation: one kernel (the activation has no weights, so paths and seeds are unchanged)
      fns.push(compileConv(conv, c, joinPath(path, kids[i].segment), store, act.fn, act.alpha));
      c = conv.out;
      i++;
      continue;
    }
    const r = compileLayer(kids[i].node, c, joinPath(path, kids[i].segment), store, options);
    c = r.outChannels;
    fns.push(r.fn);
  }
  // One scope per sequence: what its layers make and the tape does not keep (a channel
  // attention's product, pre-activation copies) is freed as soon as the sequence is done, as
  // PyTorch frees by reference count, not when the whole forward pass ends.
  return { fn: (x: tf.Tensor4D) => tf.tidy(() => fns.reduce((y, f) => f(y), x)), outChannels: c };
}

/** A gate body that starts with global average pooling (RCAN's channel attention): the sequence, else undefined. */
function globalPoolingScales(body: LayerNode): SequenceNode | undefined {
  if (body.kind !== "sequence" || body.layers.length < 2) return undefined;
  const first = body.layers[0];
  return first.kind === "avgPool" && first.size === "global" ? body : undefined;
}

const RECOMPUTED_UNIT = { blocks: "block", groups: "group" } as const;

/** [K, C*C] of 0/1: row z picks the (ci, co) pairs with ci - co + K//2 = z (made once per layer, a tensor per call). */
function bandSelector(k: number, channels: number): Float32Array {
  const half = Math.floor(k / 2);
  const data = new Float32Array(k * channels * channels);
  for (let z = 0; z < k; z++) for (let co = 0; co < channels; co++) {
    const ci = co + z - half;
    if (ci >= 0 && ci < channels) data[z * channels * channels + ci * channels + co] = 1;
  }
  return data;
}

/**
 * What a residual (skip) node is, by how skips nest inside it: a "block" holds no other skip
 * (EDSR's residual block, RCAN's RCAB), a "group" holds blocks and no deeper nesting (RCAN's and
 * HAN's residual groups; EDSR's body, whose blocks form its one group); anything else is neither.
 */
export function residualUnit(node: LayerNode): "block" | "group" | undefined {
  if (node.kind !== "skip") return undefined;
  const height = skipHeight(node.body);
  return height === -1 ? "block" : height === 0 ? "group" : undefined;
}

/** -1 when no skip is in the subtree; 0 when skips occur but none nests another; and so on. */
function skipHeight(node: LayerNode): number {
  const inner = Math.max(-1, ...childrenOf(node).map((c) => skipHeight(c.node)));
  return node.kind === "skip" ? inner + 1 : inner;
}

/** Declares a conv node's weights and returns its forward function, with `activation` fused in when it has a bias. */
function compileConv(n: ConvNode, inChannels: number, path: string, store: WeightStore, activation: ConvActivation, alpha: number): LayerFn {
  const fanIn = inChannels * n.kernel * n.kernel;
  const kernel = store.weight(joinPath(path, "kernel"), [n.kernel, n.kernel, inChannels, n.out], { kind: "uniformFanIn", fanIn }) as tf.Tensor4D;
  const bias = n.bias ? (store.weight(joinPath(path, "bias"), [n.out], { kind: "uniformFanIn", fanIn }) as tf.Tensor1D) : undefined;
  const { pad, before } = convPadding(n.kernel, n.stride);
  if (before === 0) {
    if (!bias) return (x) => tf.conv2d(x, kernel, n.stride, pad);
    return (x) => conv2dBiasActivation(x, kernel, bias, { stride: n.stride, pad, activation, alpha });
  }
  // The explicit padding: inside the kernel where the backend takes a number, else tf.pad + "valid".
  const padded = (x: tf.Tensor4D) => tf.pad(x, [[0, 0], [before, before], [before, before], [0, 0]]);
  if (!bias) return (x) => (takesNumericConvPad() ? tf.conv2d(x, kernel, n.stride, before) : tf.conv2d(padded(x), kernel, n.stride, pad));
  return (x) => (takesNumericConvPad()
    ? conv2dBiasActivation(x, kernel, bias, { stride: n.stride, pad: before, activation, alpha })
    : conv2dBiasActivation(padded(x), kernel, bias, { stride: n.stride, pad, activation, alpha }));
}

/**
 * PyTorch's symmetric `kernel // 2` zero padding in a form every backend accepts (tfjs-node takes
 * only 'same' / 'valid' on convolutions and their gradients): 'same' where it is the same network
 * (stride 1, odd kernel), otherwise an explicit pad of `before` pixels on every side, then 'valid'.
 * (TF's 'same' pads a stride-2 convolution asymmetrically: not PyTorch's network.)
 */
export function convPadding(kernel: number, stride: number): { pad: "same" | "valid"; before: number } {
  const half = Math.floor(kernel / 2);
  if (half === 0) return { pad: "valid", before: 0 };
  if (stride === 1 && kernel % 2 === 1) return { pad: "same", before: 0 };
  return { pad: "valid", before: half };
}

/** The activation a conv can run fused with: ReLU, or LeakyReLU with a positive slope. */
function fusableActivation(node: LayerNode | undefined): { fn: ConvActivation; alpha: number } | undefined {
  if (node?.kind !== "activation") return undefined;
  if (node.fn === "relu") return { fn: "relu", alpha: 0 };
  if (node.fn === "leakyRelu" && node.alpha > 0) return { fn: "leakyRelu", alpha: node.alpha };
  return undefined;
}
