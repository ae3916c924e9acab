/**
 * The "edsr-tiny PCL iteration" of /work/shared/bench/README.md written with raw tfjs ops (no DSL),
 * mirroring pytorch_pcl_step.py --channels-last: G = EDSR x4 (32 feats, 4 res blocks, 2x pixel
 * shuffle), E = Haar high bands -> 4 conv taps (LeakyReLU 0.2) -> GAP -> linear, batch 16, LR 24.
 * Modes: a = G step L1, b = D step, c = G step L1 + multi-positive InfoNCE, d = full iteration.
 *
 * Difference from PyTorch in mode d: PyTorch runs the D step first on G(LR).detach() and then the G
 * step on the same graph; tfjs cannot keep a recorded forward across an optimizer step, so here
 * the G step runs first (its forward also yields the SR that the D step then uses, detached). Same
 * work, one G forward; only the order of the two Adam updates differs.
 *
 * Standalone profile: `npx tsx bench/raw-pcl-step.ts [--backend native] [--mode d] [--profile]`.
 */
import * as tf from "@tensorflow/tfjs-core";
import { pixelShuffle } from "../src/ops/pixel-shuffle.js";
import { fileURLToPath } from "node:url";
import type { TimedWorkload } from "./workload.js";
import { seededData, seededTensor } from "./workload.js";

const B = 16, P = 24, NF = 32, NB = 4, TAU = 0.1;

type Params = Record<string, tf.Variable>;

let seed = 1000;
function param(shape: number[], fanIn: number): tf.Variable {
  return tf.variable(seededTensor(shape, seed++, Math.sqrt(3 / fanIn)), true);
}
function zeros(n: number): tf.Variable {
  return tf.variable(tf.zeros([n]), true);
}

function makeG(): Params {
  const p: Params = {};
  const conv = (name: string, ci: number, co: number) => {
    p[`${name}.w`] = param([3, 3, ci, co], 9 * ci);
    p[`${name}.b`] = zeros(co);
  };
  conv("head", 3, NF);
  for (let i = 0; i < NB; i++) {
    conv(`rb${i}.c1`, NF, NF);
    conv(`rb${i}.c2`, NF, NF);
  }
  conv("body", NF, NF);
  conv("up0", NF, 4 * NF);
  conv("up1", NF, 4 * NF);
  conv("tail", NF, 3);
  return p;
}

function makeE(): Params {
  const p: Params = {};
  const convs: Array<[number, number]> = [[9, 32], [32, 32], [32, 64], [64, 64]];
  convs.forEach(([ci, co], i) => {
    p[`c${i}.w`] = param([3, 3, ci, co], 9 * ci);
    p[`c${i}.b`] = zeros(co);
  });
  p["fc.w"] = param([64, 1], 64);
  p["fc.b"] = zeros(1);
  return p;
}

function conv(x: tf.Tensor4D, p: Params, name: string, stride = 1, activation: "linear" | "relu" | "leakyrelu" = "linear"): tf.Tensor4D {
  return tf.fused.conv2d({ x, filter: p[`${name}.w`] as tf.Tensor4D, bias: p[`${name}.b`], strides: stride, pad: 1, activation, leakyreluAlpha: 0.2 });
}

function G(p: Params, lr: tf.Tensor4D): tf.Tensor4D {
  const h = conv(lr, p, "head");
  let x = h;
  for (let i = 0; i < NB; i++) x = tf.add(x, conv(conv(x, p, `rb${i}.c1`, 1, "relu"), p, `rb${i}.c2`));
  x = tf.add(conv(x, p, "body"), h);
  x = pixelShuffle(conv(x, p, "up0"), 2);
  x = pixelShuffle(conv(x, p, "up1"), 2);
  return conv(x, p, "tail");
}

/** Haar high-frequency filters, depthwise over RGB: [2,2,3,3], output channel c*3 + band. */
function haarFilter(): tf.Tensor4D {
  const lh = [[1, 1], [-1, -1]], hl = [[1, -1], [1, -1]], hh = [[1, -1], [-1, 1]];
  const bands = [lh, hl, hh];
  const v = new Float32Array(2 * 2 * 3 * 3);
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let c = 0; c < 3; c++) for (let q = 0; q < 3; q++) {
    v[((i * 2 + j) * 3 + c) * 3 + q] = bands[q][i][j] / 2;
  }
  return tf.tensor4d(v, [2, 2, 3, 3]);
}

