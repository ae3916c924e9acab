/**
 * The `native` backend (C++ addon) against tfjs-backend-cpu: every overridden kernel, on random
 * shapes (odd sizes, stride 2, same/valid/explicit padding, batch 1, channels 3/9/64), plus the
 * gradients of a small conv net and a tensor-leak check. Skipped only when the addon is not built.
 */
import test from "ava";
import { mulberry32 } from "../src/compile/weights.js";
import type { ExecutionContext } from "ava";
import * as tf from "@tensorflow/tfjs-core";
import { NativeBackend, nativeInfo, registerNativeBackend } from "../src/backend/native/index.js";
import { conv2dBiasActivation } from "../src/ops/conv2d-bias-activation.js";
import { registerGradients } from "../src/backend/gradients.js";

const reg = registerNativeBackend();
// tfjs-core's Node bundle registers no gradients; the project's one loader does, after the backend loaded.
await registerGradients();
const serial = reg.ok ? test.serial : test.skip;
if (!reg.ok) {
  test("native backend unavailable (tests skipped)", (t) => {
    t.log(`skipping native backend tests: ${reg.reason}`);
    t.pass();
  });
}

const TOL = 1e-4;

function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const next = mulberry32(seed); // deterministic across runs
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * next());
}

function randT(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(rand(shape.reduce((a, b) => a * b, 1), seed), shape, "float32");
}

/** Runs f on cpu, then on native, and returns the outputs' values per backend. */
async function onBoth(f: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: Float32Array[]; native: Float32Array[]; shapes: number[][] }> {
  const run = async (b: string) => {
    await tf.setBackend(b);
    const outs = tf.tidy(() => {
      const r = f();
      return Array.isArray(r) ? r : [r];
    });
    const vals = outs.map((o) => o.dataSync() as Float32Array);
    const shapes = outs.map((o) => o.shape);
    tf.dispose(outs);
    return { vals, shapes };
  };
  const c = await run("cpu");
  // Native twice: the first run fills the buffer pool, the second draws its outputs and
  // intermediates from recycled buffers poisoned with NaN, so a kernel that leaves any element
  // unwritten fails the finite check below.
  await tf.setBackend("native");
  tf.dispose(tf.tidy(() => f()));
  const pool = (tf.backend() as NativeBackend).pool;
  pool.setPoison(true);
  const n = await run("native").finally(() => pool.setPoison(false));
  return { cpu: c.vals, native: n.vals, shapes: n.shapes };
}

function relErr(a: Float32Array, b: Float32Array): number {
  let diff = 0, mag = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    mag = Math.max(mag, Math.abs(b[i]));
  }
  return diff / Math.max(mag, 1e-6);
}

async function expectSame(t: ExecutionContext, label: string, f: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const r = await onBoth(f);
  t.is(r.cpu.length, r.native.length, label);
  for (let i = 0; i < r.cpu.length; i++) {
    t.is(r.native[i].length, r.cpu[i].length, `${label} output ${i} size`);
    let finite = true;
    for (const v of r.native[i]) if (!Number.isFinite(v)) finite = false;
    t.true(finite, `${label} output ${i} finite`);
    const e = relErr(r.native[i], r.cpu[i]);
    t.true(e < TOL, `${label} output ${i} shape [${r.shapes[i]}]: relative error ${e.toExponential(2)}`);
  }
}

type Pad = "same" | "valid" | number;
interface ConvCase { n: number; h: number; w: number; c: number; co: number; k: number; s: number; pad: Pad; d?: number }

const convCases: ConvCase[] = [
  { n: 1, h: 7, w: 9, c: 3, co: 5, k: 3, s: 1, pad: "same" },
  { n: 2, h: 11, w: 13, c: 9, co: 32, k: 3, s: 2, pad: "same" },
  { n: 1, h: 9, w: 10, c: 64, co: 64, k: 3, s: 1, pad: "same" },
  { n: 3, h: 10, w: 9, c: 64, co: 3, k: 3, s: 1, pad: "valid" },
  { n: 2, h: 9, w: 8, c: 32, co: 17, k: 3, s: 2, pad: "valid" },
  { n: 1, h: 8, w: 10, c: 9, co: 64, k: 5, s: 1, pad: 1 },
  { n: 2, h: 6, w: 7, c: 3, co: 12, k: 1, s: 1, pad: "valid" },
  { n: 1, h: 10, w: 10, c: 32, co: 128, k: 3, s: 1, pad: "same" },
  // 64-multiple channels (AVX-512's 6x64 tile) with a stride-2 gradient and odd widths
  { n: 2, h: 9, w: 7, c: 64, co: 64, k: 3, s: 2, pad: "same" },
  // enough pixels for backprop-filter's row split (8 row tasks) on the 6x64 tile
  { n: 1, h: 96, w: 80, c: 3, co: 64, k: 3, s: 1, pad: "same" },
  { n: 1, h: 9, w: 9, c: 5, co: 7, k: 3, s: 1, pad: "same", d: 2 },
];

