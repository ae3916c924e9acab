/**
 * Every tensor op exported by src/ops, forward and (for the differentiable ones) gradient, on
 * every backend against cpu (helpers/backends.ts). Gradients are of sum(w * op(x)) with a seeded
 * w, so every element of the upstream gradient differs. The last test fails when src/ops/index.ts
 * exports something that has no case here and is not listed as backend-independent.
 */
import test from "ava";
import * as ops from "../src/ops/index.js";
import {
  adamUpdate, adaptiveAvgPool, conv2dBiasActivation, dualContrastiveLoss, featureSimilarities, featureSimilaritiesToConstants, featureSimilarity, gaussianBlur, haarBands, haarMerge, haarSplit, imresize,
  infoNce, infoNceFromSimilarities, l1Loss, pixelShuffle, recompute, reflectPad, reflectSeparableFilter, residualAdd, sampleBlurKernel, sharpen, tapeGradients, tapeVariableGrads,
  untaped, biasActivationGrad, channelDot, channelGate, scaleShiftChannels, type ConvActivation,
} from "../src/ops/index.js";
import { forEachBackend, seededArray, tf, type CaseContext } from "./helpers/backends.js";
import { mulberry32 } from "../src/compile/weights.js";

/** d/dx_i of sum(w * f(x_0, x_1, ...)) for each input, w seeded (of f's output shape). Call inside tf.tidy. */
function weightedGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], seed: number): tf.Tensor[] {
  return tf.grads((...a: tf.Tensor[]) => {
    const y = f(...a);
    return tf.sum(tf.mul(y, tf.tensor(seededArray(y.size, seed), y.shape)));
  })(xs);
}

/** Names of the src/ops exports each case exercises (checked against the module at the end). */
const covered = new Set<string>();

function opCase(title: string, covers: readonly string[], fn: (c: CaseContext) => tf.NamedTensorMap, tolerance?: { rtol?: number; floor?: number; atol?: number }): void {
  for (const name of covers) covered.add(name);
  forEachBackend(`op ${title}`, (c) => tf.tidy(() => fn(c)), tolerance ? { tolerance } : {});
}

opCase("haarSplit / haarMerge", ["haarSplit", "haarMerge"], (c) => {
  const x = c.tensor<tf.Rank.R4>([2, 6, 8, 3], 1);
  const { ll, lh, hl, hh } = haarSplit(x);
  const merged = haarMerge({ ll: c.tensor([2, 3, 4, 3], 2), lh: c.tensor([2, 3, 4, 3], 3), hl: c.tensor([2, 3, 4, 3], 4), hh: c.tensor([2, 3, 4, 3], 5) });
  const [dx] = weightedGrads((a) => tf.concat(Object.values(haarSplit(a as tf.Tensor4D)), 3), [x], 6);
  const dBands = weightedGrads((a, b, d, e) => haarMerge({ ll: a as tf.Tensor4D, lh: b as tf.Tensor4D, hl: d as tf.Tensor4D, hh: e as tf.Tensor4D }),
    [2, 3, 4, 5].map((s) => c.tensor([2, 3, 4, 3], s)), 7);
  return { ll, lh, hl, hh, merged, dx, dll: dBands[0], dlh: dBands[1], dhl: dBands[2], dhh: dBands[3] };
});

opCase("haarBands (E's input: fused kernels on native, a stride-2 conv elsewhere)", ["haarBands"], (c) => {
  const x = c.tensor<tf.Rank.R4>([2, 6, 10, 3], 10);
  const [dx] = weightedGrads((a) => haarBands(a as tf.Tensor4D, ["lh", "hl", "hh"]), [x], 11);
  return { y: haarBands(x, ["lh", "hl", "hh"]), all: haarBands(x, ["hh", "ll"]), dx };
});

