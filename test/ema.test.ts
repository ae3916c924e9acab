import test from "ava";
import * as tf from "@tensorflow/tfjs-core";
import { selectBackend } from "../src/backend/select.js";
import { createEma } from "../src/pipelines/train/ema.js";
import { createAdam } from "../src/pipelines/train/adam.js";
import { adam } from "../src/dsl/index.js";

test.before(async () => { await selectBackend("cpu", { quiet: true }); });

test("EMA follows ema = d * ema + (1 - d) * w", (t) => {
  const w = tf.variable(tf.tensor1d([1, 2]));
  const vars = new Map([["w", w]]);
  const ema = createEma(vars, 0.9);
  w.assign(tf.tensor1d([3, 6]));
  ema.update(vars);
  w.assign(tf.tensor1d([5, 10]));
  ema.update(vars);
  // 0.9 * (0.9 * 1 + 0.1 * 3) + 0.1 * 5 = 1.58, and twice that for the second entry.
  const got = Array.from(ema.weights.get("w")!.dataSync());
  t.true(Math.abs(got[0] - 1.58) < 1e-6 && Math.abs(got[1] - 3.16) < 1e-6, `${got}`);
  ema.dispose(); w.dispose();
});

test("Adam's first steps equal PyTorch's formula computed by hand", (t) => {
  const w = tf.variable(tf.tensor1d([0.5]));
  const opt = createAdam(new Map([["w", w]]), adam({ lr: 0.1 }));
  const grads = [0.2, -0.4];
  let m = 0, v = 0, x = 0.5;
  grads.forEach((g, i) => {
    const step = i + 1;
    m = 0.9 * m + 0.1 * g; v = 0.999 * v + 0.001 * g * g;
    x -= (0.1 / (1 - 0.9 ** step)) * m / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** step) + 1e-8);
    const gt = tf.tensor1d([g]);
    opt.apply({ w: gt }, 0.1);
    gt.dispose();
    t.true(Math.abs(w.dataSync()[0] - x) < 1e-6, `step ${step}: ${w.dataSync()[0]} vs ${x}`);
  });
  t.is(opt.state().step, 2);
  opt.dispose(); w.dispose();
});