const label = (c: ConvCase) => `n${c.n} ${c.h}x${c.w} c${c.c}->${c.co} k${c.k} s${c.s} ${c.pad}${c.d ? ` d${c.d}` : ""}`;

serial("Conv2D forward matches cpu", async (t) => {
  for (const [i, c] of convCases.entries()) {
    await expectSame(t, `conv2d ${label(c)}`, () =>
      tf.conv2d(randT([c.n, c.h, c.w, c.c], 10 + i) as tf.Tensor4D, randT([c.k, c.k, c.c, c.co], 20 + i) as tf.Tensor4D,
        c.s, c.pad, "NHWC", c.d ?? 1));
  }
});

serial("FusedConv2D (bias + activations) matches cpu", async (t) => {
  const acts = ["linear", "relu", "leakyrelu", "relu6", "sigmoid", "prelu", "elu"] as const;
  for (const [i, c] of convCases.slice(0, 6).entries()) {
    const act = acts[i % acts.length];
    await expectSame(t, `fusedConv2d ${act} ${label(c)}`, () =>
      tf.fused.conv2d({
        x: randT([c.n, c.h, c.w, c.c], 30 + i) as tf.Tensor4D,
        filter: randT([c.k, c.k, c.c, c.co], 40 + i) as tf.Tensor4D,
        strides: c.s, pad: c.pad, bias: randT([c.co], 50 + i),
        activation: act, leakyreluAlpha: 0.2,
        preluActivationWeights: act === "prelu" ? randT([c.co], 60 + i) : undefined,
      }));
  }
});

serial("Conv2DBackpropInput / Conv2DBackpropFilter match cpu", async (t) => {
  for (const [i, c] of convCases.entries()) {
    if (c.d) continue; // tfjs has no conv2d gradient for dilations > 1
    await expectSame(t, `conv2d grads ${label(c)}`, () => {
      const x = randT([c.n, c.h, c.w, c.c], 70 + i) as tf.Tensor4D;
      const w = randT([c.k, c.k, c.c, c.co], 80 + i) as tf.Tensor4D;
      const f = (a: tf.Tensor, b: tf.Tensor) => {
        const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad, "NHWC", c.d ?? 1);
        return tf.sum(tf.mul(y, randT(y.shape, 90 + i)));
      };
      return tf.grads(f)([x, w]);
    });
  }
  // the transpose op calls Conv2DBackpropInput directly
  await expectSame(t, "conv2dTranspose s2", () =>
    tf.conv2dTranspose(randT([2, 5, 6, 16], 5) as tf.Tensor4D, randT([3, 3, 8, 16], 6) as tf.Tensor4D, [2, 10, 12, 8], 2, "same"));
});