opCase("pixelShuffle", ["pixelShuffle"], (c) => {
  const x = c.tensor<tf.Rank.R4>([2, 3, 5, 12], 20);
  const x3 = c.tensor<tf.Rank.R4>([1, 2, 3, 18], 21);
  const [dx] = weightedGrads((a) => pixelShuffle(a as tf.Tensor4D, 2), [x], 22);
  const [dx3] = weightedGrads((a) => pixelShuffle(a as tf.Tensor4D, 3), [x3], 23);
  return { y2: pixelShuffle(x, 2), y3: pixelShuffle(x3, 3), dx, dx3 };
});

opCase("reflectPad (MirrorPad and pcl-stream's gradient for it)", ["reflectPad", "mirrorPadGradConfig"], (c) => {
  const x = c.tensor<tf.Rank.R4>([2, 5, 6, 3], 30);
  const [dx1] = weightedGrads((a) => reflectPad(a as tf.Tensor4D, 1), [x], 31);
  const [dx3] = weightedGrads((a) => reflectPad(a as tf.Tensor4D, 3), [x], 32);
  const [dSym] = weightedGrads((a) => tf.mirrorPad(a, [[0, 0], [2, 1], [0, 2], [0, 0]], "symmetric"), [x], 33);
  return { y1: reflectPad(x, 1), y3: reflectPad(x, 3), dx1, dx3, dSym };
});

opCase("gaussianBlur (per-sample kernels)", ["gaussianBlur", "sampleBlurKernel"], (c) => {
  const x = c.tensor<tf.Rank.R4>([3, 9, 10, 3], 40, 0, 1);
  const rand = mulberry32(41);
  const kernels = [sampleBlurKernel(rand), { size: 3, sigmaX: 0.4, sigmaY: 1.7 }, { size: 7, sigmaX: 1.9, sigmaY: 0.8 }];
  const [dx] = weightedGrads((a) => gaussianBlur(a as tf.Tensor4D, kernels), [x], 42);
  return { y: gaussianBlur(x, kernels), dx };
});

opCase("sharpen (per-sample factors)", ["sharpen"], (c) => {
  const x = c.tensor<tf.Rank.R4>([3, 7, 6, 3], 50, 0, 1);
  const factors = [0.6, 1, 2.7];
  const [dx] = weightedGrads((a) => sharpen(a as tf.Tensor4D, factors), [x], 51);
  return { y: sharpen(x, factors), dx };
});

opCase("reflectSeparableFilter (per-sample taps, scales, radius up to H - 1)", ["reflectSeparableFilter"], (c) => {
  const x = c.tensor<tf.Rank.R4>([3, 6, 7, 5], 55, -1, 1);
  const taps = (n: number, seed: number) => Array.from(seededArray(n, seed));
  const filters = [
    { scale: 0, vertical: taps(11, 56), horizontal: taps(3, 57) }, // radius 5 on a 6-row image: every reflected row
    { scale: 1.3, vertical: [1, 1, 1], horizontal: [-0.1, -0.1, -0.1] },
    { scale: -0.5, vertical: taps(5, 58), horizontal: taps(9, 59) },
  ];
  const [dx] = weightedGrads((a) => reflectSeparableFilter(a as tf.Tensor4D, filters), [x], 60);
  return { y: reflectSeparableFilter(x, filters), dx };
});

opCase("featureSimilarity", ["featureSimilarity"], (c) => {
  const a = c.tensor<tf.Rank.R4>([3, 4, 5, 6], 60), b = c.tensor<tf.Rank.R4>([3, 4, 5, 6], 61);
  const [da, db] = weightedGrads((p, q) => featureSimilarity(p as tf.Tensor4D, q as tf.Tensor4D), [a, b], 62);
  return { s: featureSimilarity(a, b), self: featureSimilarity(a, a), da, db };
});