/** noGrad: forward only (pos/neg taps), so LeakyReLU can be fused into the conv (tfjs has no gradient for that). */
function E(p: Params, haar: tf.Tensor4D, img: tf.Tensor4D, noGrad = false): { score: tf.Tensor1D; taps: tf.Tensor4D[] } {
  let x = tf.depthwiseConv2d(img, haar, 2, "valid");
  const taps: tf.Tensor4D[] = [];
  const strides = [1, 2, 1, 2];
  for (let i = 0; i < 4; i++) {
    x = noGrad ? conv(x, p, `c${i}`, strides[i], "leakyrelu") : tf.leakyRelu(conv(x, p, `c${i}`, strides[i]), 0.2);
    taps.push(x);
  }
  const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D;
  const score = tf.reshape(tf.add(tf.matMul(pooled, p["fc.w"] as tf.Tensor2D), p["fc.b"]), [-1]) as tf.Tensor1D;
  return { score, taps };
}

function gauss5(sigma: number): number[][] {
  const g = [-2, -1, 0, 1, 2].map((x) => Math.exp(-(x * x) / (2 * sigma * sigma)));
  const s = g.reduce((a, b) => a + b, 0);
  return g.map((a) => g.map((b) => (a * b) / (s * s)));
}
function unsharp3(amount: number, base: number[][]): number[][] {
  return base.map((row, i) => row.map((v, j) => (i === 1 && j === 1 ? 1 : 0) * (1 + amount) - amount * v));
}
/** Depthwise filter [k,k,3,4] applying kernel q to every channel (output c*4+q). */
function bank(kernels: number[][][]): tf.Tensor4D {
  const k = kernels[0].length;
  const v = new Float32Array(k * k * 3 * 4);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) for (let c = 0; c < 3; c++) for (let q = 0; q < 4; q++) {
    v[((i * k + j) * 3 + c) * 4 + q] = kernels[q][i][j];
  }
  return tf.tensor4d(v, [k, k, 3, 4]);
}

function posNeg(hr: tf.Tensor4D, pos: tf.Tensor4D, neg: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w] = hr.shape;
  const split = (y: tf.Tensor4D) => tf.transpose(tf.reshape(y, [n, h, w, 3, 4]), [4, 0, 1, 2, 3]); // 4 x n x h x w x 3
  const p = split(tf.depthwiseConv2d(tf.mirrorPad(hr, [[0, 0], [1, 1], [1, 1], [0, 0]], "reflect"), pos, 1, "valid"));
  const q = split(tf.depthwiseConv2d(tf.mirrorPad(hr, [[0, 0], [2, 2], [2, 2], [0, 0]], "reflect"), neg, 1, "valid"));
  return tf.reshape(tf.concat([p, q], 0), [8 * n, h, w, 3]);
}

function normalizeC(x: tf.Tensor, axis: number): tf.Tensor {
  return tf.div(x, tf.maximum(tf.sqrt(tf.sum(tf.square(x), axis, true)), 1e-8));
}

function infoNce(s: tf.Tensor2D): tf.Scalar {
  const sp = tf.div(tf.slice(s, [0, 0], [4, -1]), TAU);
  const sn = tf.div(tf.slice(s, [4, 0], [4, -1]), TAU);
  const negLse = tf.logSumExp(sn, 0, true);
  const lae = tf.logSumExp(tf.stack([sp, tf.broadcastTo(negLse, sp.shape)]), 0); // logaddexp
  return tf.mean(tf.sub(lae, sp));
}

export class RawPclStep {
  readonly g = makeG();
  readonly e = makeE();
  readonly optG = tf.train.adam(1e-4);
  readonly optE = tf.train.adam(1e-4);
  readonly haar = haarFilter();
  readonly pos: tf.Tensor4D;
  readonly neg: tf.Tensor4D;
  readonly hr: tf.Tensor4D;
  readonly lr: tf.Tensor4D;
  readonly srFixed: tf.Tensor4D;

  constructor() {
    const bin = [[1, 2, 1], [2, 4, 2], [1, 2, 1]].map((r) => r.map((v) => v / 16));
    const box = [[1, 1, 1], [1, 1, 1], [1, 1, 1]].map((r) => r.map(() => 1 / 9));
    this.pos = bank([unsharp3(0.5, bin), unsharp3(1, bin), unsharp3(0.5, box), unsharp3(1, box)]);
    this.neg = bank([0.3, 0.7, 1.1, 1.5].map(gauss5));
    const d = seededData(B * 4 * P * 4 * P * 3, 7);
    for (let i = 0; i < d.length; i++) d[i] = 0.5 * (d[i] + 1);
    this.hr = tf.tensor4d(d, [B, 4 * P, 4 * P, 3]);
    this.lr = tf.avgPool(this.hr, 4, 4, "valid");
    this.srFixed = tf.tidy(() => G(this.g, this.lr));
  }

