/** The bench's catalog and its comparison with PyTorch (bench/catalog.ts, bench/compare.ts, bench/pytorch.ts). */
import test from "ava";
import { parseBenchArgs } from "../bench/args.js";
import { WORKLOADS } from "../bench/catalog.js";
import { memoryFields, memoryRatio, paramCheck } from "../bench/compare.js";
import { findScript, parseJsonLine, pytorchBenchDirs, timingFromJson } from "../bench/pytorch.js";
import type { TimedResult } from "../bench/workload.js";

test("every catalog entry makes exactly the workloads it names", async (t) => {
  const args = parseBenchArgs([]);
  for (const e of WORKLOADS) {
    const made = (await e.load({ primary: "native", addCpu: true, args })).map((w) => w.name);
    t.deepEqual(made, [...e.names], `entry ${e.names[0]}`);
  }
});

test("the paper workloads carry their settings, a memory measurement and a PyTorch reference with our parameter counts", async (t) => {
  const args = parseBenchArgs(["--recompute", "groups"]);
  const loaded = (await Promise.all(WORKLOADS.filter((e) => e.paper).map((e) => e.load({ primary: "webgpu", addCpu: false, args })))).flat();
  const byName = new Map(loaded.map((w) => [w.name, w]));
  const rcan = byName.get("pcl-iteration-rcan-b16");
  if (rcan?.kind !== "timed" || !rcan.pytorchScript) return t.fail("pcl-iteration-rcan-b16 is not a timed workload with a reference");
  t.true(rcan.memory);
  t.deepEqual(rcan.backends, ["webgpu"]);
  t.like(rcan.extra, { batch: 16, patch: 48, recompute: "groups", paramsGenerator: 15_592_355, paramsEmbedding: 4_693_185 });
  const ref = rcan.pytorchScript({ reps: 2, warmup: 1 });
  t.is(ref.script, "pytorch_pcl_iteration.py");
  t.deepEqual(ref.args, ["--model", "rcan", "--batch", "16", "--patch", "48", "--steps", "2", "--warmup", "1", "--recompute", "groups"]);
  t.deepEqual(ref.params, { generator: 15_592_355, embedding: 4_693_185 });
  const han = byName.get("train-step-han-b2");
  if (han?.kind !== "timed" || !han.pytorchScript) return t.fail("train-step-han-b2 is not a timed workload with a reference");
  t.like(han.extra, { batch: 2, paramsGenerator: 16_071_745 });
  t.deepEqual(han.pytorchScript({ reps: 3, warmup: 1 }).params, { generator: 16_071_745 });
  const infer = byName.get("infer-rcan-512");
  if (infer?.kind !== "timed" || !infer.pytorchScript) return t.fail("infer-rcan-512 is not a timed workload with a reference");
  // upscaleTiled's defaults at 512: overlap 32, 64 tiles of 128, 4 a call.
  t.like(infer.extra, { side: 512, tile: 128, overlap: 32, tiles: 64, tilesPerCall: 4 });
  t.regex(infer.description, /TILED/);
});

test("every reference script is found, in this repository's bench/ first", (t) => {
  t.true(pytorchBenchDirs()[0].endsWith("/bench"));
  for (const s of ["pytorch_conv.py", "pytorch_pcl_step.py", "pytorch_generator_step.py", "pytorch_pcl_iteration.py", "pytorch_inference.py", "pytorch_models.py", "niqe_reference.py"]) {
    t.is(findScript(s), `${pytorchBenchDirs()[0]}/${s}`);
  }
  t.throws(() => findScript("pytorch_nothing.py"), { message: /pytorch_nothing\.py not found in .*bench/ });
});

test("a JSON-line script's output is read from its last JSON line", (t) => {
  const out = 'G (han) 16071745 parameters\n{"model": "han", "params": 16071745, "bestMs": 812.5, "medianMs": 900.1, "peakRssGiB": 1.52, "device": "cpu"}\n';
  t.deepEqual(timingFromJson("k", parseJsonLine(out, "s.py"), "s.py"), { key: "k", bestMs: 812.5, medianMs: 900.1, gflops: null, peakRssGiB: 1.52, params: 16071745, device: "cpu" });
  t.throws(() => parseJsonLine("no json here", "s.py"), { message: /s\.py: expected a JSON line on stdout/ });
  t.throws(() => timingFromJson("k", { bestMs: 1 }, "s.py"), { message: /s\.py: expected numeric bestMs and medianMs/ });
});