opCase("featureSimilarities (a list and a stacked [N,K,H,W,C])", ["featureSimilarities", "COSINE_EPS"], (c) => {
  const anchor = c.tensor<tf.Rank.R4>([2, 3, 4, 5], 70);
  const others = [71, 72, 73].map((s) => c.tensor<tf.Rank.R4>([2, 3, 4, 5], s));
  const stacked = c.tensor<tf.Rank.R5>([2, 3, 3, 4, 5], 74);
  const grads = weightedGrads((a, ...o) => featureSimilarities(a as tf.Tensor4D, o as tf.Tensor4D[]), [anchor, ...others], 75);
  const [dAnchor5, dStacked] = weightedGrads((a, s) => featureSimilarities(a as tf.Tensor4D, s as tf.Tensor5D), [anchor, stacked], 76);
  // A zero map: the norm is clamped to COSINE_EPS, the similarity is 0 and its gradient finite.
  const zero = tf.zeros([2, 3, 4, 5]) as tf.Tensor4D;
  return {
    list: featureSimilarities(anchor, others), stacked: featureSimilarities(anchor, stacked), withZero: featureSimilarities(anchor, [zero, others[0]]),
    dAnchor: grads[0], dOther0: grads[1], dOther2: grads[3], dAnchor5, dStacked,
  };
});

opCase("featureSimilaritiesToConstants (a backend's fused kernels, or featureSimilarities off the tape)", ["featureSimilaritiesToConstants"], (c) => {
  // 37 channels: two full 16-lane blocks and a remainder in the fused kernels' dot products.
  const anchor = tf.concat([c.tensor<tf.Rank.R4>([2, 3, 4, 37], 80), tf.zeros([2, 1, 4, 37])], 1) as tf.Tensor4D; // a zero row: clamped norms
  const others = tf.concat([c.tensor<tf.Rank.R5>([2, 6, 3, 4, 37], 81), tf.zeros([2, 6, 1, 4, 37])], 2) as tf.Tensor5D;
  const [dAnchor] = weightedGrads((a) => featureSimilaritiesToConstants(a as tf.Tensor4D, others), [anchor], 82);
  const [dAnchorPlain] = weightedGrads((a) => featureSimilarities(a as tf.Tensor4D, others), [anchor], 82);
  return { s: featureSimilaritiesToConstants(anchor, others), plain: featureSimilarities(anchor, others), dAnchor, dAnchorPlain };
});

opCase("infoNce (from feature maps)", ["infoNce"], (c) => {
  const shape = [2, 3, 4, 6];
  const anchor = c.tensor<tf.Rank.R4>(shape, 80);
  const pos = [81, 82].map((s) => c.tensor<tf.Rank.R4>(shape, s));
  const neg = [83, 84, 85].map((s) => c.tensor<tf.Rank.R4>(shape, s));
  const loss = (tau: number) => (...xs: tf.Tensor[]) => infoNce(xs[0] as tf.Tensor4D, xs.slice(1, 3) as tf.Tensor4D[], xs.slice(3) as tf.Tensor4D[], tau);
  const [dAnchor, dPos0, , dNeg0] = weightedGrads(loss(0.5), [anchor, ...pos, ...neg], 86);
  return { tau1: infoNce(anchor, pos, neg, 1), tau05: loss(0.5)(anchor, ...pos, ...neg), tau01: loss(0.1)(anchor, ...pos, ...neg), dAnchor, dPos0, dNeg0 };
});

opCase("infoNceFromSimilarities", ["infoNceFromSimilarities"], (c) => {
  const p = c.tensor<tf.Rank.R2>([3, 2], 90), q = c.tensor<tf.Rank.R2>([3, 4], 91);
  const [dp, dq] = weightedGrads((a, b) => infoNceFromSimilarities(a as tf.Tensor2D, b as tf.Tensor2D, 0.2), [p, q], 92);
  // Large logits: the softplus / logsumexp form must stay finite.
  const big = infoNceFromSimilarities(tf.mul(p, 200) as tf.Tensor2D, tf.mul(q, 200) as tf.Tensor2D, 0.5);
  return { loss: infoNceFromSimilarities(p, q, 0.2), big, dp, dq };
});

