/**
 * The backward-pass kernels of a conv's bias + activation and of RCAN's channel gate, against
 * independent references: closed forms computed element by element in plain JavaScript, and the
 * gate's gradients against tfjs's own gradients of the op-by-op gate x * f(mean(x)). Every
 * backend present (the native addon runs its fused kernels, cpu the op chains).
 */
import test, { type ExecutionContext } from "ava";
import { biasActivationGrad, channelDot, channelGate, scaleShiftChannels, tapeGradients } from "../src/ops/index.js";
import { backendEnvironment, seededArray, tf, useBackend } from "./helpers/backends.js";

/** One serial test per present backend, `[backend] title`, run with that backend active. */
function onEachBackend(title: string, fn: (t: ExecutionContext) => Promise<void>): void {
  for (const b of backendEnvironment.present) {
    test.serial(`[${b.name}] ${title}`, async (t) => {
      await useBackend(b.name);
      await fn(t);
    });
  }
}

const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5) => {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  return worst <= tol ? true : `max relative error ${worst}`;
};

onEachBackend("biasActivationGrad: g = dy where y > 0 else slope * dy (NaN stays NaN), dbias = column sums", async (t) => {
  const [n, h, w, c] = [2, 3, 5, 7];
  const size = n * h * w * c;
  const dy = seededArray(size, 1), y = seededArray(size, 2);
  y[3] = 0; y[10] = Number.NaN; // y == 0 takes the slope, as tf.step; NaN propagates
  for (const slope of [0, 0.2]) {
    const got = tf.tidy(() => {
      const r = biasActivationGrad(tf.tensor4d(dy, [n, h, w, c]), tf.tensor4d(y, [n, h, w, c]), slope);
      return [r.g, r.dbias];
    });
    const [g, dbias] = await Promise.all(got.map((x) => x.data()));
    tf.dispose(got);
    const wantG = Array.from(dy, (d, i) => (y[i] > 0 ? d : Number.isNaN(y[i]) ? Number.NaN : d * slope));
    t.true(Number.isNaN(g[10]), `slope ${slope}: NaN in y gives NaN`);
    t.true(Number.isNaN(dbias[10 % c]), `slope ${slope}: and a NaN bias gradient for its channel`);
    const finite = (a: ArrayLike<number>) => Array.from(a, (v) => (Number.isNaN(v) ? 0 : v));
    t.is(close(finite(g), finite(wantG)), true, `slope ${slope}: g`);
    const wantB = new Array<number>(c).fill(0);
    wantG.forEach((v, i) => { wantB[i % c] += v; });
    t.is(close(finite(dbias), finite(wantB), 1e-5), true, `slope ${slope}: dbias`);
  }
});

onEachBackend("channelDot and scaleShiftChannels: per-sample, per-channel closed forms", async (t) => {
  const [n, h, w, c] = [3, 4, 6, 5];
  const hw = h * w, size = n * hw * c;
  const dy = seededArray(size, 3), x = seededArray(size, 4), s = seededArray(n * c, 5), b = seededArray(n * c, 6);
  const got = tf.tidy(() => [
    channelDot(tf.tensor4d(dy, [n, h, w, c]), tf.tensor4d(x, [n, h, w, c])),
    scaleShiftChannels(tf.tensor4d(dy, [n, h, w, c]), tf.tensor4d(s, [n, 1, 1, c]), tf.tensor4d(b, [n, 1, 1, c])),
  ]);
  t.deepEqual(got[0].shape, [n, 1, 1, c]);
  const [dot, scaled] = await Promise.all(got.map((v) => v.data()));
  tf.dispose(got);
  const wantDot = new Array<number>(n * c).fill(0);
  for (let i = 0; i < size; i++) wantDot[Math.floor(i / (hw * c)) * c + (i % c)] += dy[i] * x[i];
  t.is(close(dot, wantDot), true, "channelDot");
  const wantScaled = Array.from(dy, (d, i) => { const k = Math.floor(i / (hw * c)) * c + (i % c); return d * s[k] + b[k]; });
  t.is(close(scaled, wantScaled), true, "scaleShiftChannels");
  t.throws(() => scaleShiftChannels(tf.zeros([n, h, w, c]), tf.zeros([n, 1, 1, c + 1]), tf.zeros([n, 1, 1, c])), { message: /scaleShiftChannels: s must be float32 \[3,1,1,5\]/ });
});

onEachBackend("channelGate: the op-by-op gate's values and gradients (x and f's weights), nothing kept after", async (t) => {
  const [n, h, w, c] = [2, 6, 5, 16];
  const v = (shape: number[], seed: number, scale = 1) => tf.variable(tf.mul(tf.tensor(seededArray(shape.reduce((a, b) => a * b, 1), seed), shape), scale));
  const w1 = v([1, 1, c, 4], 10, 0.5), b1 = v([4], 11), w2 = v([1, 1, 4, c], 12, 0.5), b2 = v([c], 13);
  const f = (m: tf.Tensor4D) => tf.sigmoid(tf.add(tf.conv2d(tf.relu(tf.add(tf.conv2d(m, w1 as tf.Tensor4D, 1, "valid"), b1)) as tf.Tensor4D, w2 as tf.Tensor4D, 1, "valid"), b2)) as tf.Tensor4D;
  const gate = channelGate(f, [w1, b1, w2, b2]);
  const x = tf.tensor4d(seededArray(n * h * w * c, 14), [n, h, w, c]);
  const dy = tf.tensor4d(seededArray(n * h * w * c, 15), [n, h, w, c]);
  const ws = [x, w1, b1, w2, b2];
  const before = tf.memory().numTensors;
  const fused = tapeGradients(() => gate(x), ws, dy);
  // the reference: tfjs's own gradients of x * f(mean(x))
  const ref = tf.grads((a: tf.Tensor, ...p: tf.Tensor[]) => {
    void p;
    return tf.mul(a, f(tf.mean(a, [1, 2], true) as tf.Tensor4D));
  })([x, w1, b1, w2, b2], dy);
  const plain = tf.tidy(() => tf.mul(x, f(tf.mean(x, [1, 2], true) as tf.Tensor4D)));
  t.is(close(await fused.value.data(), await plain.data()), true, "value");
  const names = ["x", "w1", "b1", "w2", "b2"];
  for (let i = 0; i < ws.length; i++) {
    t.is(close(await fused.grads[i]!.data(), await ref[i].data(), 1e-4), true, `d${names[i]}`);
  }
  tf.dispose([plain, fused.value, ...fused.grads.filter((g): g is tf.Tensor => g !== null), ...ref]);
  t.is(tf.memory().numTensors, before, "the gate's forward and backward leave no tensor behind");
  t.throws(() => channelGate((m) => tf.sum(m, 3, true) as tf.Tensor4D, [])(x), { message: /channelGate: f must map the means \[2,1,1,16\] to scales of the same shape, got \[2,1,1,1\]/ });
  tf.dispose([x, dy, w1, b1, w2, b2]);
});
