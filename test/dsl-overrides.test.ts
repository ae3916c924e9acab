/**
 * withOverrides: the recipe changes `pcl-stream train`'s flags make, as a function. Expected values
 * are worked out by hand from the edsr-tiny recipe (1000 iterations, warm-up 900, lr 5e-4 / 1e-4
 * halved at 800 and 950, validation every 250).
 */
import test from "ava";
import edsrTiny from "../graphs/edsr-tiny.pcl.js";
import { ablate, edsr, GraphError, paperRecipe, withOverrides, type PclSpec } from "../src/dsl/index.js";

const issuesOf = (f: () => unknown): { path: string; message: string }[] => {
  try {
    f();
  } catch (err) {
    if (err instanceof GraphError) return err.issues.map((i) => ({ ...i }));
    throw err;
  }
  return [];
};

test("a shorter run keeps the recipe's shape: warm-up and milestones scale with the iterations, validation at most every run", (t) => {
  const s = withOverrides(edsrTiny, { iterations: 200 });
  t.is(s.train.iterations, 200);
  t.is(s.train.warmup, 180); // 900 * 200 / 1000
  t.deepEqual(s.train.schedule, { kind: "multiStep", milestones: [160, 190], gamma: 0.5 });
  t.is(s.train.validateEvery, 200); // min(250, 200)
  t.is(withOverrides(edsrTiny, { iterations: 200, warmup: 0 }).train.warmup, 0, "an explicit warm-up is kept");
  t.is(withOverrides(edsrTiny, { iterations: 3000 }).train.warmup, 2700);
});

test("a learning rate for G keeps the spec's E/G ratio; alpha and tau set the contrastive term; the other fields are taken as given", (t) => {
  const s = withOverrides(edsrTiny, { lr: 1e-3, alpha: 1, tau: 0.5, batch: 8, patch: 16, seed: 7, validateEvery: 50, recompute: "blocks" });
  t.is(s.train.optimizers.generator.lr, 1e-3);
  t.is(s.train.optimizers.embedding.lr, 2e-4); // 1e-3 * (1e-4 / 5e-4)
  const term = s.losses.generator.terms[1];
  t.deepEqual([term.weight, term.loss.kind === "infoNce" ? term.loss.tau : -1], [1, 0.5]);
  t.deepEqual([s.train.batch, s.train.patch, s.train.seed, s.train.validateEvery, s.train.recompute], [8, 16, 7, 50, "blocks"]);
  t.is(s.losses.generator.terms[0].weight, 1, "L1 untouched");
});

test("no overrides: the same recipe; the original spec is left as it was", (t) => {
  const before = JSON.stringify(edsrTiny);
  t.is(JSON.stringify(withOverrides(edsrTiny, {})), before);
  withOverrides(edsrTiny, { iterations: 10, alpha: 3 });
  t.is(JSON.stringify(edsrTiny), before);
  t.true(Object.isFrozen(withOverrides(edsrTiny, { iterations: 10 })));
});

test("bad overrides are a GraphError listing each, by path", (t) => {
  t.deepEqual(issuesOf(() => withOverrides(edsrTiny, { lr: -1, iterations: 2.5, recompute: "some" as never })), [
    { path: "overrides/iterations", message: "must be a positive integer, got 2.5" },
    { path: "overrides/lr", message: "must be a positive number, got -1" },
    { path: "overrides/recompute", message: 'must be auto, none, blocks, groups, got "some"' },
  ]);
  t.deepEqual(issuesOf(() => withOverrides(edsrTiny, { alpha: "1" as unknown as number })), [{ path: "overrides/alpha", message: 'must be a number >= 0, got "1"' }]);
  const l1Only = ablate(edsrTiny, "l1-only");
  t.deepEqual(issuesOf(() => withOverrides(l1Only, { tau: 2 })), [{ path: "overrides/tau", message: "the graph 'edsr-tiny+l1-only' has no contrastive term" }]);
  // What the changed spec breaks is reported as pcl() reports it.
  const batch = ablate(edsrTiny, "neg-batch");
  t.regex(issuesOf(() => withOverrides(batch, { batch: 2 }))[0]?.message ?? "", /need a batch of at least 5, got 2/);
  t.throws(() => withOverrides(edsrTiny, null as unknown as object), { instanceOf: TypeError });
});

test("paperRecipe: the paper's E, losses and recipe around any generator, at x4 or another scale", (t) => {
  const x4: PclSpec = paperRecipe("mine", edsr({ blocks: 2, channels: 16, scale: 4 }));
  t.deepEqual([x4.scale, x4.train.batch, x4.train.patch, x4.train.iterations, x4.embedding.taps], [4, 16, 48, 200_000, [0, 2, 4, 6]]);
  const x2 = paperRecipe("mine-x2", edsr({ blocks: 2, channels: 16, scale: 2 }), { scale: 2 });
  t.is(x2.scale, 2);
  t.regex(issuesOf(() => paperRecipe("wrong", edsr({ blocks: 2, channels: 16, scale: 2 })))[0]?.message ?? "", /expected HR \[192,192,3\] at scale 4/);
});