serial("conv kernels and matmul match cpu under every instruction set this CPU has (each table forced)", async (t) => {
  const { addon } = await import("../src/backend/native/addon.js");
  const info = nativeInfo();
  if (!info.ok) return t.fail(info.reason);
  const original = info.isa;
  const isas = ["avx512", "avx2", "portable"].filter((name) => {
    const ok = addon().setIsa(name);
    if (!ok) t.log(`${name}: not available on this CPU (not tested here)`);
    return ok;
  });
  addon().setIsa(original);
  t.true(isas.includes("portable"), "the portable table is always available");
  const cases: Array<[string, () => tf.Tensor[]]> = convCases.filter((c) => !c.d).map((c, i) => [`conv2d + grads ${label(c)}`, () => {
    const x = randT([c.n, c.h, c.w, c.c], 170 + i) as tf.Tensor4D;
    const w = randT([c.k, c.k, c.c, c.co], 180 + i) as tf.Tensor4D;
    const y = tf.conv2d(x, w, c.s, c.pad);
    const dy = randT(y.shape, 190 + i);
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), dy));
    return [y, ...tf.grads(f)([x, w])];
  }]);
  cases.push(["matmul 37x70 * 70x67", () => [tf.matMul(randT([37, 70], 5), randT([70, 67], 6))]]);
  try {
    for (const [what, f] of cases) {
      await tf.setBackend("cpu");
      const want = tf.tidy(f);
      const ref = want.map((o) => o.dataSync() as Float32Array);
      tf.dispose(want);
      await tf.setBackend("native");
      for (const name of isas) {
        addon().setIsa(name);
        const got = tf.tidy(f);
        const vals = got.map((o) => o.dataSync() as Float32Array);
        tf.dispose(got);
        vals.forEach((v, k) => {
          const e = relErr(v, ref[k]);
          t.true(e < TOL, `${name}: ${what} output ${k}: relative error ${e.toExponential(2)}`);
        });
      }
    }
  } finally {
    addon().setIsa(original);
  }
  const after = nativeInfo();
  t.is(after.ok ? after.isa : "", original, "the default table is restored");
});

interface DwCase { n: number; h: number; w: number; c: number; m: number; k: number; s: number; pad: Pad }
const dwCases: DwCase[] = [
  { n: 2, h: 12, w: 10, c: 3, m: 3, k: 2, s: 2, pad: "valid" }, // Haar
  { n: 3, h: 13, w: 11, c: 3, m: 4, k: 3, s: 1, pad: "valid" }, // unsharp after reflect pad
  { n: 1, h: 14, w: 14, c: 3, m: 4, k: 5, s: 1, pad: "valid" }, // gaussian
  { n: 2, h: 9, w: 7, c: 9, m: 1, k: 3, s: 2, pad: "same" },
  { n: 1, h: 8, w: 8, c: 64, m: 1, k: 3, s: 1, pad: "same" },
];

serial("DepthwiseConv2dNative and its backprops match cpu", async (t) => {
  for (const [i, c] of dwCases.entries()) {
    const l = `depthwise n${c.n} ${c.h}x${c.w} c${c.c}x${c.m} k${c.k} s${c.s} ${c.pad}`;
    await expectSame(t, l, () =>
      tf.depthwiseConv2d(randT([c.n, c.h, c.w, c.c], 100 + i) as tf.Tensor4D, randT([c.k, c.k, c.c, c.m], 110 + i) as tf.Tensor4D, c.s, c.pad));
    await expectSame(t, `${l} grads`, () => {
      const f = (a: tf.Tensor, b: tf.Tensor) => {
        const y = tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad);
        return tf.sum(tf.mul(y, randT(y.shape, 120 + i)));
      };
      return tf.grads(f)([randT([c.n, c.h, c.w, c.c], 130 + i) as tf.Tensor4D, randT([c.k, c.k, c.c, c.m], 140 + i) as tf.Tensor4D]);
    });
  }
});

serial("BatchMatMul / _FusedMatMul match cpu", async (t) => {
  const cases: Array<{ a: number[]; b: number[]; ta: boolean; tb: boolean }> = [
    { a: [7, 5], b: [5, 9], ta: false, tb: false },
    { a: [5, 7], b: [9, 5], ta: true, tb: true },
    { a: [3, 33, 65], b: [3, 65, 17], ta: false, tb: false },
    { a: [4, 20, 13], b: [1, 20, 31], ta: true, tb: false },
    { a: [1, 64, 1], b: [2, 1, 64], ta: true, tb: true },
    { a: [130, 300], b: [300, 70], ta: false, tb: false },
    { a: [2, 3, 4, 5], b: [2, 3, 5, 6], ta: false, tb: false },
    // few rows (InfoNCE's similarities and their gradient): the skinny path, odd lengths, a broadcast batch
    { a: [3, 1, 5003], b: [3, 8, 5003], ta: false, tb: true },
    { a: [3, 1, 8], b: [3, 8, 9001], ta: false, tb: false },
    { a: [2, 3, 4099], b: [2, 5, 4099], ta: false, tb: true },
    { a: [1, 4, 7], b: [3, 7, 4101], ta: false, tb: false },
  ];
  for (const [i, c] of cases.entries()) {
    const l = `matmul ${c.a}${c.ta ? "T" : ""} x ${c.b}${c.tb ? "T" : ""}`;
    await expectSame(t, l, () => tf.matMul(randT(c.a, 200 + i), randT(c.b, 210 + i), c.ta, c.tb));
    const n = c.tb ? c.b[c.b.length - 2] : c.b[c.b.length - 1];
    await expectSame(t, `${l} fused`, () =>
      tf.fused.matMul({ a: randT(c.a, 220 + i), b: randT(c.b, 230 + i), transposeA: c.ta, transposeB: c.tb,
        bias: randT([n], 240 + i), activation: i % 2 ? "relu" : "leakyrelu", leakyreluAlpha: 0.1 }));
    // tfjs's BatchMatMul gradient does not reduce broadcast batch dims: only equal batches here
    if (c.a.slice(0, -2).join() !== c.b.slice(0, -2).join()) continue;
    await expectSame(t, `${l} grads`, () =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.matMul(a, b, c.ta, c.tb))))([randT(c.a, 250 + i), randT(c.b, 260 + i)]));
  }
});