  private gVars(): tf.Variable[] {
    return Object.values(this.g);
  }
  private eVars(): tf.Variable[] {
    return Object.values(this.e);
  }

  /** D step on a (detached) SR batch. */
  dStep(sr: tf.Tensor4D): void {
    const { value, grads } = tf.variableGrads(() => {
      const { score } = E(this.e, this.haar, tf.concat([this.hr, sr], 0));
      const real = tf.slice(score, [0], [B]), fake = tf.slice(score, [B], [B]);
      return tf.add(tf.mean(tf.softplus(tf.neg(real))), tf.mean(tf.softplus(fake))) as tf.Scalar;
    }, this.eVars());
    this.optE.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    tf.dispose([value, ...Object.values(grads)]);
  }

  /** G step: L1 (+ contrastive over the 4 E taps, E frozen). Returns SR (kept) when keepSr. */
  gStep(contrastive: boolean, keepSr = false): tf.Tensor4D | null {
    let kept: tf.Tensor4D | null = null;
    const tapsPN = contrastive
      ? tf.tidy(() => E(this.e, this.haar, posNeg(this.hr, this.pos, this.neg), true).taps.map((t) => {
          const [, h, w, c] = t.shape;
          return normalizeC(tf.reshape(t, [8, B, h, w, c]), 4);
        }))
      : [];
    const { value, grads } = tf.variableGrads(() => {
      const sr = G(this.g, this.lr);
      if (keepSr) kept = tf.keep(sr);
      let loss = tf.mean(tf.abs(tf.sub(sr, this.hr))) as tf.Scalar;
      if (contrastive) {
        const { taps } = E(this.e, this.haar, sr);
        let lc: tf.Tensor = tf.scalar(0);
        taps.forEach((ts, i) => {
          const an = normalizeC(ts, 3); // n x h x w x c
          const s = tf.mean(tf.sum(tf.mul(tf.expandDims(an, 0), tapsPN[i]), 4), [2, 3]) as tf.Tensor2D; // 8 x n
          lc = tf.add(lc, infoNce(s));
        });
        loss = tf.add(loss, tf.div(lc, taps.length)) as tf.Scalar;
      }
      return loss;
    }, this.gVars());
    this.optG.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    tf.dispose([value, ...Object.values(grads), ...tapsPN]);
    return kept;
  }

  run(mode: "a" | "b" | "c" | "d"): void {
    if (mode === "a") this.gStep(false);
    else if (mode === "b") this.dStep(this.srFixed);
    else if (mode === "c") this.gStep(true);
    else {
      const sr = this.gStep(true, true)!;
      this.dStep(sr);
      sr.dispose();
    }
  }

  dispose(): void {
    tf.dispose([...this.gVars(), ...this.eVars(), this.haar, this.pos, this.neg, this.hr, this.lr, this.srFixed]);
    this.optG.dispose();
    this.optE.dispose();
  }
}

// ---- analytic FLOPs (convolutions only), as pytorch_pcl_step.py counts them ----
function edsrFlopsPerLrPx(nf: number, nb: number): number {
  const c = 18;
  let f = c * 3 * nf + 2 * nb * c * nf * nf + c * nf * nf;
  let px = 1;
  for (let i = 0; i < 2; i++) {
    f += c * nf * 4 * nf * px;
    px *= 4;
  }
  return f + c * nf * 3 * px;
}
function embedFlopsPerImg(hr: number): number {
  const h = hr / 2;
  return 2 * 4 * 9 * h * h + 2 * 9 * 9 * 32 * h * h + 2 * 9 * 32 * 32 * (h / 2) ** 2 + 2 * 9 * 32 * 64 * (h / 2) ** 2 + 2 * 9 * 64 * 64 * (h / 4) ** 2;
}
function embedBwdInputFlopsPerImg(hr: number, first: boolean): number {
  const h = hr / 2;
  let f = 2 * 9 * 32 * 32 * (h / 2) ** 2 + 2 * 9 * 32 * 64 * (h / 2) ** 2 + 2 * 9 * 64 * 64 * (h / 4) ** 2;
  if (first) f += 2 * 9 * 9 * 32 * h * h + 2 * 4 * 9 * h * h;
  return f;
}
export const edsrTinyFlopsPerLrPx = edsrFlopsPerLrPx(NF, NB);
export const PCL_FLOPS: Record<"a" | "b" | "c" | "d", number> = (() => {
  const gFwd = edsrFlopsPerLrPx(NF, NB) * B * P * P;
  const gTrain = 3 * gFwd - 2 * 9 * 3 * 32 * B * P * P;
  const e = embedFlopsPerImg(4 * P);
  const d = 2 * B * e + 2 * B * (e - 2 * 4 * 9 * (2 * P) ** 2) + 2 * B * embedBwdInputFlopsPerImg(4 * P, false);
  const cExtra = 8 * B * e + B * e + B * embedBwdInputFlopsPerImg(4 * P, true);
  return { a: gTrain, b: d, c: gTrain + cExtra, d: gTrain + cExtra + d };
})();

