import test from "ava";
import { gaussianBlur, gaussianKernel2d, sampleBlurKernel, type BlurKernel } from "../src/ops/gaussian-blur.js";
import { maxAbsDiff, nhwcIndex, randomTensor4d, seededRandom, tensorsAddedBy, tf, uniformArray, useCpu } from "./helpers/ops-testing.js";

test.before(useCpu);

/** Reflect index (no edge repeat), as torch's / tf's 'reflect' padding. */
const reflect = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);

/** Direct float64 2-D convolution of every sample with its own kernel from gaussianKernel2d. */
function referenceBlur(x: readonly number[], shape: readonly number[], kernels: readonly BlurKernel[]): number[] {
  const [n, h, w, c] = shape as [number, number, number, number];
  const out = new Array<number>(x.length);
  for (let b = 0; b < n; b++) {
    const { size, sigmaX, sigmaY } = kernels[b]!;
    const k = gaussianKernel2d(size, sigmaX, sigmaY), half = (size - 1) / 2;
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let ch = 0; ch < c; ch++) {
          let s = 0;
          for (let i = 0; i < size; i++)
            for (let j = 0; j < size; j++)
              s += k[i * size + j]! * x[nhwcIndex(shape, b, reflect(y + i - half, h), reflect(xx + j - half, w), ch)]!;
          out[nhwcIndex(shape, b, y, xx, ch)] = s;
        }
  }
  return out;
}

test("gaussianKernel2d sums to 1, is symmetric about both axes and puts sigmaY along the height", (t) => {
  const size = 7, sigmaX = 1.3, sigmaY = 0.6;
  const k = gaussianKernel2d(size, sigmaX, sigmaY);
  t.is(k.length, size * size);
  t.true(Math.abs(k.reduce((s, v) => s + v, 0) - 1) < 1e-6);
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) {
      t.is(k[i * size + j], k[(size - 1 - i) * size + j], `rows ${i} and ${size - 1 - i}`);
      t.is(k[i * size + j], k[i * size + (size - 1 - j)], `columns ${j} and ${size - 1 - j}`);
    }
  const at = (i: number, j: number) => k[(3 + i) * size + (3 + j)]!;
  // One step down (height) falls off with sigmaY, one step right (width) with sigmaX.
  t.true(Math.abs(at(1, 0) / at(0, 0) - Math.exp(-0.5 / sigmaY ** 2)) < 1e-6);
  t.true(Math.abs(at(0, 2) / at(0, 0) - Math.exp(-2 / sigmaX ** 2)) < 1e-6);
});

test("gaussianBlur of a constant image is the same constant", (t) => {
  const x = tf.fill([2, 6, 7, 3], 0.37) as tf.Tensor4D;
  const y = gaussianBlur(x, [{ size: 11, sigmaX: 1.9, sigmaY: 0.3 }, { size: 3, sigmaX: 0.1, sigmaY: 1.0 }]);
  t.deepEqual(y.shape, [2, 6, 7, 3]);
  t.true(maxAbsDiff(y.dataSync(), new Array(y.size).fill(0.37)) < 1e-6);
  tf.dispose([x, y]);
});

test("gaussianBlur equals a direct 2-D convolution with reflect borders, per sample", (t) => {
  const rand = seededRandom(21);
  const shape: [number, number, number, number] = [3, 6, 8, 2];
  const x = randomTensor4d(rand, shape);
  const kernels: BlurKernel[] = [{ size: 5, sigmaX: 1.2, sigmaY: 0.7 }, { size: 3, sigmaX: 0.4, sigmaY: 1.9 }, { size: 11, sigmaX: 2, sigmaY: 2 }];
  const y = gaussianBlur(x, kernels);
  t.true(maxAbsDiff(y.dataSync(), referenceBlur(Array.from(x.dataSync()), shape, kernels)) < 1e-5);
  tf.dispose([x, y]);
});

test("the gradient of gaussianBlur is the adjoint of the reference blur", (t) => {
  const rand = seededRandom(22);
  const shape: [number, number, number, number] = [2, 5, 6, 2];
  const x = randomTensor4d(rand, shape);
  const w = uniformArray(rand, x.size);
  const kernels: BlurKernel[] = [{ size: 5, sigmaX: 0.8, sigmaY: 1.5 }, { size: 3, sigmaX: 1.1, sigmaY: 0.5 }];
  const wt = tf.tensor4d(w, shape);
  const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(wt, gaussianBlur(v as tf.Tensor4D, kernels))))(x);
  // The blur is linear: d/dx_i of sum(w * blur(x)) = sum(w * blur(e_i)).
  const expected = Array.from({ length: x.size }, (_, i) => {
    const e = new Array<number>(x.size).fill(0);
    e[i] = 1;
    return referenceBlur(e, shape, kernels).reduce((s, v, o) => s + v * w[o]!, 0);
  });
  t.true(maxAbsDiff(grad.dataSync(), expected) < 1e-5);
  tf.dispose([x, wt, grad]);
});

test("gaussianBlur keeps only its output alive", (t) => {
  const x = randomTensor4d(seededRandom(23), [2, 6, 6, 3]);
  const { result, added } = tensorsAddedBy(() => gaussianBlur(x, [{ size: 5, sigmaX: 1, sigmaY: 1 }, { size: 7, sigmaX: 0.5, sigmaY: 1.5 }]));
  t.is(added, 1);
  tf.dispose([x, result]);
});

test("sampleBlurKernel draws size from {3..11} and sigmas from [0.1, 2.0), in that order", (t) => {
  const scripted = [0.999, 0, 0.5];
  t.deepEqual(sampleBlurKernel(() => scripted.shift()!), { size: 11, sigmaX: 0.1, sigmaY: 0.1 + 1.9 * 0.5 });
  t.is(sampleBlurKernel(() => 0).size, 3);
  const rand = seededRandom(24);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const k = sampleBlurKernel(rand);
    seen.add(k.size);
    t.true(k.sigmaX >= 0.1 && k.sigmaX < 2 && k.sigmaY >= 0.1 && k.sigmaY < 2);
  }
  t.deepEqual([...seen].sort((a, b) => a - b), [3, 5, 7, 9, 11]);
});

test("gaussian blur rejects bad input with the op name and the actual values", (t) => {
  const x = tf.zeros([2, 4, 6, 3]) as tf.Tensor4D;
  const k: BlurKernel = { size: 3, sigmaX: 1, sigmaY: 1 };
  t.throws(() => gaussianBlur(x, [k]), { message: "gaussianBlur: need one kernel per sample: 2 for x [2,4,6,3], got 1" });
  t.throws(() => gaussianBlur(x, [k, { size: 9, sigmaX: 1, sigmaY: 1 }]), {
    message: "gaussianBlur: reflect padding of 4 needs height and width > 4, got x [2,4,6,3] with kernel size 9",
  });
  t.throws(() => gaussianKernel2d(4, 1, 1), { message: "gaussianKernel2d: kernel size must be an odd integer >= 1, got 4" });
  t.throws(() => gaussianKernel2d(3, 0, 1), { message: "gaussianKernel2d: sigmas must be finite and > 0, got sigmaX=0, sigmaY=1" });
  x.dispose();
});