opCase("dualContrastiveLoss", ["dualContrastiveLoss"], (c) => {
  const real = c.tensor([2, 2, 2, 1], 100, -3, 3), fake = c.tensor([3, 2, 2, 1], 101, -3, 3);
  const [dReal, dFake] = weightedGrads((r, f) => dualContrastiveLoss(r, f), [real, fake], 102);
  return { loss: dualContrastiveLoss(real, fake), big: dualContrastiveLoss(tf.mul(real, 100), tf.mul(fake, 100)), dReal, dFake };
});

opCase("l1Loss (ties give a zero gradient)", ["l1Loss"], (c) => {
  const a = c.tensor([2, 4, 5, 3], 110);
  // Every third element of b equals a's: sign(0) = 0 there.
  const mask = tf.tensor(Float32Array.from({ length: a.size }, (_, i) => (i % 3 === 0 ? 1 : 0)), a.shape);
  const b = tf.add(tf.mul(mask, a), tf.mul(tf.sub(1, mask), c.tensor(a.shape, 111)));
  const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => l1Loss(p, q))([a, b]);
  return { loss: l1Loss(a, b), da, db };
});

opCase("adaptiveAvgPool (divisible: avgPool; not: bin matrices)", ["adaptiveAvgPool"], (c) => {
  const even = c.tensor<tf.Rank.R4>([2, 8, 8, 4], 120), odd = c.tensor<tf.Rank.R4>([2, 7, 9, 4], 121);
  const [dEven] = weightedGrads((a) => adaptiveAvgPool(a as tf.Tensor4D, 4), [even], 122);
  const [dOdd] = weightedGrads((a) => adaptiveAvgPool(a as tf.Tensor4D, 4), [odd], 123);
  return { even: adaptiveAvgPool(even, 4), odd: adaptiveAvgPool(odd, 4), one: adaptiveAvgPool(odd, 1), dEven, dOdd };
});

const convVariants: ReadonlyArray<{ act: ConvActivation; stride: number; pad: "same" | "valid"; n: number; h: number; w: number; ci: number; co: number; k: number }> = [
  { act: "linear", stride: 1, pad: "same", n: 2, h: 7, w: 9, ci: 3, co: 5, k: 3 },
  { act: "relu", stride: 1, pad: "same", n: 1, h: 6, w: 5, ci: 8, co: 8, k: 3 },
  { act: "leakyRelu", stride: 2, pad: "valid", n: 2, h: 9, w: 8, ci: 6, co: 4, k: 3 },
  { act: "leakyRelu", stride: 1, pad: "same", n: 2, h: 5, w: 6, ci: 4, co: 7, k: 1 },
];
for (const [i, v] of convVariants.entries()) {
  opCase(`conv2dBiasActivation ${v.act} k${v.k} s${v.stride} ${v.pad} (FusedConv2D and its registered gradient)`, ["conv2dBiasActivation", "fusedConv2dGradConfig"], (c) => {
    const x = c.tensor<tf.Rank.R4>([v.n, v.h, v.w, v.ci], 130 + i);
    const filter = c.tensor<tf.Rank.R4>([v.k, v.k, v.ci, v.co], 140 + i, -0.5, 0.5);
    const bias = c.tensor<tf.Rank.R1>([v.co], 150 + i, -0.2, 0.2);
    const o = { stride: v.stride, pad: v.pad, activation: v.act, alpha: 0.2 };
    const f = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => conv2dBiasActivation(a as tf.Tensor4D, b as tf.Tensor4D, d as tf.Tensor1D, o);
    const [dx, dFilter, dBias] = weightedGrads(f, [x, filter, bias], 160 + i);
    // The lazy path: only the filter's gradient asked for (a frozen input, as E's first conv).
    const [dFilterOnly] = weightedGrads((b) => f(x, b, bias), [filter], 160 + i);
    return { y: f(x, filter, bias), dx, dFilter, dBias, dFilterOnly };
  });
}