serial("element-wise, reduction, transpose, concat, tile, pad and select kernels match cpu", async (t) => {
  const shapes: Array<[number[], number[]]> = [
    [[2, 5, 7, 3], [2, 5, 7, 3]],
    [[2, 5, 7, 3], [3]],
    [[2, 5, 7, 3], [1, 5, 1, 3]],
    [[1, 4, 1, 6], [3, 1, 5, 1]],
    [[8, 2, 3, 4, 5], [2, 1, 4, 5]],
    [[], [4, 3]],
    [[4, 3], []],
    [[300, 300], [300, 1]],
  ];
  const binary: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor]> = [
    ["add", tf.add], ["sub", tf.sub], ["mul", tf.mul], ["div", tf.div], ["maximum", tf.maximum],
    ["minimum", tf.minimum], ["squaredDifference", tf.squaredDifference],
  ];
  for (const [i, [sa, sb]] of shapes.entries()) {
    for (const [name, op] of binary) await expectSame(t, `${name} [${sa}] [${sb}]`, () => op(randT(sa, 500 + i), randT(sb, 510 + i)));
    await expectSame(t, `compare/select [${sa}] [${sb}]`, () => {
      const a = randT(sa, 520 + i), b = randT(sb, 530 + i);
      const big = tf.add(tf.zeros(tf.broadcastTo(a, backendShape(sa, sb)).shape), a);
      const mask = tf.greater(a, b);
      return [tf.cast(mask, "float32"), tf.cast(tf.lessEqual(a, b), "float32"), tf.cast(tf.equal(a, a), "float32"),
        tf.where(mask, big, tf.neg(big))];
    });
  }
  await expectSame(t, "pow", () => tf.pow(tf.abs(randT([5, 6], 540)), randT([6], 541)));
  const x = randT([3, 7, 5, 4], 550);
  await expectSame(t, "unary ops", () => [
    tf.neg(x), tf.abs(x), tf.square(x), tf.sqrt(tf.abs(x)), tf.rsqrt(tf.add(tf.abs(x), 0.1)), tf.exp(x), tf.log(tf.add(tf.abs(x), 0.1)),
    tf.relu(x), tf.relu6(tf.mul(x, 8)), tf.leakyRelu(x, 0.2), tf.step(x, 0.3), tf.sign(x), tf.sigmoid(x), tf.softplus(tf.mul(x, 20)),
    tf.reciprocal(tf.add(tf.abs(x), 0.5)), tf.tanh(x), tf.log1p(tf.abs(x)), tf.elu(x),
  ]);
  const r = randT([4, 9, 7, 5], 560);
  const axesList: Array<number | number[] | undefined> = [undefined, 0, 1, 3, [1, 2], [0, 3], [0, 1, 2], [0, 2]];
  for (const axis of axesList) {
    for (const keep of [false, true]) {
      await expectSame(t, `reductions axis ${JSON.stringify(axis)} keepDims ${keep}`, () => [
        tf.sum(r, axis, keep), tf.mean(r, axis, keep), tf.max(r, axis, keep), tf.min(r, axis, keep), tf.prod(tf.add(tf.mul(r, 0.1), 1), axis, keep),
      ]);
    }
  }
  await expectSame(t, "large mean", () => tf.mean(randT([16, 96, 96, 3], 565)));
  await expectSame(t, "transposes", () => [
    tf.transpose(randT([2, 3, 4, 5, 2, 2], 570), [0, 1, 4, 2, 5, 3]),
    tf.transpose(randT([2, 3, 2, 5, 2, 7], 573), [0, 1, 3, 5, 2, 4]), // pixel shuffle's backward: 2 x 2 innermost
    tf.transpose(randT([1, 6, 1, 5, 3, 2], 574), [3, 2, 0, 1, 5, 4]),
    tf.transpose(randT([7, 9], 571)),
    tf.transpose(randT([3, 4, 5, 6], 572), [3, 1, 0, 2]),
    tf.cast(tf.transpose(tf.tensor([1, 2, 3, 4, 5, 6], [2, 3], "int32"), [1, 0]), "float32"),
  ]);
  // block-copy concat/stack: runs of >= 64 floats on several axes, and short runs (cpu's loop)
  const blocks = [0, 1, 2].map((i) => randT([3, 5, 9, 16], 590 + i));
  await expectSame(t, "concat and stack", () => [
    tf.concat(blocks, 0), tf.concat(blocks, 1), tf.concat([blocks[0], randT([3, 2, 9, 16], 593)], 1), tf.concat(blocks, 3),
    tf.stack(blocks, 0), tf.stack(blocks, 1), tf.stack(blocks, 2), tf.stack(blocks, 4), tf.stack(blocks, -1),
  ]);
  const small = randT([3, 1, 5, 2], 595);
  await expectSame(t, "tile and broadcastTo", () => [
    tf.tile(small, [2, 3, 1, 2]), tf.tile(small, [1, 4, 2, 1]), tf.tile(randT([7], 596), [3]),
    tf.broadcastTo(randT([3, 1, 5, 1], 597), [3, 4, 5, 6]), tf.broadcastTo(randT([1, 1, 1, 1], 598), [2, 3, 4, 5]),
  ]);
  const img = randT([2, 6, 7, 3], 580);
  await expectSame(t, "pads", () => [
    tf.mirrorPad(img, [[0, 0], [1, 1], [1, 1], [0, 0]], "reflect"),
    tf.mirrorPad(img, [[0, 0], [2, 2], [2, 2], [0, 0]], "reflect"),
    tf.mirrorPad(img, [[1, 0], [2, 1], [0, 3], [1, 1]], "symmetric"),
    tf.pad(img, [[0, 1], [2, 0], [1, 1], [0, 2]], 0.5),
  ]);
});

