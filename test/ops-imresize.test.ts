import { fileURLToPath } from "node:url";
import test from "ava";
import { readImage } from "../src/io/image.js";
import { contributionMatrix, cubic, cubicContributions, imresize, imresizePlane, imresizeRgb, type Uint8Hwc } from "../src/ops/imresize.js";
import { maxAbsDiff, seededRandom, tensorsAddedBy, tf, useCpu } from "./helpers/ops-testing.js";

test.before(useCpu);

// Set5 (HR and the standard MATLAB LR x4) is bundled in data/set5; ../shared has the same files.
const SET5 = fileURLToPath(new URL("../data/set5/", import.meta.url));
const NAMES = ["baby", "bird", "butterfly", "head", "woman"];

const rgb = (width: number, height: number, f: (y: number, x: number, c: number) => number) => {
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = f(y, x, c);
  return { width, height, data };
};

test("the cubic kernel (a = -0.5) at hand-computed points", (t) => {
  t.is(cubic(0), 1);
  t.is(cubic(1), 0);
  t.is(cubic(2), 0);
  t.is(cubic(0.5), 0.5625);
  t.is(cubic(-1.5), -0.0625);
  t.is(cubic(2.5), 0);
});

test("x2 upscaling weights of the first output match a hand computation, mirrored borders included", (t) => {
  // MATLAB: u = 1/2 + 0.5 (1 - 2) + ... = 0.75 for x = 1; taps at -1..2 (1-based) with distances
  // 1.75, 0.75, 0.25, 1.25 -> cubic = -0.0234375, 0.2265625, 0.8671875, -0.0703125 (sum 1).
  // Taps -1 and 0 mirror to pixels 2 and 1, so out[0] = 1.09375 in[0] - 0.09375 in[1].
  const c = cubicContributions(4, 8, 2);
  const row0 = Array.from(contributionMatrix(c).subarray(0, 4));
  t.true(maxAbsDiff(row0, [1.09375, -0.09375, 0, 0]) < 1e-7, `row 0: ${row0}`);
  // An interior output (x = 4, u = 2.25): taps 1..4 at distances 1.25, 0.25, 0.75, 1.75.
  const row3 = Array.from(contributionMatrix(c).subarray(12, 16));
  t.true(maxAbsDiff(row3, [-0.0703125, 0.8671875, 0.2265625, -0.0234375]) < 1e-7, `row 3: ${row3}`);
  // And the typed-array resize applies them: a 1-D image [10, 50, 90, 130] as a 1x4 row (float path).
  const line = imresizeRgb(rgb(4, 1, (_, x) => [10, 50, 90, 130][x] / 255), { height: 1, width: 8 });
  t.true(Math.abs(line.data[0] * 255 - (1.09375 * 10 - 0.09375 * 50)) < 1e-4);
});

test("x1/2 downscaling widens the kernel (antialiasing): 8 taps of h(x) = cubic(x/2)/2", (t) => {
  const c = cubicContributions(16, 8, 0.5);
  // Output 4 (1-based) samples u = 8 - 0.5 = 7.5: taps 4..11 at distances 3.5 .. -3.5.
  const row = Array.from(contributionMatrix(c).subarray(3 * 16, 4 * 16));
  const expected = new Array(16).fill(0);
  for (let i = 4; i <= 11; i++) expected[i - 1] = cubic((7.5 - i) / 2) / 2;
  const sum = expected.reduce((a, b) => a + b, 0);
  t.true(maxAbsDiff(row, expected.map((v) => v / sum)) < 1e-7);
  t.is(c.taps, 8);
});

test("a constant image stays constant, down and up, uint8 and float, typed arrays and tensors", (t) => {
  const flat = rgb(37, 23, (_, __, c) => [0.2, 0.5, 0.9][c]);
  for (const target of [1 / 4, 3, 0.5, { height: 10, width: 50 }] as const) {
    const f = imresizeRgb(flat, target);
    t.true(f.data.every((v, i) => Math.abs(v - [0.2, 0.5, 0.9][i % 3]) < 1e-6));
  }
  const u8: Uint8Hwc = { width: 30, height: 20, channels: 1, data: new Uint8Array(600).fill(77) };
  const small = imresizeRgb(u8, 1 / 3);
  t.deepEqual([small.width, small.height, small.channels], [10, 7, 1]);
  t.true(small.data.every((v) => v === 77));
  const x = tf.fill([2, 9, 11, 3], 0.25) as tf.Tensor4D;
  const y = imresize(x, 4);
  t.deepEqual(y.shape, [2, 36, 44, 3]);
  t.true(maxAbsDiff(y.dataSync(), new Float32Array(y.size).fill(0.25)) < 1e-6);
  tf.dispose([x, y]);
});