opCase("imresize (MATLAB bicubic: up x2, down with antialiasing, to a size)", ["imresize"], (c) => {
  const x = c.tensor<tf.Rank.R4>([2, 7, 9, 3], 170, 0, 1);
  const [dUp] = weightedGrads((a) => imresize(a as tf.Tensor4D, 2), [x], 171);
  const [dDown] = weightedGrads((a) => imresize(a as tf.Tensor4D, { height: 4, width: 5 }), [x], 172);
  return { up: imresize(x, 2), down: imresize(x, 0.5), sized: imresize(x, { height: 4, width: 5 }), dUp, dDown };
});

opCase("LeakyRelu's gradient as registered by pcl-stream (x = 0 included)", ["leakyReluGradConfig"], (c) => {
  const x = tf.mul(tf.round(tf.mul(c.tensor([3, 4, 5, 2], 180), 3)), 0.5); // multiples of 0.5, many exact zeros
  const [dx] = weightedGrads((a) => tf.leakyRelu(a, 0.2), [x], 181);
  const [dx0] = weightedGrads((a) => tf.leakyRelu(a, 0.01), [x], 182);
  return { y: tf.leakyRelu(x, 0.2), dx, dx0 };
});

opCase("Sum and Mean gradients as registered by pcl-stream", ["sumGradConfig", "meanGradConfig"], (c) => {
  const x = c.tensor([3, 4, 5, 2], 190);
  const out: tf.NamedTensorMap = {};
  const axes: Array<number | number[] | undefined> = [undefined, 0, 3, [1, 2], [0, 3], -1];
  axes.forEach((axis, i) => {
    for (const keep of [false, true]) {
      const tag = `${JSON.stringify(axis) ?? "all"}${keep ? "k" : ""}`;
      [out[`dSum ${tag}`]] = weightedGrads((a) => tf.sum(a, axis, keep), [x], 191 + i);
      [out[`dMean ${tag}`]] = weightedGrads((a) => tf.mean(a, axis, keep), [x], 201 + i);
    }
  });
  return out;
});

opCase("residualAdd, recompute, tapeGradients / tapeVariableGrads and untaped (pcl-stream's backward pass)",
  ["residualAdd", "recompute", "tapeGradients", "tapeVariableGrads", "untaped"], (c) => {
    const x = c.tensor<tf.Rank.R4>([2, 5, 6, 4], 210);
    const ws = [211, 212, 213].map((seed) => tf.variable(tf.mul(c.tensor<tf.Rank.R4>([3, 3, 4, 4], seed), 0.3)));
    const block = (v: tf.Tensor4D, w: tf.Variable) => residualAdd(v, tf.relu(tf.conv2d(v, w as tf.Tensor4D, 1, "same")), 0.5);
    const target = c.tensor([2, 5, 6, 4], 214);
    // L = mean((blocks(x) - target)^2) + mean(blocks(x) * untaped(blocks(x))): the untaped factor is a constant to the gradient.
    const loss = (blocks: ((v: tf.Tensor4D) => tf.Tensor4D)[]) => () => {
      const y = blocks.reduce((v, f) => f(v), x);
      return tf.add(tf.mean(tf.square(tf.sub(y, target))), tf.mean(tf.mul(y, untaped(() => blocks.reduce((v, f) => f(v), x))))) as tf.Scalar;
    };
    const plain = ws.map((w) => (v: tf.Tensor4D) => block(v, w));
    const checkpointed = ws.map((w) => recompute((v: tf.Tensor4D) => block(v, w), [w]));
    const a = tapeVariableGrads(loss(plain), ws), b = tapeVariableGrads(loss(checkpointed), ws);
    const dy = c.tensor([2, 5, 6, 4], 215);
    const vjp = tapeGradients(() => plain.reduce((v, f) => f(v), x), [x], dy);
    const out: tf.NamedTensorMap = { loss: a.value, lossRecomputed: b.value, dx: vjp.grads[0]! };
    ws.forEach((w, i) => { out[`dW${i}`] = a.grads[w.name]; out[`dW${i} recomputed`] = b.grads[w.name]; });
    const kept = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, tf.keep(v)]));
    tf.dispose([...ws, vjp.value]);
    return kept;
  });