function backendShape(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  const pa = [...Array(r - a.length).fill(1), ...a], pb = [...Array(r - b.length).fill(1), ...b];
  return pa.map((d, i) => Math.max(d, pb[i]));
}

/** A small conv net touching conv, fused conv + LeakyReLU, leakyRelu, depthwise, matmul and mean; returns its loss. */
function smallNet(x: tf.Tensor4D, p: Record<string, tf.Tensor>): tf.Scalar {
  let h = tf.leakyRelu(tf.conv2d(x, p.w1 as tf.Tensor4D, 1, "same"), 0.2);
  h = tf.add(h, p.b1);
  h = tf.depthwiseConv2d(h as tf.Tensor4D, p.dw as tf.Tensor4D, 2, "same");
  h = tf.leakyRelu(tf.conv2d(h as tf.Tensor4D, p.w2 as tf.Tensor4D, 1, "valid"), 0.2);
  const pooled = tf.mean(h, [1, 2]); // [n, c]
  const y = tf.matMul(pooled as tf.Tensor2D, p.fc as tf.Tensor2D);
  // the compiler's conv + bias + activation kernel and its registered gradient
  const fused = conv2dBiasActivation(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), p.w1 as tf.Tensor4D, p.b1 as tf.Tensor1D, { stride: 2, pad: "valid", activation: "leakyRelu", alpha: 0.2 });
  return tf.add(tf.mean(tf.square(y)), tf.mean(tf.square(fused)));
}

serial("gradients of a small conv net agree between native and cpu", async (t) => {
  await expectSame(t, "small net grads", () => {
    const x = randT([2, 11, 10, 3], 300) as tf.Tensor4D;
    const p: Record<string, tf.Tensor> = {
      w1: randT([3, 3, 3, 16], 301), b1: randT([16], 302), dw: randT([3, 3, 16, 2], 303),
      w2: randT([3, 3, 32, 24], 304), fc: randT([24, 5], 305),
    };
    const names = Object.keys(p);
    const g = tf.grads((...vals: tf.Tensor[]) => smallNet(x, Object.fromEntries(names.map((k, i) => [k, vals[i]]))));
    return [smallNet(x, p), ...g(names.map((k) => p[k]))];
  });
});

