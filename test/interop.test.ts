/**
 * Interoperability against PyTorch: test/fixtures/interop holds small EDSR / RCAN / HAN networks
 * with random weights, built by scripts/make-interop-fixtures.py with the reference modules, their
 * state dicts (torch.save zip and legacy formats, and safetensors) and an input/output pair PyTorch
 * computed. Import -> forward must equal PyTorch's output; export -> re-import must give back the
 * file; the ONNX export run by ONNX Runtime (onnxruntime-web, wasm) must equal pcl-stream's forward.
 */
import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as ort from "onnxruntime-web";
import { useBackend } from "../src/backend/index.js";
import { readCheckpoint } from "../src/checkpoint/load.js";
import { conv, edsr as edsrNet, haar, relu, sequence, type PclSpec } from "../src/dsl/index.js";
import { onnxModel } from "../src/interop/onnx-model.js";
import { readPytorchFile } from "../src/interop/pytorch-file.js";
import { referenceMap } from "../src/interop/reference-layout.js";
import { readSafetensors, writeSafetensors } from "../src/interop/safetensors.js";
import { unpickle } from "../src/interop/safe-unpickle.js";
import { exportModel, importWeights, InteropError, loadUpscaler } from "../src/serve/index.js";
import { edsr, han, rcan } from "./fixtures/interop/small.pcl.js";

const FIXTURES = new URL("fixtures/interop/", import.meta.url).pathname;
const CASES: readonly { name: string; spec: PclSpec }[] = [{ name: "edsr-x4", spec: edsr }, { name: "rcan-x3", spec: rcan }, { name: "han-x2", spec: han }];
const tmp = () => mkdtempSync(join(tmpdir(), "pcl-interop-"));

test.before(async () => {
  await useBackend("cpu");
  ort.env.wasm.numThreads = 1;
});

const fixture = (file: string) => readSafetensors(readFileSync(join(FIXTURES, file)), file).tensors;

/** PyTorch's input and output, NCHW on 0-255. */
function io(name: string) {
  const t = fixture(`${name}-io.safetensors`);
  return { input: t.get("input")!, output: t.get("output")! };
}

/** The checkpoint's forward of an NCHW 0-255 input, returned NCHW on 0-255. */
async function forward(ckpt: string, input: { shape: readonly number[]; values: Float32Array }): Promise<Float32Array> {
  const model = await loadUpscaler(ckpt);
  try {
    const lr = tf.tidy(() => tf.div(tf.transpose(tf.tensor(input.values, [...input.shape]), [0, 2, 3, 1]), 255) as tf.Tensor4D);
    const sr = await model.upscale(lr);
    const out = tf.tidy(() => tf.transpose(tf.mul(sr, 255), [0, 3, 1, 2]));
    const values = await out.data() as Float32Array;
    tf.dispose([lr, sr, out]);
    return values;
  } finally {
    model.dispose();
  }
}

const absMax = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

for (const { name, spec } of CASES) {
  test(`${name}: import of PyTorch's state dict -> forward equals PyTorch's output; safetensors export -> the same state dict; ONNX Runtime equals the forward`, async (t) => {
    const dir = tmp();
    const r = await importWeights(join(FIXTURES, `${name}.pt`), spec, join(dir, "ckpt"));
    t.is(r.arch, name.split("-")[0] as typeof r.arch);
    t.is(r.rgbRange, 255);
    const { input, output } = io(name);
    const ours = await forward(join(dir, "ckpt"), input);
    const err = maxAbs(ours, output.values);
    t.log(`max |pcl-stream - PyTorch| = ${err.toExponential(2)} on 0-255`);
    t.true(err <= 1e-3, `forward differs from PyTorch by ${err}`);

    // safetensors: the reference keys and values PyTorch saved (up to float rounding of the x255 folds), then back in
    await exportModel(join(dir, "ckpt"), join(dir, "out.safetensors"), { format: "safetensors" });
    const exported = readSafetensors(readFileSync(join(dir, "out.safetensors")), "out.safetensors").tensors;
    const torch = readPytorchFile(readFileSync(join(FIXTURES, `${name}.pt`)), `${name}.pt`).tensors;
    t.deepEqual([...exported.keys()].sort(), [...torch.keys()].sort());
    for (const [k, v] of torch) {
      const e = exported.get(k)!;
      t.deepEqual(e.shape, v.shape, k);
      const scale = Math.max(1, absMax(v.values));
      t.true(maxAbs(e.values, v.values) <= 1e-6 * scale, `${k} differs after export`);
    }
    await importWeights(join(dir, "out.safetensors"), spec, join(dir, "again"));
    const [a, b] = await Promise.all([readCheckpoint(join(dir, "ckpt")), readCheckpoint(join(dir, "again"))]);
    for (const [k, v] of a.values) t.true(maxAbs(v.values, b.values.get(k)!.values) <= 1e-6 * Math.max(1, absMax(v.values)), `${k} after export + import`);

    // ONNX: run by ONNX Runtime on 0-1 NCHW
    const onnx = await exportModel(join(dir, "ckpt"), join(dir, "m.onnx"), { format: "onnx" });
    t.is(onnx.opset, 17);
    const session = await ort.InferenceSession.create(readFileSync(join(dir, "m.onnx")));
    t.deepEqual([session.inputNames, session.outputNames], [["input"], ["output"]]);
    const result = await session.run({ input: new ort.Tensor("float32", input.values.map((v) => v / 255), [...input.shape]) });
    t.deepEqual(result.output.dims, output.shape);
    const onnxErr = maxAbs((result.output.data as Float32Array).map((v) => v * 255), ours);
    t.log(`max |ONNX Runtime - pcl-stream| = ${onnxErr.toExponential(2)} on 0-255`);
    t.true(onnxErr <= 1e-3);
    await session.release();
  });
}

