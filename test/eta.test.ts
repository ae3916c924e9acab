/** The ETA of a training run: the recent half of each phase's steps after the first, plus the validations still to come. */
import test from "ava";
import { createEta } from "../src/pipelines/train/eta.js";

test("no estimate before a second step; the first step's one-time cost does not count", (t) => {
  const eta = createEta({ iterations: 100, validateEvery: 1000 });
  t.is(eta.secondsLeft(0), null);
  eta.step(30_000, 1); // compiling, first decode
  t.is(eta.secondsLeft(1), null);
  eta.step(2_000, 2);
  t.is(eta.secondsLeft(2), (98 * 2_000) / 1000 + 2 * 0); // one final validation, cost unknown yet (0)
});

test("validations to come are priced at their measured cost: every validateEvery, and one at the end", (t) => {
  const eta = createEta({ iterations: 1000, validateEvery: 250 });
  for (let i = 0; i < 11; i++) eta.step(i === 0 ? 9_000 : i < 4 ? 3_000 : 1_000, i + 1);
  t.is(eta.secondsLeft(11), 989 + 0); // no validation measured yet; steps 2-4 (decoding) are outgrown
  eta.validation(20_000);
  // after 250 iterations: 750 steps and validations at 500, 750, 1000
  t.is(eta.secondsLeft(250), 750 + 3 * 20);
  const odd = createEta({ iterations: 110, validateEvery: 50 });
  odd.step(1, 1); odd.step(1_000, 2); odd.validation(5_000);
  t.is(odd.secondsLeft(2), 108 + 3 * 5); // at 50, 100 and the final 110
  t.is(odd.secondsLeft(110), 0);
});

test("warm-up and contrastive steps are priced apart: the probes' cost ratio until a contrastive step is timed", (t) => {
  const eta = createEta({ iterations: 1000, validateEvery: 10_000, warmup: 900, contrastiveCost: 2 });
  for (let done = 1; done <= 10; done++) eta.step(done === 1 ? 9_000 : 150, done);
  // 890 warm-up steps at 0.15 s, 100 contrastive at 0.3 s (from the ratio)
  t.is(Math.round(eta.secondsLeft(10)! * 1000), 890 * 150 + 100 * 300);
  for (let done = 11; done <= 905; done++) eta.step(done <= 900 ? 150 : 400, done);
  // the contrastive steps timed now replace the ratio: 95 left at 0.4 s
  t.is(Math.round(eta.secondsLeft(905)! * 1000), 95 * 400);
});

test("a simulated run: the estimate after 10 iterations is within 10% of the time actually left", (t) => {
  // Steps of 1 s with +-20% seeded jitter, a 40 s first step, the next four slower (images decoded
  // on first use: 1.6 s), then 100 contrastive steps at twice the cost; validations of 15 s every 100 of 500.
  let s = 7;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const steps = Array.from({ length: 500 }, (_, i) => (i === 0 ? 40_000 : i < 5 ? 1_600 : 1_000 * (0.8 + 0.4 * rand())) * (i >= 400 ? 2 : 1));
  const eta = createEta({ iterations: 500, validateEvery: 100, warmup: 400, contrastiveCost: 2 });
  let estimate: number | null = null;
  steps.forEach((ms, i) => {
    eta.step(ms, i + 1);
    if (i + 1 === 10) estimate = eta.secondsLeft(10)! + 5 * 15; // validations not yet seen: priced once seen
  });
  const actual = (steps.slice(10).reduce((a, b) => a + b, 0) + 5 * 15_000) / 1000;
  t.true(Math.abs(estimate! - actual) / actual < 0.1, `estimate ${estimate} s, actual ${actual} s`);
});

test("contrastiveStepCost: (3 G + 16 E) / 3 G by FLOPs per LR pixel; 1 without a contrastive term", async (t) => {
  const { contrastiveStepCost } = await import("../src/pipelines/train/eta.js");
  const { ablate, summarize } = await import("../src/dsl/index.js");
  const tiny = (await import("../graphs/edsr-tiny.pcl.js")).default;
  const { generator: g, embedding: e } = summarize(tiny);
  t.is(contrastiveStepCost(tiny), (3 * g.flopsPerLrPixel + 16 * e.flopsPerLrPixel) / (3 * g.flopsPerLrPixel));
  t.true(contrastiveStepCost(tiny) > 1.5 && contrastiveStepCost(tiny) < 2.5);
  t.is(contrastiveStepCost(ablate(tiny, "l1-only")), 1);
});
