import test from "ava";
import { constantLr, cosineRestarts, multiStep } from "../src/dsl/index.js";
import { learningRate } from "../src/pipelines/train/learning-rate.js";

test("multi-step halving: lr * gamma^(milestones passed)", (t) => {
  const s = multiStep([100, 200], 0.5);
  t.deepEqual([0, 99, 100, 199, 200, 10_000].map((i) => learningRate(1e-4, s, i)), [1e-4, 1e-4, 5e-5, 5e-5, 2.5e-5, 2.5e-5]);
  t.is(learningRate(3e-4, constantLr(), 12_345), 3e-4);
});

test("cosine with restarts: lr at the start of each period, the midpoint halfway, back to lr after a restart", (t) => {
  const s = cosineRestarts(100, 1e-6);
  const close = (a: number, b: number) => Math.abs(a - b) < 1e-12;
  t.true(close(learningRate(1e-4, s, 0), 1e-4));
  t.true(close(learningRate(1e-4, s, 50), (1e-4 + 1e-6) / 2));
  t.true(close(learningRate(1e-4, s, 99), 1e-6 + 0.5 * (1e-4 - 1e-6) * (1 + Math.cos(Math.PI * 0.99))));
  t.true(close(learningRate(1e-4, s, 100), 1e-4), "restart");
});