test("the ONNX model's H and W are dynamic: another input size runs and matches", async (t) => {
  const dir = tmp();
  await importWeights(join(FIXTURES, "han-x2.pt"), han, join(dir, "ckpt"));
  await exportModel(join(dir, "ckpt"), join(dir, "m.onnx"), { format: "onnx" });
  const session = await ort.InferenceSession.create(readFileSync(join(dir, "m.onnx")));
  const values = Float32Array.from({ length: 3 * 4 * 9 }, (_, i) => ((i * 37) % 101) * 2.5);
  const ours = await forward(join(dir, "ckpt"), { shape: [1, 3, 4, 9], values });
  const result = await session.run({ input: new ort.Tensor("float32", values.map((v) => v / 255), [1, 3, 4, 9]) });
  t.deepEqual(result.output.dims, [1, 3, 8, 18]);
  t.true(maxAbs((result.output.data as Float32Array).map((v) => v * 255), ours) <= 1e-3);
  await session.release();
});

test("the legacy torch.save format (a DataParallel state dict under 'state_dict', also saved from GPU tensors) and safetensors import the same weights as the zip format", async (t) => {
  const dir = tmp();
  const zip = await importWeights(join(FIXTURES, "edsr-x4.pt"), edsr, join(dir, "zip"));
  const legacy = await importWeights(join(FIXTURES, "edsr-x4-legacy.pt"), edsr, join(dir, "legacy"));
  const st = await importWeights(join(FIXTURES, "edsr-x4.safetensors"), edsr, join(dir, "st"));
  // a file saved from GPU tensors names its storages torch.cuda.FloatStorage (the pickle's GLOBAL text; nothing after it holds offsets)
  const legacyText = readFileSync(join(FIXTURES, "edsr-x4-legacy.pt")).toString("latin1");
  t.true(legacyText.includes("ctorch\nFloatStorage\n"));
  writeFileSync(join(dir, "cuda.pt"), Buffer.from(legacyText.split("ctorch\nFloatStorage\n").join("ctorch.cuda\nFloatStorage\n"), "latin1"));
  await importWeights(join(dir, "cuda.pt"), edsr, join(dir, "cuda"));
  t.deepEqual([zip.format, legacy.format, st.format], ["pytorch", "pytorch", "safetensors"]);
  t.deepEqual(legacy.notes, ["read the state dict under 'state_dict'", "removed the 'module.' prefix (a DataParallel save)"]);
  const [a, ...others] = await Promise.all(["zip", "legacy", "st", "cuda"].map((d) => readCheckpoint(join(dir, d))));
  for (const [k, v] of a.values) for (const o of others) t.deepEqual(o.values.get(k)!.values, v.values, `${o.dir}: ${k}`);
});

