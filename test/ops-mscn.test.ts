import test from "ava";
import { FLAT_TOLERANCE, mscn } from "../src/ops/mscn.js";
import type { Plane } from "../src/ops/ycbcr.js";
import { maxAbsDiff, seededRandom } from "./helpers/ops-testing.js";

const G = [0.0125602, 0.07882796, 0.23729608, 0.34263152, 0.23729608, 0.07882796, 0.0125602];
const plane = (width: number, height: number, f: (x: number, y: number) => number): Plane => {
  const data = new Float64Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = f(x, y);
  return { width, height, data };
};

/** MSCN by definition: the 2-D window g g^T at every pixel, taps outside clamped to the border (MATLAB 'replicate'). */
function mscnDirect(p: Plane, g: readonly number[]): Float64Array {
  const r = (g.length - 1) / 2, out = new Float64Array(p.data.length);
  const at = (x: number, y: number) => p.data[Math.min(p.height - 1, Math.max(0, y)) * p.width + Math.min(p.width - 1, Math.max(0, x))];
  for (let y = 0; y < p.height; y++) {
    for (let x = 0; x < p.width; x++) {
      let mu = 0, mu2 = 0;
      for (let i = -r; i <= r; i++) for (let j = -r; j <= r; j++) { const w = g[i + r] * g[j + r], v = at(x + j, y + i); mu += w * v; mu2 += w * v * v; }
      out[y * p.width + x] = (at(x, y) - mu) / (Math.sqrt(Math.abs(mu2 - mu * mu)) + 1);
    }
  }
  return out;
}

test("mscn equals the per-pixel definition with replicated borders", (t) => {
  const rand = seededRandom(5);
  const p = plane(13, 9, () => Math.round(255 * rand()));
  t.true(maxAbsDiff(mscn(p, G), mscnDirect(p, G)) < 1e-12);
  // Smaller than the window in one direction: every tap clamps.
  const thin = plane(2, 11, () => Math.round(255 * rand()));
  t.true(maxAbsDiff(mscn(thin, G), mscnDirect(thin, G)) < 1e-12);
});

test("a constant neighbourhood gives exactly 0 (not the filter's rounding noise), and an offset changes nothing", (t) => {
  t.deepEqual([...new Set(mscn(plane(20, 20, () => 98), G))], [0]);
  // Left half constant: coefficients more than 3 pixels (the window's radius) from the edge are 0.
  const rand = seededRandom(6);
  const half = plane(20, 8, (x) => (x < 10 ? 98 : Math.round(255 * rand())));
  const m = mscn(half, G);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 7; x++) t.is(m[y * 20 + x], 0);
  t.true(m.slice(0, 20).some((v, x) => x >= 10 && v !== 0));
  const shifted = { ...half, data: half.data.map((v) => v + 37) };
  t.true(maxAbsDiff(mscn(shifted, G), m) < 1e-10);
  t.is(FLAT_TOLERANCE, 1e-8);
});

test("mscn rejects an even window and a plane of the wrong length", (t) => {
  t.throws(() => mscn(plane(4, 4, () => 0), [0.5, 0.5]), { message: /mscn: the window's 1-D factor must have odd length, got 2/ });
  t.throws(() => mscn({ width: 4, height: 4, data: new Float64Array(15) }, G), { message: /mscn: plane of 4x4 has 15 values/ });
});