opCase("adamUpdate (a backend's fused PclAdamUpdate kernel, or the op-by-op update)", ["adamUpdate"], (c) => {
  const w = c.tensor([3, 5, 7], 220), g = c.tensor([3, 5, 7], 221), m = c.tensor([3, 5, 7], 222), v = tf.abs(c.tensor([3, 5, 7], 223));
  const r = adamUpdate(w, g, m, v, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, stepSize: 1e-3 / (1 - 0.9 ** 2), c2: Math.sqrt(1 - 0.999 ** 2) });
  return { w: r.w, m: r.m, v: r.v };
});

opCase("biasActivationGrad, channelDot, scaleShiftChannels (a backend's fused kernels, or op chains)",
  ["biasActivationGrad", "channelDot", "scaleShiftChannels"], (c) => {
    const dy = c.tensor<tf.Rank.R4>([2, 5, 7, 6], 230), y = c.tensor<tf.Rank.R4>([2, 5, 7, 6], 231), x = c.tensor<tf.Rank.R4>([2, 5, 7, 6], 232);
    const relu = biasActivationGrad(dy, tf.relu(y), 0), leaky = biasActivationGrad(dy, y, 0.2);
    return {
      gRelu: relu.g, dbiasRelu: relu.dbias, gLeaky: leaky.g, dbiasLeaky: leaky.dbias,
      dot: channelDot(dy, x), scaled: scaleShiftChannels(dy, c.tensor<tf.Rank.R4>([2, 1, 1, 6], 233), c.tensor<tf.Rank.R4>([2, 1, 1, 6], 234)),
    };
  });

opCase("channelGate (RCAN's channel attention as one op) against the op-by-op gate: values and gradients",
  ["channelGate"], (c) => {
    const x = c.tensor<tf.Rank.R4>([2, 5, 6, 8], 240);
    const w1 = tf.variable(c.tensor<tf.Rank.R4>([1, 1, 8, 2], 241)), b1 = tf.variable(c.tensor<tf.Rank.R1>([2], 242));
    const w2 = tf.variable(c.tensor<tf.Rank.R4>([1, 1, 2, 8], 243)), b2 = tf.variable(c.tensor<tf.Rank.R1>([8], 244));
    const f = (m: tf.Tensor4D) => tf.sigmoid(tf.add(tf.conv2d(tf.relu(tf.add(tf.conv2d(m, w1 as tf.Tensor4D, 1, "valid"), b1)) as tf.Tensor4D, w2 as tf.Tensor4D, 1, "valid"), b2)) as tf.Tensor4D;
    const gate = channelGate(f, [w1, b1, w2, b2]);
    const plain = (v: tf.Tensor4D) => tf.mul(v, f(tf.mean(v, [1, 2], true) as tf.Tensor4D)) as tf.Tensor4D;
    const dy = c.tensor([2, 5, 6, 8], 245);
    const ws = [x, w1, b1, w2, b2];
    const fused = tapeGradients(() => gate(x), ws, dy), ref = tapeGradients(() => plain(x), ws, dy);
    const out: tf.NamedTensorMap = { y: fused.value, yPlain: ref.value, yUntaped: gate(x) };
    ["x", "w1", "b1", "w2", "b2"].forEach((name, i) => { out[`d${name}`] = fused.grads[i]!; out[`d${name} plain`] = ref.grads[i]!; });
    const kept = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, tf.keep(v)]));
    tf.dispose([w1, b1, w2, b2]);
    return kept;
  });

/**
 * Exports of src/ops that create no tensors, and why: constants, and functions on typed arrays
 * and numbers, which give the same results whatever backend is active.
 */
