/**
 * `train --init CKPT`: a new run starts from an imported generator (everything else fresh), and a
 * checkpoint of another network or an init together with resume is refused.
 */
import test from "ava";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as ort from "onnxruntime-web";
import { lastValueFrom, toArray } from "rxjs";
import { useBackend } from "../src/backend/index.js";
import { readCheckpoint } from "../src/checkpoint/load.js";
import { adam, pcl, trainOptions, type PclSpec } from "../src/dsl/index.js";
import { exportModel, importWeights, loadUpscaler } from "../src/serve/index.js";
import { OptionError, train } from "../src/train/index.js";
import { edsr, rcan } from "./fixtures/interop/small.pcl.js";
import { tinyImageFolder, tinySpec } from "./helpers/tiny-training.js";

const FIXTURES = new URL("fixtures/interop/", import.meta.url).pathname;

/** The tiny PCL recipe around the small reference EDSR x4 of the fixtures, one step at a small learning rate, with an EMA. */
function initSpec(): PclSpec {
  const { kind: _kind, ...rest } = tinySpec();
  return pcl({
    ...rest, name: "edsr-x4-init", scale: 4, generator: edsr.generator,
    train: trainOptions({ ...rest.train, iterations: 1, validateEvery: 1, ema: { decay: 0.5 }, optimizers: { generator: adam({ lr: 1e-5 }), embedding: adam({ lr: 1e-5 }) } }),
  });
}

test.before(async () => { await useBackend("cpu"); });

test("train with init starts from the checkpoint's generator: after one step at lr 1e-5 the weights are the imported ones to 1e-4; the run's ONNX export runs its EMA weights", async (t) => {
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

  // take the trained model out: the ONNX export (of the EMA weights, as inference uses) in ONNX Runtime equals loadUpscaler's forward
  const exported = await exportModel(join(dir, "run", "latest"), join(dir, "run.onnx"), { format: "onnx" });
  t.true(exported.ema);
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(readFileSync(join(dir, "run.onnx")));
  const nchw = Float32Array.from({ length: 3 * 6 * 5 }, (_, i) => ((i * 29) % 97) / 97);
  const onnx = (await session.run({ input: new ort.Tensor("float32", nchw, [1, 3, 6, 5]) })).output.data as Float32Array;
  await session.release();
  const model = await loadUpscaler(join(dir, "run", "latest"));
  const lr = tf.transpose(tf.tensor4d(nchw, [1, 3, 6, 5]), [0, 2, 3, 1]) as tf.Tensor4D;
  const sr = await model.upscale(lr);
  const ours = await tf.transpose(sr, [0, 3, 1, 2]).data();
  tf.dispose([lr, sr]);
  model.dispose();
  let diff = 0;
  for (let i = 0; i < ours.length; i++) diff = Math.max(diff, Math.abs(ours[i] - onnx[i]));
  t.true(onnx.length === ours.length && diff < 1e-5, `ONNX Runtime differs from pcl-stream by ${diff} (0-1)`);
});

test("init with another network's checkpoint, or together with resume, is refused", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "pcl-init-"));
  await importWeights(join(FIXTURES, "rcan-x3.pt"), rcan, join(dir, "rcan"));
  const data = await tinyImageFolder(2, 24);
  const err = await t.throwsAsync(lastValueFrom(train(initSpec(), { data, val: null, out: join(dir, "run"), init: join(dir, "rcan"), metrics: false })));
  t.regex(err.message, /--init .*rcan: its generator \(graph 'rcan-x3-small', x3\) is not the network of graph 'edsr-x4-init' \(x4\)/);
  t.throws(() => train(initSpec(), { out: join(dir, "run"), init: join(dir, "rcan"), resume: true }), { instanceOf: OptionError, message: /'init' must be absent when resuming/ });
});
