/** `npm run bench` flags and workload selection (bench/args.ts). */
import test from "ava";
import { BenchUsageError, childArgv, parseBenchArgs, selectWorkloads, unmatchedPrefixes, type CatalogName } from "../bench/args.js";

const catalog: CatalogName[] = [
  ...["conv-fwd-c64", "conv-fwd-c32", "pcl-iteration", "g-step-l1", "infer-edsr-tiny", "infer-edsr-baseline", "watch"].map((name) => ({ name, optIn: false, paper: false })),
  ...["pcl-raw-a", "pcl-raw-d"].map((name) => ({ name, optIn: true, paper: false })),
  ...["pcl-iteration-rcan-b16", "pcl-iteration-edsr-b16", "pcl-iteration-rcan-b2", "train-step-rcan-b2", "train-step-han-b2", "infer-edsr-512", "infer-rcan-512"]
    .map((name) => ({ name, optIn: true, paper: true })),
];
const sorted = (s: Set<string>) => [...s].sort();

test("defaults: native-as-today run, all default workloads, recompute none, PyTorch on, isolated", (t) => {
  const a = parseBenchArgs([]);
  t.like(a, { json: false, only: undefined, paper: false, backend: undefined, threads: undefined, recompute: "none", reps: undefined, warmup: undefined, pytorch: true, isolate: true, child: false });
  t.deepEqual(sorted(selectWorkloads(catalog, a.only, a.paper)), sorted(new Set(catalog.filter((w) => !w.optIn).map((w) => w.name))));
});

test("flags with values, also as --flag=value", (t) => {
  const a = parseBenchArgs(["--backend", "webgpu", "--json", "--only=conv,watch", "--recompute", "groups", "--reps", "1", "--warmup=0", "--threads", "2", "--batch", "1", "--patch", "24", "--image", "64", "--paper", "--no-pytorch"]);
  t.like(a, { backend: "webgpu", json: true, recompute: "groups", reps: 1, warmup: 0, threads: 2, batch: 1, patch: 24, image: 64, paper: true, pytorch: false });
  t.deepEqual(a.only, ["conv", "watch"]);
});

test("errors name the flag and what it expects", (t) => {
  t.throws(() => parseBenchArgs(["--backend", "metal"]), { instanceOf: BenchUsageError, message: /--backend: expected one of tensorflow-gpu, webgpu, tensorflow, native, cpu, got 'metal'/ });
  t.throws(() => parseBenchArgs(["--recompute", "all"]), { message: /--recompute: expected one of none, blocks, groups, got 'all'/ });
  t.throws(() => parseBenchArgs(["--reps", "0"]), { message: /--reps: expected an integer >= 1, got '0'/ });
  t.throws(() => parseBenchArgs(["--warmup", "-1"]), { message: /--warmup: expected an integer >= 0/ });
  t.throws(() => parseBenchArgs(["--image", "63"]), { message: /--image: expected an even side/ });
  t.throws(() => parseBenchArgs(["--only"]), { message: /--only: expected a value/ });
  t.throws(() => parseBenchArgs(["--only", "--json"]), { message: /--only: expected a value/ });
  t.throws(() => parseBenchArgs(["--fast"]), { message: /unknown argument '--fast' \(expected one of --only, --backend/ });
});

test("--only: a prefix of a default workload keeps to the defaults; opt-in ones run when named more precisely", (t) => {
  t.deepEqual(sorted(selectWorkloads(catalog, ["pcl-iteration"], false)), ["pcl-iteration"]);
  t.deepEqual(sorted(selectWorkloads(catalog, ["infer-"], false)), ["infer-edsr-baseline", "infer-edsr-tiny"]);
  t.deepEqual(sorted(selectWorkloads(catalog, ["pcl-iteration-rcan"], false)), ["pcl-iteration-rcan-b16", "pcl-iteration-rcan-b2"]);
  t.deepEqual(sorted(selectWorkloads(catalog, ["train-step"], false)), ["train-step-han-b2", "train-step-rcan-b2"]);
  t.deepEqual(sorted(selectWorkloads(catalog, ["infer-rcan"], false)), ["infer-rcan-512"]);
  t.deepEqual(sorted(selectWorkloads(catalog, ["pcl-raw"], false)), ["pcl-raw-a", "pcl-raw-d"]);
  t.deepEqual(sorted(selectWorkloads(catalog, ["pcl-iteration-edsr-b16", "conv-fwd"], false)), ["conv-fwd-c32", "conv-fwd-c64", "pcl-iteration-edsr-b16"]);
});

test("--paper adds the paper group to the default or --only selection, not the other opt-in ones", (t) => {
  const all = selectWorkloads(catalog, undefined, true);
  t.true(all.has("pcl-iteration-rcan-b16") && all.has("infer-rcan-512") && all.has("conv-fwd-c64"));
  t.false(all.has("pcl-raw-a"));
  t.deepEqual(sorted(selectWorkloads(catalog, ["watch"], true)), sorted(new Set(["watch", ...catalog.filter((w) => w.paper).map((w) => w.name)])));
});

test("an --only prefix that matches nothing is reported", (t) => {
  t.deepEqual(unmatchedPrefixes(catalog, ["conv", "pcl-iteraton", "han"]), ["pcl-iteraton", "han"]);
  t.deepEqual(unmatchedPrefixes(catalog, undefined), []);
});

test("a child runs exactly one workload with the parent's settings and no PyTorch", (t) => {
  const a = parseBenchArgs(["--backend", "webgpu", "--recompute", "blocks", "--reps", "2", "--patch", "24", "--paper"]);
  const argv = childArgv(a, "pcl-iteration-rcan-b16", 2);
  t.deepEqual(argv, ["--child", "--no-pytorch", "--only", "pcl-iteration-rcan-b16", "--threads", "2", "--recompute", "blocks", "--backend", "webgpu", "--reps", "2", "--patch", "24"]);
  const c = parseBenchArgs(argv);
  t.like(c, { child: true, pytorch: false, backend: "webgpu", recompute: "blocks", reps: 2, patch: 24, paper: false });
  t.deepEqual(sorted(selectWorkloads(catalog, c.only, c.paper)), ["pcl-iteration-rcan-b16"]);
});
