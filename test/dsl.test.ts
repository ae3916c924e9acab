import test from "ava";
import { execFileSync } from "node:child_process";
import {
  GraphError, conv, edsr, inferLayer, pcl, relu, sequence, skip, summarize, positives, negatives, weightedSum, l1, infoNce,
  dualContrastive, vggEmbedding, trainOptions, ablate, type PclSpec,
} from "../src/dsl/index.js";
import edsrSpec, { large as edsrLarge } from "../graphs/edsr.pcl.js";
import rcanSpec from "../graphs/rcan.pcl.js";
import hanSpec from "../graphs/han.pcl.js";
import tinySpec from "../graphs/edsr-tiny.pcl.js";

// Reference counts: EDSR-PyTorch (baseline, large), RCAN and HAN at x4, without the mean-shift constants.
const REFERENCE_PARAMS: [string, PclSpec, number][] = [
  ["edsr baseline", edsrSpec, 1_517_571],
  ["edsr large", edsrLarge, 43_089_923],
  ["rcan", rcanSpec, 15_592_355],
  ["han", hanSpec, 16_071_745],
  ["edsr-tiny", tinySpec, 158_979],
];

for (const [name, spec, params] of REFERENCE_PARAMS) {
  test(`${name}: parameter count equals the reference implementation (${params})`, (t) => {
    t.is(summarize(spec).generator.params, params);
  });
}

test("edsr-tiny's embedding network has the bench workload's 67,361 parameters and tap shapes", (t) => {
  const s = summarize(tinySpec);
  t.is(s.embedding.params, 67_361);
  t.deepEqual(s.embedding.tapShapes, [[48, 48, 32], [24, 24, 32], [24, 24, 64], [12, 12, 64]]);
});

test("FLOPs per LR pixel of EDSR baseline equal the closed form of its convolutions", (t) => {
  // 3x3 convs: head 3->64, 33 body convs 64->64 at LR; upsampler 64->256 at LR and at 2x; tail 64->3 at 4x.
  const c = (cin: number, cout: number, pixels: number) => 2 * 9 * cin * cout * pixels;
  const convFlops = c(3, 64, 1) + 33 * c(64, 64, 1) + c(64, 256, 1) + c(64, 256, 4) + c(64, 3, 16);
  const total = summarize(edsrSpec).generator.flopsPerLrPixel;
  t.true(total >= convFlops && total < convFlops * 1.01, `${total} vs convolutions alone ${convFlops}`);
});

test("a channel mismatch names the node's path and both shapes", (t) => {
  const bad = sequence([conv(64, { name: "head" }), skip(sequence([conv(64), relu(), conv(32)]), { name: "body" })]);
  const r = inferLayer(bad, [24, 24, 3], "generator");
  t.is(r.issues.length, 1);
  t.is(r.issues[0].path, "generator/body");
  t.regex(r.issues[0].message, /\[24,24,32\].*\[24,24,64\]/);
});

test("a declared input channel count is checked, naming the conv", (t) => {
  const r = inferLayer(sequence([conv(16, { name: "a" }), conv(8, { in: 32, name: "b" })]), [8, 8, 3], "g");
  t.is(r.issues[0]?.path, "g/b");
  t.regex(r.issues[0]?.message ?? "", /declared 32 input channels.*\[8,8,16\]/);
});

const tinyParts = () => {
  const embed = vggEmbedding({ channels: [8, 8], strides: [1, 2], taps: [0, 1] as const, batchNorm: false, pool: "global" });
  return {
    scale: 4 as const, embedding: embed, positives: positives(), negatives: negatives(),
    losses: { generator: weightedSum([[1, l1()], [1, infoNce({ embed, taps: [0, 1] })]]), discriminator: dualContrastive({ embed }) },
    train: trainOptions({ patch: 8, batch: 4 }),
  };
};

test("pcl() throws a GraphError listing the generator's issue with its path", (t) => {
  const err = t.throws(() => pcl({ name: "bad", ...tinyParts(), generator: sequence([conv(8), skip(conv(4), { name: "oops" }), conv(3)]) }), { instanceOf: GraphError });
  t.regex(err?.message ?? "", /generator\/oops: skip: body output \[8,8,4\] does not match the input \[8,8,8\]/);
});

test("pcl() rejects a generator that does not reach HR size", (t) => {
  const err = t.throws(() => pcl({ name: "no-upsampling", ...tinyParts(), generator: sequence([conv(8), conv(3)]) }), { instanceOf: GraphError });
  t.regex(err?.message ?? "", /generator: maps LR \[8,8,3\] to \[8,8,3\], expected HR \[32,32,3\]/);
});

test("validation metrics default to PSNR and SSIM; an unknown one is an issue at train/validateMetrics", (t) => {
  const spec = pcl({ name: "small", ...tinyParts(), generator: edsr({ blocks: 1, channels: 8, scale: 4 }) });
  t.deepEqual(spec.train.validateMetrics, ["psnr", "ssim"]);
  const withNiqe = pcl({ ...spec, train: trainOptions({ ...spec.train, validateMetrics: ["psnr", "ssim", "niqe"] }) });
  t.deepEqual(withNiqe.train.validateMetrics, ["psnr", "ssim", "niqe"]);
  const bad = { ...spec.train, validateMetrics: ["psnr", "lpips"] } as unknown as typeof spec.train;
  const err = t.throws(() => pcl({ ...spec, train: bad }), { instanceOf: GraphError });
  t.regex(err?.message ?? "", /train\/validateMetrics: must list metrics among psnr, ssim, niqe, got \["psnr","lpips"\]/);
});

test("a valid small spec builds, and ablations return new checked specs", (t) => {
  const spec = pcl({ name: "small", ...tinyParts(), generator: edsr({ blocks: 1, channels: 8, scale: 4 }) });
  t.is(spec.kind, "pcl");
  t.true(Object.isFrozen(spec));
  const l1only = ablate(spec, "l1-only");
  t.is(l1only.losses.discriminator, null);
  t.is(l1only.losses.generator.terms.length, 1);
  t.is(spec.losses.generator.terms.length, 2, "the original is untouched");
  t.is(ablate(spec, "neg-lr").negatives.source, "lr");
  t.is(ablate(spec, "no-haar").embedding.input, undefined);
});

test("`pcl-stream graph --json` reports the generator's params and FLOPs", (t) => {
  const out = execFileSync(process.execPath, ["bin/pcl-stream.js", "graph", "graphs/rcan.pcl.ts", "--json"], { encoding: "utf8" });
  const json = JSON.parse(out) as { params: number; flopsPerLrPixel: number; embedding: { params: number } };
  t.is(json.params, 15_592_355);
  t.true(json.flopsPerLrPixel > 3e7);
  t.is(json.embedding.params, summarize(rcanSpec).embedding.params);
});