const MODE_NAMES = { a: "G step L1 only", b: "D step", c: "G step L1+contrastive", d: "full iteration D+G" };

/** Raw-tfjs PCL iteration workloads (modes a-d) for bench/run.ts. */
export function rawPclWorkloads(backends: string[] = ["native"]): TimedWorkload[] {
  return (["a", "b", "c", "d"] as const).map((mode) => {
    let step: RawPclStep | undefined;
    return {
      kind: "timed" as const,
      name: `pcl-raw-${mode}`,
      description: `edsr-tiny PCL (${mode}) ${MODE_NAMES[mode]}, raw tfjs ops, B16 LR24`,
      backends,
      flops: PCL_FLOPS[mode],
      pytorchKey: `pcl-${mode}`,
      reps: 5,
      warmup: 2,
      setup() {
        step = new RawPclStep();
      },
      run() {
        step!.run(mode);
      },
      teardown() {
        step?.dispose();
        step = undefined;
      },
    };
  });
}

/** Per-kernel time of `iters` runs of `fn` (tf.profile), sorted by total time. */
export async function profileKernels(fn: () => void, iters = 2): Promise<Array<{ kernel: string; ms: number; calls: number }>> {
  const totals = new Map<string, { ms: number; calls: number }>();
  for (let i = 0; i < iters; i++) {
    const info = await tf.profile(() => {
      fn();
      return [] as tf.Tensor[];
    });
    for (const k of info.kernels) {
      const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : ((await k.kernelTimeMs) as number | { error: string });
      const t = totals.get(k.name) ?? { ms: 0, calls: 0 };
      t.ms += typeof ms === "number" ? ms : 0;
      t.calls += 1;
      totals.set(k.name, t);
    }
  }
  return [...totals.entries()].map(([kernel, t]) => ({ kernel, ms: t.ms / iters, calls: t.calls / iters })).sort((a, b) => b.ms - a.ms);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { registerGradients } = await import("../src/backend/gradients.js");
  const { registerNativeBackend } = await import("../src/backend/native/index.js");
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: string) => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
  };
  const backend = opt("--backend", "native");
  const modes = opt("--mode", "a,b,c,d").split(",") as Array<"a" | "b" | "c" | "d">;
  const reg = registerNativeBackend();
  if (!reg.ok && backend === "native") throw new Error(reg.reason);
  await registerGradients();
  await tf.setBackend(backend);
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  const step = new RawPclStep();
  for (const m of modes) {
    for (let i = 0; i < 2; i++) step.run(m);
    const ts: number[] = [];
    for (let i = 0; i < Number(opt("--iters", "5")); i++) {
      const t0 = performance.now();
      step.run(m);
      ts.push(performance.now() - t0);
    }
    ts.sort((a, b) => a - b);
    console.log(`(${m}) ${MODE_NAMES[m].padEnd(24)} best ${ts[0].toFixed(1)} ms  median ${ts[ts.length >> 1].toFixed(1)} ms  ${(PCL_FLOPS[m] / ts[0] / 1e6).toFixed(1)} GFLOP/s  tensors ${tf.memory().numTensors}`);
    if (args.includes("--profile")) {
      const prof = await profileKernels(() => step.run(m));
      const total = prof.reduce((a, b) => a + b.ms, 0);
      for (const k of prof.slice(0, 25)) console.log(`    ${k.kernel.padEnd(36)} ${k.ms.toFixed(1).padStart(8)} ms ${((100 * k.ms) / total).toFixed(1).padStart(5)}%  x${k.calls}`);
      console.log(`    ${"(sum of kernels)".padEnd(36)} ${total.toFixed(1).padStart(8)} ms`);
    }
  }
  step.dispose();
}
