import test from "ava";
import type { RgbImage } from "../src/io/image.js";
import { bicubicUpscaler } from "../src/model/bicubic.js";
import type { Upscaler } from "../src/model/upscaler.js";
import { applyDihedral, DIHEDRALS, invertDihedral, selfEnsemble } from "../src/ops/self-ensemble.js";
import { planAxis, upscaleTiled } from "../src/ops/tiled-upscale.js";
import { maxAbsDiff, seededRandom, tf, uniformArray, useCpu } from "./helpers/ops-testing.js";

test.before(useCpu);

/** A tiny random x2 conv net: two 3x3 convs ('same', zero padding) then depth-to-space; receptive radius 2. */
function randomConvUpscaler(seed: number): Upscaler {
  const rand = seededRandom(seed);
  const w1 = tf.tensor4d(uniformArray(rand, 3 * 3 * 3 * 8, -0.4, 0.4), [3, 3, 3, 8]);
  const w2 = tf.tensor4d(uniformArray(rand, 3 * 3 * 8 * 12, -0.3, 0.3), [3, 3, 8, 12]);
  return {
    name: "random-conv",
    scale: 2,
    receptiveRadius: 2,
    upscale: async (lr) => tf.tidy(() => tf.depthToSpace(tf.conv2d(tf.relu(tf.conv2d(lr, w1, 1, "same")), w2, 1, "same"), 2)),
    dispose: () => tf.dispose([w1, w2]),
  };
}

const randomRgb = (width: number, height: number, seed: number): RgbImage => {
  const rand = seededRandom(seed);
  return { width, height, data: Float32Array.from({ length: width * height * 3 }, () => rand()) };
};

/** The whole image in one call (the reference), read with `await data()`. */
async function untiled(u: Upscaler, img: RgbImage): Promise<Float32Array> {
  const x = tf.tensor4d(img.data, [1, img.height, img.width, 3]);
  const y = await u.upscale(x);
  const data = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  return data;
}

// Serial: it counts the process's live tensors, which async tests running beside it would change.
test.serial("tiled output equals the untiled output when the overlap covers the receptive radius", async (t) => {
  const u = randomConvUpscaler(1);
  const img = randomRgb(41, 30, 2);
  const whole = await untiled(u, img);
  const before = tf.memory().numTensors;
  for (const opts of [{ tile: 16, overlap: 2 }, { tile: 16, overlap: 3, batch: 3 }, { tile: 11, overlap: 4 }, { tile: 25, overlap: 5, batchPixels: 1 }, {}]) {
    const sr = await upscaleTiled(u, img, opts);
    t.deepEqual([sr.width, sr.height], [82, 60]);
    const err = maxAbsDiff(sr.data, whole);
    t.true(err < 1e-3, `${JSON.stringify(opts)}: max difference ${err}`);
  }
  t.is(tf.memory().numTensors, before, "every tile's tensors are freed");
  u.dispose();
});

test("no step at tile seams: differences across each seam match the untiled ones", async (t) => {
  const u = randomConvUpscaler(4);
  const img = randomRgb(40, 8, 5);
  const whole = await untiled(u, img);
  for (const overlap of [2, 3]) {
    // Cells of at most 16 - 2 * overlap LR pixels, split evenly: the seams sit at the cell boundaries (x2 in the output).
    const n = Math.ceil(40 / (16 - 2 * overlap));
    const seams = Array.from({ length: n - 1 }, (_, k) => 2 * Math.floor(((k + 1) * 40) / n));
    t.true(seams.length >= 2);
    const sr = await upscaleTiled(u, img, { tile: 16, overlap });
    for (const x of seams) {
      for (let y = 0; y < 16; y++) {
        const i = (y * 80 + x) * 3;
        const step = sr.data[i] - sr.data[i - 3], expected = whole[i] - whole[i - 3];
        t.true(Math.abs(step - expected) < 1e-3, `overlap ${overlap}, x ${x}, y ${y}: step ${step} vs ${expected}`);
      }
    }
  }
  u.dispose();
});

test("the blend weights sum to 1: a constant image stays constant under tiled bicubic", async (t) => {
  const img = { width: 45, height: 33, data: new Float32Array(45 * 33 * 3).fill(0.3) };
  for (const overlap of [0, 1, 2, 6]) {
    const sr = await upscaleTiled(bicubicUpscaler(4), img, { tile: 14, overlap });
    t.true(maxAbsDiff(sr.data, new Float32Array(sr.data.length).fill(0.3)) < 1e-5, `overlap ${overlap}`);
  }
});

test("an image that fits is one tile; a tile smaller than twice the overlap is refused", async (t) => {
  t.deepEqual(planAxis(30, 64, 8, 2, 4).starts, [0]);
  const calls: number[][] = [];
  const base = bicubicUpscaler(2);
  const spy: Upscaler = { ...base, upscale: (lr) => { calls.push(lr.shape); return base.upscale(lr); } };
  await upscaleTiled(spy, randomRgb(30, 20, 1), { tile: 64 });
  t.deepEqual(calls, [[1, 20, 30, 3]]);
  await t.throwsAsync(upscaleTiled(spy, randomRgb(30, 20, 1), { tile: 8, overlap: 4 }), { message: /upscaleTiled: need integers tile > 2 \* overlap/ });
});