serial("tensor count stays flat over repeated native calls", async (t) => {
  await tf.setBackend("native");
  const x = randT([2, 9, 9, 8], 400) as tf.Tensor4D;
  const w = randT([3, 3, 8, 8], 401) as tf.Tensor4D;
  const dw = randT([3, 3, 8, 1], 402) as tf.Tensor4D;
  const fc = randT([8, 4], 403) as tf.Tensor2D;
  const step = () =>
    tf.tidy(() => {
      const f = (a: tf.Tensor, b: tf.Tensor) => {
        const h = tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides: 1, pad: "same", bias: tf.ones([8]), activation: "leakyrelu" });
        const d = tf.depthwiseConv2d(h, dw, 2, "same");
        return tf.sum(tf.matMul(tf.mean(d, [1, 2]) as tf.Tensor2D, fc));
      };
      return tf.grads(f)([x, w]);
    });
  tf.dispose(step());
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) tf.dispose(step());
  t.is(tf.memory().numTensors, before);
  tf.dispose([x, w, dw, fc]);
  const info = nativeInfo();
  if (info.ok) t.log(`native addon: ${info.isa}, ${info.threads} threads`);
});

serial("the fused Adam kernel (PclAdamUpdate) equals the op-by-op update bit for bit, and runs as one kernel", async (t) => {
  const { adamUpdate } = await import("../src/ops/adam-update.js");
  const k = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, stepSize: 1e-3 / (1 - 0.9 ** 3), c2: Math.sqrt(1 - 0.999 ** 3) };
  const make = () => ({ w: randT([70001], 500), g: randT([70001], 501), m: randT([70001], 502), v: tf.abs(randT([70001], 503)) });
  await tf.setBackend("cpu");
  const ref = tf.tidy(() => { const a = make(); const r = adamUpdate(a.w, a.g, a.m, a.v, k); return [r.w, r.m, r.v]; });
  const want = await Promise.all(ref.map((x) => x.data()));
  tf.dispose(ref);
  await tf.setBackend("native");
  const prof = await tf.profile(() => tf.tidy(() => { const a = make(); const r = adamUpdate(a.w, a.g, a.m, a.v, k); return [r.w, r.m, r.v]; }));
  const got = await Promise.all((prof.result as tf.Tensor[]).map((x) => x.data()));
  tf.dispose(prof.result as tf.Tensor[]);
  t.deepEqual(prof.kernels.map((x) => x.name).filter((n) => !["Identity", "Abs"].includes(n)), ["PclAdamUpdate"]);
  ["w", "m", "v"].forEach((name, i) => t.is(Array.from(got[i]).findIndex((x, j) => x !== want[i][j]), -1, `${name} differs`));
  await tf.setBackend("cpu");
});

serial("Slice and SplitV: windows of every rank up to 5 (strided copies) and contiguous runs agree with cpu", async (t) => {
  const x = () => randT([3, 7, 8, 5, 2], 600);
  const cases: [number[], number[], number[]][] = [
    [[3, 7, 8, 5, 2], [0, 1, 1, 0, 0], [3, 5, 6, 5, 2]],   // the Pad gradient's window (H and W)
    [[3, 7, 8, 5, 2], [1, 0, 2, 1, 1], [2, -1, 3, 3, 1]],   // every axis cut, -1 size
    [[3, 7, 8, 5, 2], [2, 3, 0, 0, 0], [1, 1, 8, 5, 2]],    // contiguous: stays a view
    [[3, 7, 8, 5, 2], [0, 0, 0, 0, 1], [3, 7, 8, 5, 1]],    // the last axis only
  ];
  for (const [shape, begin, size] of cases) {
    await expectSame(t, `slice ${JSON.stringify([begin, size])}`, () => tf.slice(tf.reshape(x(), shape), begin, size));
  }
  // SplitV (a concat's gradient): parts along an inner axis and along the first
  await expectSame(t, "split axis 3", () => tf.split(x(), [1, 3, 1], 3));
  await expectSame(t, "split axis 0", () => tf.split(x(), 3, 0));
  await expectSame(t, "split axis -1", () => tf.split(x(), 2, -1));
});

