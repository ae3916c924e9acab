import test from "ava";
import { psnrPlane, psnrRgb, psnrY } from "../src/ops/psnr.js";
import { gaussianWindow, ssimPlane, ssimY } from "../src/ops/ssim.js";
import { cropPlane, rgbToY, rgbToY8, type Plane } from "../src/ops/ycbcr.js";
import { seededRandom } from "./helpers/ops-testing.js";

const randomRgb = (width: number, height: number, seed: number) => {
  const rand = seededRandom(seed);
  return { width, height, data: Float32Array.from({ length: width * height * 3 }, () => Math.round(rand() * 255) / 255) };
};

const plane = (width: number, height: number, f: (i: number) => number): Plane => ({ width, height, data: Float64Array.from({ length: width * height }, (_, i) => f(i)) });

test("BT.601 Y: black 16, white 235, and the published coefficients", (t) => {
  const y = rgbToY({ width: 3, height: 1, data: new Float32Array([0, 0, 0, 1, 1, 1, 1, 0, 0]) });
  t.true(Math.abs(y.data[0] - 16) < 1e-9);
  t.true(Math.abs(y.data[1] - 235) < 1e-5);
  t.true(Math.abs(y.data[2] - (16 + 65.481)) < 1e-5);
});

test("cropPlane cuts the border on every side", (t) => {
  const p = cropPlane(plane(5, 4, (i) => i), 1);
  t.deepEqual([p.width, p.height, ...p.data], [3, 2, 6, 7, 8, 11, 12, 13]);
  t.throws(() => cropPlane(plane(5, 4, (i) => i), 2), { message: /cropPlane: cannot crop 2 pixels from every side of 5x4/ });
});

test("PSNR of identical images is infinite", (t) => {
  const img = randomRgb(20, 16, 1);
  t.is(psnrY(img, img, 4), Infinity);
  t.is(psnrRgb(img, img, 4), Infinity);
});

test("PSNR of a constant offset d is 10 log10(255^2 / d^2)", (t) => {
  for (const d of [1, 3.5, 20]) {
    const a = plane(12, 9, (i) => 100 + (i % 7));
    const b = plane(12, 9, (i) => a.data[i] + d);
    t.true(Math.abs(psnrPlane(a, b) - 10 * Math.log10((255 * 255) / (d * d))) < 1e-9);
  }
  // On RGB: shifting R, G and B by k/255 shifts Y by k (65.481 + 128.553 + 24.966) / 255 = k * 219 / 255.
  const img = { width: 10, height: 10, data: new Float32Array(300).fill(0.5) };
  const brighter = { ...img, data: img.data.map((v) => v + 4 / 255) };
  const dy = (4 * 219) / 255;
  t.true(Math.abs(psnrY(brighter, img, 2) - 10 * Math.log10((255 * 255) / (dy * dy))) < 1e-4);
  t.true(Math.abs(psnrRgb(brighter, img, 2) - 10 * Math.log10((255 * 255) / 16)) < 1e-4);
});

test("PSNR and SSIM reject images of different sizes, naming the op and the sizes", (t) => {
  t.throws(() => psnrY(randomRgb(20, 16, 1), randomRgb(16, 20, 2), 4), { message: /psnrY: images differ in size \(20x16 vs 16x20\)/ });
  t.throws(() => ssimY(randomRgb(20, 16, 1), randomRgb(16, 20, 2), 4), { message: /ssimY/ });
});

test("SSIM of identical images is 1", (t) => {
  const img = randomRgb(30, 25, 7);
  t.true(Math.abs(ssimY(img, img, 4) - 1) < 1e-12);
});

/** SSIM by definition: for every 11x11 'valid' window, Gaussian-weighted means, variances and covariance. */
function ssimDirect(a: Plane, b: Plane): number {
  const g = gaussianWindow();
  let total = 0, count = 0;
  for (let y0 = 0; y0 + 11 <= a.height; y0++) {
    for (let x0 = 0; x0 + 11 <= a.width; x0++) {
      let ma = 0, mb = 0;
      for (let i = 0; i < 11; i++) for (let j = 0; j < 11; j++) {
        const w = g[i] * g[j], p = (y0 + i) * a.width + x0 + j;
        ma += w * a.data[p]; mb += w * b.data[p];
      }
      let va = 0, vb = 0, cov = 0;
      for (let i = 0; i < 11; i++) for (let j = 0; j < 11; j++) {
        const w = g[i] * g[j], p = (y0 + i) * a.width + x0 + j;
        va += w * (a.data[p] - ma) ** 2; vb += w * (b.data[p] - mb) ** 2; cov += w * (a.data[p] - ma) * (b.data[p] - mb);
      }
      const c1 = (0.01 * 255) ** 2, c2 = (0.03 * 255) ** 2;
      total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      count++;
    }
  }
  return total / count;
}

test("SSIM equals a direct per-window computation on a small image", (t) => {
  const rand = seededRandom(9);
  const a = plane(17, 14, () => 16 + 219 * rand());
  const b = plane(17, 14, (i) => a.data[i] + 30 * (rand() - 0.5));
  const fast = ssimPlane(a, b), direct = ssimDirect(a, b);
  t.true(Math.abs(fast - direct) < 1e-9, `${fast} vs ${direct}`);
  t.true(fast > 0 && fast < 1);
});

test("the SSIM window is MATLAB's fspecial('gaussian', 11, 1.5)", (t) => {
  const g = gaussianWindow();
  t.is(g.length, 11);
  t.true(Math.abs(g.reduce((s, v) => s + v, 0) - 1) < 1e-12);
  // fspecial builds exp(-(x^2 + y^2) / (2 sigma^2)) on the 11x11 grid and divides by its sum.
  let sum = 0;
  for (let y = -5; y <= 5; y++) for (let x = -5; x <= 5; x++) sum += Math.exp(-(x * x + y * y) / 4.5);
  t.true(Math.abs(g[5] * g[5] - 1 / sum) < 1e-12);
  t.true(Math.abs(g[0] * g[3] - Math.exp(-(25 + 4) / 4.5) / sum) < 1e-12);
});

test("MATLAB's 8-bit Y (rgbToY8): black 16, white 235, rounded to integers, robust to float32 k/255", (t) => {
  const rgb = (...v: number[]) => ({ width: v.length / 3, height: 1, data: Float32Array.from(v) });
  t.deepEqual([...rgbToY8(rgb(0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 1, 0)).data], [16, 235, 81, 145]); // 16 + 65.481 = 81.481, 16 + 128.553 = 144.553
  // Every 8-bit gray level k: Y = round(16 + 219 k / 255), whatever float32 made of k / 255.
  const gray = rgbToY8({ width: 256, height: 1, data: Float32Array.from({ length: 768 }, (_, i) => Math.floor(i / 3) / 255) });
  t.deepEqual([...gray.data], Array.from({ length: 256 }, (_, k) => Math.round(16 + (219 * k) / 255)));
  // Out-of-range values are clipped to 8 bits first.
  t.deepEqual([...rgbToY8(rgb(-0.2, 1.3, 2)).data], [Math.round(16 + (128.553 + 24.966))]);
});