test("tiles are batched: several per upscale call, all of one size", async (t) => {
  const calls: number[][] = [];
  const base = bicubicUpscaler(2);
  const spy: Upscaler = { ...base, upscale: (lr) => { calls.push(lr.shape); return base.upscale(lr); } };
  await upscaleTiled(spy, randomRgb(50, 50, 1), { tile: 20, overlap: 2, batch: 4 });
  t.true(calls.length > 1);
  t.true(calls.every((s) => s[0] <= 4 && s[1] === calls[0][1] && s[2] === calls[0][2]));
  t.true(calls.some((s) => s[0] > 1));
});

test("each flip/transpose is undone by its inverse; self-ensemble of an equivariant upscaler changes nothing", async (t) => {
  const img = randomRgb(7, 5, 3);
  for (const d of DIHEDRALS) {
    const back = invertDihedral(applyDihedral(img, d), d);
    t.deepEqual([back.width, back.height], [7, 5]);
    t.deepEqual(back.data, img.data);
  }
  const u = bicubicUpscaler(2);
  const plain = await upscaleTiled(u, img);
  const ensembled = await selfEnsemble((x) => upscaleTiled(u, x), img);
  t.true(maxAbsDiff(ensembled.data, plain.data) < 1e-5);
  // A non-equivariant net gives a different (averaged) result.
  const conv = randomConvUpscaler(2);
  t.true(maxAbsDiff((await selfEnsemble((x) => upscaleTiled(conv, x), img)).data, (await upscaleTiled(conv, img)).data) > 1e-3);
  conv.dispose();
});

/**
 * Wraps `base` as a device would look from the host: each output's `data()` resolves one macrotask
 * later. Logs, per group, when it was handed over and when its data arrived; `fail` lets a group's
 * upscale or read fail, or its output have the wrong shape.
 */
function slowDevice(base: Upscaler, fail: { upscale?: number; read?: number; shape?: number } = {}) {
  const log: string[] = [];
  let calls = 0, inFlight = 0, maxInFlight = 0;
  const upscaler: Upscaler = {
    ...base,
    upscale: async (lr) => {
      const k = calls++;
      log.push(`upscale ${k}`);
      if (k === fail.upscale) throw new Error(`device lost at group ${k}`);
      const y = await base.upscale(lr);
      const out = k === fail.shape ? tf.tidy(() => tf.concat([y, y], 1) as tf.Tensor4D) : y;
      if (out !== y) y.dispose();
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const read = out.data.bind(out);
      Object.assign(out, {
        data: () => new Promise((resolve, reject) => setImmediate(() => {
          inFlight--;
          log.push(`read ${k}`);
          if (k === fail.read) reject(new Error(`read of group ${k} failed`)); else resolve(read());
        })),
      });
      return out;
    },
  };
  return { upscaler, log, stats: () => ({ calls, maxInFlight }) };
}

// Serial: counts live tensors.
test.serial("groups overlap: group k+1 is handed over before group k is blended, never more than two in flight, same output", async (t) => {
  const u = randomConvUpscaler(6);
  const img = randomRgb(45, 38, 7);
  const opts = { tile: 12, overlap: 2, batch: 2 };
  const reference = await upscaleTiled(u, img, opts);
  const before = tf.memory().numTensors;
  const device = slowDevice(u);
  const sr = await upscaleTiled(device.upscaler, img, opts);
  t.is(tf.memory().numTensors, before, "every group's input and output are freed");
  t.deepEqual(sr.data, reference.data, "the same image as without the delay, bit for bit");
  const { calls, maxInFlight } = device.stats();
  t.true(calls >= 6, `${calls} groups`);
  t.is(maxInFlight, 2, "one group in flight beside the one being read and blended (1: no overlap; more: unbounded memory)");
  // Group k+1 goes out before group k's data arrives; group k+2 only after it.
  for (let k = 0; k + 1 < calls; k++) {
    t.true(device.log.indexOf(`upscale ${k + 1}`) < device.log.indexOf(`read ${k}`), device.log.join(", "));
    if (k + 2 < calls) t.true(device.log.indexOf(`upscale ${k + 2}`) > device.log.indexOf(`read ${k}`), device.log.join(", "));
  }
  u.dispose();
});

test.serial("a failing group rejects upscaleTiled and every tensor is freed, the group in flight included", async (t) => {
  const u = randomConvUpscaler(8);
  const img = randomRgb(45, 38, 9);
  const opts = { tile: 12, overlap: 2, batch: 2 };
  const before = tf.memory().numTensors;
  const cases = [
    [{ upscale: 3 }, /device lost at group 3/],
    [{ read: 2 }, /read of group 2 failed/],
    [{ shape: 2 }, /upscaleTiled: random-conv returned \[2,48,24,3\] for tiles \[2,12,12,3\] \(expected \[2,24,24,3\]\)/],
  ] as const;
  for (const [fail, message] of cases) {
    const device = slowDevice(u, fail);
    await t.throwsAsync(upscaleTiled(device.upscaler, img, opts), { message }, JSON.stringify(fail));
    t.is(tf.memory().numTensors, before, `${JSON.stringify(fail)}: no tensor left behind`);
  }
  u.dispose();
});