serial("FusedBatchNorm: per-channel and scalar parameters agree with cpu", async (t) => {
  const x = () => randT([2, 5, 6, 7], 700);
  await expectSame(t, "batchNorm per channel", () => tf.batchNorm(x(), randT([7], 701), tf.abs(randT([7], 702)), randT([7], 703), randT([7], 704), 1e-5));
  await expectSame(t, "batchNorm scalars", () => tf.batchNorm(x(), tf.scalar(0.3), tf.scalar(2), undefined, undefined, 0.001));
  await expectSame(t, "batchNorm of moments", () => { const m = tf.moments(x(), [0, 1, 2]); return tf.batchNorm(x(), m.mean, m.variance, randT([7], 705), randT([7], 706), 1e-5); });
});

serial("compiled stride-2 convs pad inside the native kernel (no PadV2 or Slice), with the values and gradients of the tf.pad form", async (t) => {
  const { compileLayer } = await import("../src/compile/layer.js");
  const { createWeightStore } = await import("../src/compile/weights.js");
  const { conv, leakyRelu, sequence } = await import("../src/dsl/index.js");
  await tf.setBackend("native");
  const store = createWeightStore(5);
  const { fn } = compileLayer(sequence([conv(8, { stride: 2 }), leakyRelu(0.2), conv(4, { stride: 2, bias: false })]), 3, "e", store);
  const x = randT([2, 13, 10, 3], 300);
  const vars = [...store.variables.values()];
  const run = () => tf.tidy(() => {
    const y = fn(x as tf.Tensor4D);
    const g = tf.grads((v: tf.Tensor) => tf.sum(tf.mul(fn(v as tf.Tensor4D), randT(y.shape, 301))))([x]);
    return [y, ...g];
  });
  const kernels: string[] = [];
  const prof = await tf.profile(() => run());
  for (const k of prof.kernels) kernels.push(k.name);
  const native = (prof.result as tf.Tensor[]).map((o) => o.dataSync().slice());
  tf.dispose(prof.result as tf.Tensor[]);
  t.false(kernels.some((k) => k === "PadV2" || k === "Slice"), `kernels run: ${[...new Set(kernels)].join(", ")}`);
  // The portable form (tf.pad + "valid") on cpu, same weights.
  await tf.setBackend("cpu");
  const ref = run();
  ref.forEach((r, i) => t.true(relErr(native[i] as Float32Array, r.dataSync() as Float32Array) < TOL, `output ${i}`));
  tf.dispose(ref);
  tf.dispose([x, ...vars]);
});

serial("contrast augmenters (blur, sharpen) run as one fused kernel each on native, no pad, transpose or depthwise", async (t) => {
  const { gaussianBlur } = await import("../src/ops/gaussian-blur.js");
  const { sharpen } = await import("../src/ops/sharpen.js");
  await tf.setBackend("native");
  const x = randT([4, 12, 11, 3], 320);
  const kernels = [{ size: 5, sigmaX: 0.7, sigmaY: 1.2 }, { size: 11, sigmaX: 1.9, sigmaY: 0.3 }, { size: 3, sigmaX: 0.5, sigmaY: 0.5 }, { size: 7, sigmaX: 1, sigmaY: 1.5 }];
  const prof = await tf.profile(() => [gaussianBlur(x as tf.Tensor4D, kernels), sharpen(x as tf.Tensor4D, [0.5, 1, 2, 2.9])]);
  const kernelsRun = prof.kernels.map((k) => k.name);
  tf.dispose(prof.result as tf.Tensor[]);
  t.deepEqual(kernelsRun.filter((k) => k === "PclReflectSeparableFilter").length, 2, `kernels run: ${kernelsRun.join(", ")}`);
  t.false(kernelsRun.some((k) => ["MirrorPad", "Transpose", "DepthwiseConv2dNative"].includes(k)), `kernels run: ${kernelsRun.join(", ")}`);
  const same = sharpen(x as tf.Tensor4D, [1, 1, 1, 1]); // factor 1 stays the exact identity in the fused form
  t.deepEqual(Array.from(same.dataSync()), Array.from(x.dataSync()));
  tf.dispose([x, same]);
});