test("a file that does not fit the graph is refused with every difference: unknown and missing keys, wrong shapes, another architecture", async (t) => {
  const dir = tmp();
  const wrongArch = await t.throwsAsync(importWeights(join(FIXTURES, "rcan-x3.pt"), edsr, join(dir, "a")), { instanceOf: InteropError });
  t.regex(wrongArch.message, /does not fit the graph \(a reference EDSR; the file looks like a reference RCAN\)/);
  t.regex(wrongArch.message, /the file: RCAN, 2 groups x 2 blocks x 8 channels, x3; the graph: EDSR, 2 blocks x 8 channels, x4/);
  t.regex(wrongArch.message, /keys the EDSR graph does not have: body\.0\.body\.0\.body\.0\.weight/);
  t.regex(wrongArch.message, /tail\.0\.0\.weight is \[72,8,3,3\], the graph needs \[32,8,3,3\]/);

  const tensors = new Map(fixture("edsr-x4.safetensors"));
  tensors.delete("body.1.body.2.bias");
  tensors.set("body.9.weight", { shape: [1], values: new Float32Array(1) });
  tensors.set("head.0.weight", { shape: [8, 3, 5, 5], values: new Float32Array(600) });
  writeFileSync(join(dir, "bad.safetensors"), writeSafetensors(tensors));
  const bad = await t.throwsAsync(importWeights(join(dir, "bad.safetensors"), edsr, join(dir, "b")), { instanceOf: InteropError });
  t.regex(bad.message, /keys the EDSR graph does not have: body\.9\.weight/);
  t.regex(bad.message, /keys the graph needs that the file lacks: body\.1\.body\.2\.bias/);
  t.regex(bad.message, /head\.0\.weight is \[8,3,5,5\], the graph needs \[8,3,3,3\]/);

  const range = await t.throwsAsync(importWeights(join(FIXTURES, "edsr-x4.pt"), edsr, join(dir, "c"), { rgbRange: 1 }), { instanceOf: InteropError });
  t.regex(range.message, /mean shift says rgb_range 255, but 1 was asked for/);
  const exists = await t.throwsAsync(importWeights(join(FIXTURES, "edsr-x4.pt"), edsr, dir), { instanceOf: InteropError });
  t.regex(exists.message, /already exists/);
  writeFileSync(join(dir, "notes.txt"), "hello, not weights");
  await t.throwsAsync(importWeights(join(dir, "notes.txt"), edsr, join(dir, "d")), { instanceOf: InteropError, message: /neither safetensors nor a PyTorch file/ });
});

test("a graph built unlike the reference is refused at the node that differs", (t) => {
  const base = edsrNet({ blocks: 1, channels: 4, scale: 2 });
  const extra = sequence([...base.layers.slice(0, 4), sequence([relu(), conv(3)], "tail"), base.layers[5]], "edsr");
  t.throws(() => referenceMap(extra), { instanceOf: InteropError, message: /the graph's generator\/tail is a sequence, where the reference implementation has a convolution \(tail\.1\)/ });
});

test("ONNX export refuses a layer with no inference meaning, naming it", (t) => {
  const withHaar = sequence([haar(), conv(3)], "g");
  t.throws(() => onnxModel(withHaar, new Map(), { name: "g", scale: 1, producerVersion: "test" }), {
    instanceOf: InteropError, message: /the graph's generator\/0 \(haar\) is not a layer an SR generator runs at inference/,
  });
});

test("the pickle reader refuses any global but the tensor rebuilders and never calls it", (t) => {
  // protocol 2: GLOBAL os.system, the argument tuple ("echo pwned",), REDUCE, STOP
  const evil = new Uint8Array([0x80, 2, ...new TextEncoder().encode("cos\nsystem\n"), 0x58, 10, 0, 0, 0, ...new TextEncoder().encode("echo pwned"), 0x85, 0x52, 0x2e]);
  t.throws(() => unpickle(evil, 0, { file: "evil.pt", globals: {}, persistentLoad: () => null }), { instanceOf: InteropError, message: /evil\.pt: the pickle refers to os\.system.*never runs code/ });
  // NEWOBJ (cls.__new__) is refused too, whatever the class
  t.throws(() => unpickle(new Uint8Array([0x80, 2, 0x29, 0x29, 0x81, 0x2e]), 0, { file: "obj.pt", globals: {}, persistentLoad: () => null }), { message: /opcode 0x81/ });
});

test("`pcl-stream import` and `export` from the command line: exit 0 with a summary, 1 when the file does not fit", (t) => {
  const dir = tmp();
  const cli = (...args: string[]) => spawnSync(process.execPath, ["bin/pcl-stream.js", ...args], { encoding: "utf8" });
  const ok = cli("import", join(FIXTURES, "edsr-x4.pt"), "--graph", join(FIXTURES, "small.pcl.ts"), "-o", join(dir, "ckpt"), "--backend", "cpu", "--json");
  t.is(ok.status, 0, ok.stderr);
  t.like(JSON.parse(ok.stdout) as object, { arch: "edsr", rgbRange: 255, tensors: 18, parameters: 8035, graph: "edsr-x4-small" });
  const bad = cli("import", join(FIXTURES, "han-x2.pt"), "--graph", join(FIXTURES, "small.pcl.ts"), "-o", join(dir, "b"), "--backend", "cpu");
  t.is(bad.status, 1);
  t.regex(bad.stderr, /looks like a reference HAN/);
  const out = cli("export", join(dir, "ckpt"), "-o", join(dir, "m.onnx"));
  t.is(out.status, 0, out.stderr);
  t.regex(out.stdout, /ONNX opset 17/);
});