const result = (memory: Partial<NonNullable<TimedResult["memory"]>> | null): TimedResult => ({
  workload: "w", backend: "native", bestMs: 100, medianMs: 110, gflops: null, reps: 2, warmup: 1,
  memory: memory === null ? null : { peakTensorBytes: 2 ** 30, liveTensorBytes: 2 ** 29, largestTensorBytes: 2 ** 20, gpuBytesInUse: null, gpuBytesAllocated: null, maxRssKiBBefore: 100, maxRssKiBAfter: 3 * 2 ** 20, ...memory },
});

test("peak-memory ratio: RSS against RSS on the CPU, GPU against torch.cuda.max_memory_allocated on CUDA", (t) => {
  t.deepEqual(memoryRatio(result({}), { key: "k", bestMs: 1, medianMs: 1, gflops: null, peakRssGiB: 1.5 }), { ratio: 2, basis: "peak RSS" });
  // The process's peak RSS did not rise during the workload: not its own, no ratio.
  t.is(memoryRatio(result({ maxRssKiBBefore: 3 * 2 ** 20 }), { key: "k", bestMs: 1, medianMs: 1, gflops: null, peakRssGiB: 1.5 }), null);
  t.is(memoryFields(result({ maxRssKiBBefore: 3 * 2 ** 20 }))?.peakRssKiB, null);
  t.is(memoryFields(result({}))?.peakRssKiB, 3 * 2 ** 20);
  t.like(memoryRatio(result({ gpuBytesAllocated: 3 * 2 ** 30 }), { key: "k", bestMs: 1, medianMs: 1, gflops: null, peakRssGiB: 9, peakCudaGiB: 2 }, true), { ratio: 1.5 });
  t.like(memoryRatio(result({}), { key: "k", bestMs: 1, medianMs: 1, gflops: null, peakCudaGiB: 1 }, true), { ratio: 1.5, basis: "peak tensor bytes incl. live / torch.cuda.max_memory_allocated" });
  // A GPU backend against PyTorch on the CPU (no CUDA torch) or the reverse: not like for like.
  t.is(memoryRatio(result({ gpuBytesAllocated: 2 ** 30 }), { key: "k", bestMs: 1, medianMs: 1, gflops: null, peakRssGiB: 1.5 }, true), null);
  t.is(memoryRatio(result({}), { key: "k", bestMs: 1, medianMs: 1, gflops: null, peakRssGiB: 1.5, peakCudaGiB: 1 }, false), null);
  t.is(memoryRatio(result(null), { key: "k", bestMs: 1, medianMs: 1, gflops: null, peakRssGiB: 1 }), null);
});

test("parameter counts: both networks must match", (t) => {
  const t0 = { key: "k", bestMs: 1, medianMs: 1, gflops: null };
  t.true(paramCheck({ generator: 10, embedding: 5 }, { ...t0, params: 10, paramsE: 5 }).ok);
  t.deepEqual(paramCheck({ generator: 10, embedding: 5 }, { ...t0, params: 10, paramsE: 6 }), { ok: false, ours: "G 10, E 5", theirs: "G 10, E 6" });
  t.false(paramCheck({ generator: 10 }, t0).ok);
});

test("niqe-512 compares with a NumPy reference (no torch needed), labelled numpy", async (t) => {
  const entry = WORKLOADS.find((e) => e.names.includes("niqe-512"));
  const [w] = (await entry!.load({ primary: "native", addCpu: true, args: parseBenchArgs([]) }));
  if (w.kind !== "timed" || !w.pytorchScript) return t.fail("niqe-512 is not a timed workload with a reference");
  t.like(w.pytorchScript({ reps: 3, warmup: 1 }), { key: "niqe-512", script: "niqe_reference.py", python: "numpy", args: ["--size", "512", "--reps", "3", "--warmup", "1"] });
  t.deepEqual(w.backends, ["native"]);
});