test("down-then-up of a linear ramp is exact away from the borders (float path)", (t) => {
  const ramp = rgb(64, 48, (y, x, c) => 0.1 + 0.004 * x + 0.007 * y + 0.01 * c);
  const up = imresizeRgb(imresizeRgb(ramp, 1 / 4), 4);
  t.deepEqual([up.width, up.height], [64, 48]);
  const margin = 16; // the x1/4 kernel reaches 8 HR pixels, the x4 one 2 LR (8 HR) pixels
  let worst = 0;
  for (let y = margin; y < 48 - margin; y++) {
    for (let x = margin; x < 64 - margin; x++) {
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(up.data[(y * 64 + x) * 3 + c] - ramp.data[(y * 64 + x) * 3 + c]));
    }
  }
  t.true(worst < 1e-5, `max error ${worst}`);
});

test("the tensor resize equals the typed-array float path, leaves no tensors behind, and has a gradient", (t) => {
  const rand = seededRandom(3);
  const img = rgb(19, 13, () => rand());
  for (const target of [4, 1 / 3, { height: 7, width: 30 }] as const) {
    const ref = imresizeRgb(img, target);
    const x = tf.tensor4d(img.data, [1, 13, 19, 3]);
    const { result: y, added } = tensorsAddedBy(() => imresize(x, target));
    t.is(added, 1);
    t.deepEqual(y.shape, [1, ref.height, ref.width, 3]);
    t.true(maxAbsDiff(y.dataSync(), ref.data) < 1e-5);
    tf.dispose([x, y]);
  }
  const x = tf.tensor4d(img.data, [1, 13, 19, 3]);
  const g = tf.grad((v: tf.Tensor) => tf.sum(imresize(v as tf.Tensor4D, 2)))(x);
  // Each input pixel's gradient is the sum of its column in the weight matrices: about scale^2 = 4 inside.
  t.true(Math.abs(g.dataSync()[(6 * 19 + 9) * 3] - 4) < 1e-3);
  tf.dispose([x, g]);
});

test("an 8-bit RgbImage goes the uint8 path: values stay multiples of 1/255", (t) => {
  const rand = seededRandom(5);
  const img = rgb(20, 16, () => Math.round(rand() * 255) / 255);
  const lr = imresizeRgb(img, 1 / 4, { uint8: true });
  t.deepEqual([lr.width, lr.height], [5, 4]);
  t.true(lr.data.every((v) => Math.abs(v * 255 - Math.round(v * 255)) < 1e-4));
});

test("the LR made from set5/HR equals the shipped MATLAB LR (>= 99.9% of values, none off by more than 1)", async (t) => {
  let same = 0, total = 0, worst = 0;
  for (const name of NAMES) {
    const hr = await readImage(`${SET5}HR/${name}.png`);
    const ref = await readImage(`${SET5}LR_bicubic/X4/${name}.png`);
    t.is(hr.bitDepth, 8);
    const w = hr.width - (hr.width % 4), h = hr.height - (hr.height % 4);
    const cropped = new Uint8Array(w * h * hr.channels);
    for (let y = 0; y < h; y++) cropped.set(hr.data.subarray(y * hr.width * hr.channels, (y * hr.width + w) * hr.channels), y * w * hr.channels);
    const lr = imresizeRgb({ width: w, height: h, channels: hr.channels, data: cropped }, 1 / 4);
    t.deepEqual([lr.width, lr.height, lr.channels], [ref.width, ref.height, ref.channels], name);
    for (let i = 0; i < lr.data.length; i++) {
      const d = Math.abs(lr.data[i] - ref.data[i]);
      if (d === 0) same++;
      worst = Math.max(worst, d);
    }
    total += lr.data.length;
  }
  t.log(`${same}/${total} values identical, max difference ${worst}`);
  t.true(same / total >= 0.999);
  t.true(worst <= 1);
});

test("a 2K image resizes to ceil(in / 4) on the uint8 path (its speed is in npm run bench, not here)", (t) => {
  const rand = seededRandom(11);
  const img = rgb(2040, 1356, () => rand());
  const lr = imresizeRgb(img, 1 / 4, { uint8: true });
  t.deepEqual([lr.width, lr.height], [510, 339]);
  t.true(lr.data.every((v) => v >= 0 && v <= 1 && Math.abs(v * 255 - Math.round(v * 255)) < 1e-4), "values are k / 255");
});

test("imresizePlane is the float path on one float64 channel (what NIQE's second scale uses)", (t) => {
  const rand = seededRandom(11);
  const img = rgb(37, 24, () => Math.round(255 * rand()) / 255);
  const red = { width: 37, height: 24, data: Float64Array.from({ length: 37 * 24 }, (_, p) => img.data[p * 3] * 255) };
  const half = imresizePlane(red, 0.5), viaRgb = imresizeRgb(img, 0.5);
  t.deepEqual([half.width, half.height], [19, 12]);
  t.true(half.data instanceof Float64Array);
  t.true(maxAbsDiff(half.data, Array.from({ length: 19 * 12 }, (_, p) => viaRgb.data[p * 3] * 255)) < 1e-4);
  t.throws(() => imresizePlane({ width: 4, height: 4, data: new Float64Array(3) }, 0.5), { message: /imresizePlane: data has 3 values, expected 4x4x1/ });
});
