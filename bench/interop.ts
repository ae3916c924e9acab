/**
 * Bench workload "interop" (opt-in: `npm run bench -- --only interop`): the full-size round trips
 * of `pcl-stream import` / `export` with random weights. scripts/make-interop-fixtures.py --full
 * builds the reference EDSR baseline x4, RCAN x4 and HAN x4 (10 x 20 x 64) in PyTorch, saves their
 * state dicts with torch.save and a 24x20 input/output pair; for each, this imports the state dict
 * into graphs/{edsr,rcan,han}.pcl.ts, runs pcl-stream's forward (max error against PyTorch's output,
 * on 0-255), exports safetensors (max relative difference from the PyTorch state dict) and ONNX,
 * and runs that in ONNX Runtime (onnxruntime-web, wasm; max error against pcl-stream's forward).
 * Needs a python3 with torch (bench/pytorch.ts finds Debian's); reports why when there is none.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import edsrSpec from "../graphs/edsr.pcl.js";
import hanSpec from "../graphs/han.pcl.js";
import rcanSpec from "../graphs/rcan.pcl.js";
import { readPytorchFile } from "../src/interop/pytorch-file.js";
import { readSafetensors } from "../src/interop/safetensors.js";
import { exportModel, importWeights } from "../src/interop/index.js";
import { loadUpscaler } from "../src/serve/load-upscaler.js";
import { findTorchPython } from "./pytorch.js";
import type { ReportWorkload } from "./workload.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CASES = [["edsr-baseline-x4", edsrSpec], ["rcan-x4", rcanSpec], ["han-x4", hanSpec]] as const;

const absMax = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const seconds = (t0: number) => Number(((performance.now() - t0) / 1000).toFixed(2));

export const interopWorkload: ReportWorkload = {
  kind: "report",
  name: "interop",
  description: "full-size EDSR baseline / RCAN / HAN (random weights): torch.save -> import -> forward vs PyTorch, safetensors and ONNX (ONNX Runtime) round trips",
  inference: true,
  async run() {
    const torch = findTorchPython();
    if (torch.python === null) return { skipped: torch.reason };
    const dir = mkdtempSync(join(tmpdir(), "pcl-interop-bench-"));
    try {
      const t0 = performance.now();
      const made = spawnSync(torch.python, [join(ROOT, "scripts/make-interop-fixtures.py"), "--full", dir], { encoding: "utf8", timeout: 600_000 });
      if (made.status !== 0) throw new Error(`make-interop-fixtures.py --full failed:\n${made.stderr}`);
      const pytorchSeconds = seconds(t0);
      const ort = await import("onnxruntime-web");
      ort.env.wasm.numThreads = 1;
      const rows = [];
      for (const [name, spec] of CASES) {
        const io = readSafetensors(readFileSync(join(dir, `${name}-io.safetensors`)), name).tensors;
        const input = io.get("input")!, output = io.get("output")!;
        let t = performance.now();
        const imported = await importWeights(join(dir, `${name}.pt`), spec, join(dir, `${name}-ckpt`));
        const importSeconds = seconds(t);
        const model = await loadUpscaler(join(dir, `${name}-ckpt`));
        const lr = tf.tidy(() => tf.div(tf.transpose(tf.tensor(input.values, [...input.shape]), [0, 2, 3, 1]), 255) as tf.Tensor4D);
        const sr = await model.upscale(lr);
        const nchw = tf.tidy(() => tf.transpose(tf.mul(sr, 255), [0, 3, 1, 2]));
        const ours = await nchw.data() as Float32Array;
        tf.dispose([lr, sr, nchw]);
        model.dispose();
        t = performance.now();
        await exportModel(join(dir, `${name}-ckpt`), join(dir, `${name}.safetensors`), { format: "safetensors" });
        const exported = readSafetensors(readFileSync(join(dir, `${name}.safetensors`)), name).tensors;
        const original = readPytorchFile(readFileSync(join(dir, `${name}.pt`)), name).tensors;
        let relative = 0;
        for (const [k, v] of original) relative = Math.max(relative, maxAbs(exported.get(k)!.values, v.values) / Math.max(1, absMax(v.values)));
        const onnx = await exportModel(join(dir, `${name}-ckpt`), join(dir, `${name}.onnx`), { format: "onnx" });
        const exportSeconds = seconds(t);
        t = performance.now();
        const session = await ort.InferenceSession.create(readFileSync(join(dir, `${name}.onnx`)));
        const result = await session.run({ input: new ort.Tensor("float32", input.values.map((v) => v / 255), [...input.shape]) });
        const onnxSeconds = seconds(t);
        await session.release();
        rows.push({
          model: name, graph: spec.name, parameters: imported.parameters, tensors: imported.tensors, input: input.shape, output: output.shape,
          maxAbsErrorVsPytorch255: maxAbs(ours, output.values),
          safetensorsMaxRelDiff: relative,
          onnxMaxAbsErrorVsPcl255: maxAbs((result.output.data as Float32Array).map((v) => v * 255), ours),
          onnxBytes: onnx.bytes, importSeconds, exportSeconds, onnxRuntimeSeconds: onnxSeconds,
        });
      }
      return { pytorch: torch.version, pytorchSeconds, rows };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