const BACKEND_INDEPENDENT: Readonly<Record<string, string>> = {
  BLUR_KERNEL_SIZES: "constant", BLUR_SIGMA_MAX: "constant", BLUR_SIGMA_MIN: "constant", DEFAULT_TILE: "constant", DIHEDRALS: "constant",
  HAAR_BAND_NAMES: "constant", SHARPEN_FACTOR_MAX: "constant", SHARPEN_FACTOR_MIN: "constant", SMOOTH_KERNEL_3X3: "constant",
  adaptivePoolMatrix: "Float32Array bin weights", applyDihedral: "RgbImage flip/transpose", invertDihedral: "RgbImage flip/transpose",
  selfEnsemble: "averages RgbImages around an upscale callback", assertSameSize: "argument check", contributionMatrix: "Float32Array weights",
  cropPlane: "Float64Array plane", cubic: "number kernel", cubicContributions: "weight tables", defaultOverlap: "number", planAxis: "tile layout",
  gaussianKernel2d: "Float32Array kernel", gaussianWindow: "Float64Array window", imresizeRgb: "typed-array resize (the data pipeline's)",
  psnrPlane: "Float64Array metric", psnrRgb: "typed-array metric", psnrY: "typed-array metric", rgbToY: "typed-array colour conversion",
  sampleSharpenFactor: "draws a number", ssimPlane: "Float64Array metric", ssimY: "typed-array metric",
  isRecording: "reads the engine's tape state", takesNumericConvPad: "reads the active backend's name", peakTensorBytes: "counts the engine's buffers around a callback",
  ADAM_UPDATE: "constant (a kernel name)", BIAS_ACTIVATION_GRAD: "constant (a kernel name)", CHANNEL_DOT: "constant (a kernel name)",
  SCALE_SHIFT_CHANNELS: "constant (a kernel name)", REFLECT_SEPARABLE_FILTER: "constant (a kernel name)", COSINE_SIMILARITIES: "constant (a kernel name)", COSINE_SIMILARITIES_GRAD: "constant (a kernel name)", HAAR_BANDS: "constant (a kernel name)", HAAR_BANDS_GRAD: "constant (a kernel name)", hasFusedReflectFilter: "reads the active backend's kernel registry", adamConstants: "Float32Array of constants",
  // NIQE: float64 typed arrays throughout (MATLAB equality needs float64), no tensors.
  FLAT_TOLERANCE: "constant", NIQE_BLOCK: "constant", NIQE_FEATURES_PER_SCALE: "constant", NIQE_SHIFTS: "constant",
  NiqeSizeError: "error class", NiqeUndefinedError: "error class", aggdFit: "Float64Array fit", ggdFit: "Float64Array fit",
  gamma: "number function", shapeGrid: "Float64Array grid", imresizePlane: "typed-array resize", mscn: "Float64Array plane",
  niqe: "typed-array metric", niqeOrNaN: "typed-array metric", niqePlane: "Float64Array metric", niqeBlockFeatures: "Float64Array features",
  pinvSymmetric: "Float64Array matrix", symmetricEigen: "Float64Array matrix", rgbToY8: "typed-array colour conversion",
};

/** Tensor ops whose conformance case lives in another file. */
const COVERED_ELSEWHERE: Readonly<Record<string, string>> = {
  upscaleTiled: "test/conformance-networks.test.ts (tiled upscale of a 37x29 image)",
};

test("every export of src/ops has a conformance case or is listed as backend-independent", (t) => {
  const exported = Object.keys(ops).sort();
  const unaccounted = exported.filter((k) => !covered.has(k) && !(k in BACKEND_INDEPENDENT) && !(k in COVERED_ELSEWHERE));
  t.deepEqual(unaccounted, [], "add a case to test/conformance-ops.test.ts (or, if it makes no tensors, list it in BACKEND_INDEPENDENT)");
  const stale = [...covered, ...Object.keys(BACKEND_INDEPENDENT), ...Object.keys(COVERED_ELSEWHERE)].filter((k) => !exported.includes(k));
  t.deepEqual(stale, [], "names listed here that src/ops no longer exports");
  const both = [...covered].filter((k) => k in BACKEND_INDEPENDENT);
  t.deepEqual(both, [], "listed both as covered and as backend-independent");
});
