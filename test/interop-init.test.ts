/**
 * `train --init CKPT`: a new run starts from an imported generator (everything else fresh), and a
 * checkpoint of another network or an init together with resume is refused.
 */
import test from "ava";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastValueFrom, toArray } from "rxjs";
import { useBackend } from "../src/backend/index.js";
import { readCheckpoint } from "../src/checkpoint/load.js";
import { adam, pcl, trainOptions, type PclSpec } from "../src/dsl/index.js";
import { importWeights } from "../src/serve/index.js";
import { OptionError, train } from "../src/train/index.js";
import { edsr, rcan } from "./fixtures/interop/small.pcl.js";
import { tinyImageFolder, tinySpec } from "./helpers/tiny-training.js";

const FIXTURES = new URL("fixtures/interop/", import.meta.url).pathname;

/** The tiny PCL recipe around the small reference EDSR x4 of the fixtures, one step at a small learning rate. */
function initSpec(): PclSpec {
  const { kind: _kind, ...rest } = tinySpec();
  return pcl({
    ...rest, name: "edsr-x4-init", scale: 4, generator: edsr.generator,
    train: trainOptions({ ...rest.train, iterations: 1, validateEvery: 1, optimizers: { generator: adam({ lr: 1e-5 }), embedding: adam({ lr: 1e-5 }) } }),
  });
}

test.before(async () => { await useBackend("cpu"); });

test("train with init starts from the checkpoint's generator: after one step at lr 1e-5 the weights are the imported ones to 1e-4", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "pcl-init-"));
  const spec = initSpec();
  await importWeights(join(FIXTURES, "edsr-x4.pt"), spec, join(dir, "imported"));
  const data = await tinyImageFolder(2, 24);
  const events = await lastValueFrom(train(spec, { data, val: null, out: join(dir, "run"), init: join(dir, "imported"), metrics: false }).pipe(toArray()));
  t.like(events.find((e) => e.type === "start"), { iteration: 0, resumed: false });
  const [imported, trained] = await Promise.all([readCheckpoint(join(dir, "imported")), readCheckpoint(join(dir, "run", "latest"))]);
  let moved = 0;
  for (const [k, v] of imported.values) {
    const w = trained.values.get(k)!.values;
    for (let i = 0; i < w.length; i++) moved = Math.max(moved, Math.abs(w[i] - v.values[i]));
  }
  t.true(moved > 0 && moved < 1e-4, `the generator moved by ${moved}`);
  t.is(trained.manifest.iteration, 1);
});

test("init with another network's checkpoint, or together with resume, is refused", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "pcl-init-"));
  await importWeights(join(FIXTURES, "rcan-x3.pt"), rcan, join(dir, "rcan"));
  const data = await tinyImageFolder(2, 24);
  const err = await t.throwsAsync(lastValueFrom(train(initSpec(), { data, val: null, out: join(dir, "run"), init: join(dir, "rcan"), metrics: false })));
  t.regex(err.message, /--init .*rcan: its generator \(graph 'rcan-x3-small', x3\) is not the network of graph 'edsr-x4-init' \(x4\)/);
  t.throws(() => train(initSpec(), { out: join(dir, "run"), init: join(dir, "rcan"), resume: true }), { instanceOf: OptionError, message: /'init' must be absent when resuming/ });
});
