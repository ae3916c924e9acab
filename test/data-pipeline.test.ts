/**
 * The training-data pipeline (src/pipelines/data): seeded batches, aligned crops, skipping of bad
 * files, bounded prefetch, paired mode, validation loading, and the RNG behind it.
 *
 * References are independent of the code under test: a BigInt xoshiro128**, a box-average
 * downscale (whose result on an aligned HR patch must equal the LR patch), and flips/transposes
 * written as array reversals on rows of pixels.
 */
import test from "ava";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { Subject, concatMap, firstValueFrom, lastValueFrom, tap, take, toArray } from "rxjs";
import type { RgbImage } from "../src/io/image.js";
import {
  ByteBudgetCache, DataOptionsError, NoReadableImagesError, ListImagesError, createRng, deriveSeed, restoreRng,
  listImages, loadValidationPairs, pairFiles, trainBatches, type TrainBatch, type TrainBatchesOptions,
} from "../src/pipelines/data/index.js";

// ---------- helpers ----------

let root = "";
test.before(async () => { root = await mkdtemp(join(tmpdir(), "pcl-data-test-")); });
test.after.always(async () => { if (root) await rm(root, { recursive: true, force: true }); });

let dirCount = 0;
async function freshDir(): Promise<string> {
  const dir = join(root, `d${dirCount++}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** mulberry32: the test's own generator for pixel content (independent of the code under test). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytesSeeded(n: number, seed: number): Uint8Array {
  const r = mulberry32(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * 256);
  return out;
}

async function writeRaw(file: string, width: number, height: number, channels: 1 | 2 | 3 | 4, data: Uint8Array): Promise<void> {
  await sharp(Buffer.from(data), { raw: { width, height, channels } }).png().toFile(file);
}

/** An RGB image as the pipeline decodes an 8-bit file of these bytes (values * (1/255) in float32). */
function rgbFromBytes(width: number, height: number, bytes: Uint8Array): RgbImage {
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = bytes[i] * (1 / 255);
  return { width, height, data };
}

/** Box-average downscale by s (sides must be multiples of s). */
function boxDown(img: RgbImage, s: number): RgbImage {
  const width = img.width / s;
  const height = img.height / s;
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) {
    let sum = 0;
    for (let dy = 0; dy < s; dy++) for (let dx = 0; dx < s; dx++) sum += img.data[((y * s + dy) * img.width + x * s + dx) * 3 + c];
    data[(y * width + x) * 3 + c] = sum / (s * s);
  }
  return { width, height, data };
}

const boxMakeLr = (hr: RgbImage, s: number): RgbImage => boxDown(hr, s);

/** A box makeLr that counts its calls (one per image decoded in generated-LR mode). */
function countingMakeLr(): { makeLr: (hr: RgbImage, s: number) => RgbImage; calls: () => number } {
  let n = 0;
  return { makeLr: (hr, s) => { n++; return boxDown(hr, s); }, calls: () => n };
}

type Pixel = readonly [number, number, number];
type Patch = Pixel[][];

function patchOf(img: { width: number; data: ArrayLike<number> }, y: number, x: number, n: number): Patch {
  const rows: Patch = [];
  for (let i = 0; i < n; i++) {
    const row: Pixel[] = [];
    for (let j = 0; j < n; j++) {
      const s = ((y + i) * img.width + x + j) * 3;
      row.push([img.data[s], img.data[s + 1], img.data[s + 2]]);
    }
    rows.push(row);
  }
  return rows;
}

/** hflip, then vflip, then transpose, as plain array operations. */
function transform(p: Patch, t: number): Patch {
  let q = p.map((row) => [...row]);
  if (t & 1) q = q.map((row) => [...row].reverse());
  if (t & 2) q = [...q].reverse();
  if (t & 4) q = q[0].map((_, j) => q.map((row) => row[j]));
  return q;
}

const flat = (p: Patch): number[] => p.flat(2);

/** Sample b of a batch as patches. */
function samplePatches(batch: TrainBatch, b: number): { lr: Patch; hr: Patch } {
  const p = batch.patch;
  const P = p * batch.scale;
  const lr = patchOf({ width: p, data: batch.lr.subarray(b * p * p * 3, (b + 1) * p * p * 3) }, 0, 0, p);
  const hr = patchOf({ width: P, data: batch.hr.subarray(b * P * P * 3, (b + 1) * P * P * 3) }, 0, 0, P);
  return { lr, hr };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const sameArray = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => v === b[i]);

/** Runs the pipeline with a consumer that acknowledges each batch after `delayMs`; returns `n` batches. */
async function collect(options: Omit<TrainBatchesOptions, "demand">, n: number, delayMs = 0): Promise<TrainBatch[]> {
  const done$ = new Subject<void>();
  return lastValueFrom(trainBatches({ ...options, demand: done$ } as TrainBatchesOptions).pipe(
    concatMap(async (b) => {
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      done$.next();
      return b;
    }),
    take(n),
    toArray(),
  ));
}

const sameBatches = (a: TrainBatch[], b: TrainBatch[]): boolean =>
  a.length === b.length && a.every((x, i) => x.index === b[i].index && sameArray(x.lr, b[i].lr) && sameArray(x.hr, b[i].hr) && x.files.join() === b[i].files.join());

/** A folder of random RGB PNGs; returns the folder and each file's decoded RGB. */
async function randomRgbSet(sizes: readonly (readonly [number, number])[], seed: number): Promise<{ dir: string; images: Map<string, RgbImage> }> {
  const dir = await freshDir();
  const images = new Map<string, RgbImage>();
  for (const [i, [w, h]] of sizes.entries()) {
    const bytes = randomBytesSeeded(w * h * 3, seed * 1000 + i);
    const file = join(dir, `img${i}.png`);
    await writeRaw(file, w, h, 3, bytes);
    images.set(file, rgbFromBytes(w, h, bytes));
  }
  return { dir, images };
}

// ---------- rng ----------

/** xoshiro128** on BigInt, straight from the reference C code. */
function referenceXoshiro(state: readonly number[]): () => number {
  const M = 0xffffffffn;
  const s = state.map(BigInt);
  const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (32n - k))) & M;
  return () => {
    const result = (rotl((s[1] * 5n) & M, 7n) * 9n) & M;
    const t = (s[1] << 9n) & M;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
    return Number(result);
  };
}

test("rng: matches a BigInt xoshiro128** reference and resumes exactly from a saved state", (t) => {
  const rng = createRng(12345);
  for (let i = 0; i < 7; i++) rng.next();
  const saved = rng.state();
  t.is(saved.length, 4);
  const ref = referenceXoshiro(saved);
  const restored = restoreRng(JSON.parse(JSON.stringify(saved)) as number[]);
  for (let i = 0; i < 200; i++) {
    const expected = ref() / 2 ** 32;
    t.is(rng.next(), expected);
    t.is(restored.next(), expected);
  }
  t.deepEqual(rng.state(), restored.state());
});

test("rng: same seed same stream, other seeds and derived seeds differ; int stays in range", (t) => {
  const draw = (seed: number): number[] => { const r = createRng(seed); return Array.from({ length: 8 }, () => r.next()); };
  t.deepEqual(draw(7), draw(7));
  t.notDeepEqual(draw(7), draw(8));
  t.notDeepEqual(draw(2 ** 40 + 7), draw(7));
  t.not(deriveSeed(1, 0), deriveSeed(1, 1));
  t.not(deriveSeed(1, 5), deriveSeed(2, 5));
  const r = createRng(3);
  const counts = new Array(5).fill(0);
  for (let i = 0; i < 5000; i++) counts[r.int(5)]++;
  t.true(counts.every((c) => c > 850 && c < 1150), `roughly uniform counts ${counts}`);
  t.throws(() => createRng(0.5), { name: "RngArgumentError" });
  t.throws(() => restoreRng([0, 0, 0, 0]), { name: "RngArgumentError" });
  t.throws(() => restoreRng([1, 2, 3]), { name: "RngArgumentError" });
});

// ---------- listing, pairing, cache ----------

test("listImages: recursive, sorted, any case of extension, dotfiles skipped, other files reported", async (t) => {
  const dir = await freshDir();
  await mkdir(join(dir, "sub", "deeper"), { recursive: true });
  await mkdir(join(dir, ".hidden"));
  for (const f of ["b.PNG", "a.jpg", "sub/c.webp", "sub/deeper/d.tif", ".e.png", ".hidden/f.png", "notes.txt", "g.bmp", "h.avif", "i.gif", "j.jpeg", "k.tiff"]) {
    await writeFile(join(dir, f), "x");
  }
  const skipped: string[] = [];
  const files = await listImages(dir, { onSkip: (f) => skipped.push(f) });
  t.deepEqual(files, ["a.jpg", "b.PNG", "g.bmp", "h.avif", "i.gif", "j.jpeg", "k.tiff", "sub/c.webp", "sub/deeper/d.tif"].map((f) => join(dir, f)));
  t.deepEqual(skipped, [join(dir, "notes.txt")]);
  await t.throwsAsync(listImages(join(dir, "missing")), { instanceOf: ListImagesError, message: /missing/ });
});

test("pairFiles: exact names and <name>x<scale> names pair up; the unmatched are reported", (t) => {
  const skipped: string[] = [];
  const pairs = pairFiles({
    hrDir: "hr", hrFiles: ["hr/a.png", "hr/baby.png", "hr/sub/c.png", "hr/lonely.png"],
    lrDir: "lr", lrFiles: ["lr/a.png", "lr/ax4.png", "lr/babyx4.png", "lr/sub/cx4.jpg", "lr/stray.png"],
    scale: 4, onSkip: (f) => skipped.push(f),
  });
  t.deepEqual(pairs, [{ hr: "hr/a.png", lr: "lr/a.png" }, { hr: "hr/baby.png", lr: "lr/babyx4.png" }, { hr: "hr/sub/c.png", lr: "lr/sub/cx4.jpg" }]);
  t.deepEqual(skipped, ["hr/lonely.png", "lr/ax4.png", "lr/stray.png"]);
});

test("ByteBudgetCache: evicts least recently used past the byte budget; oversize values are not kept", (t) => {
  const cache = new ByteBudgetCache<string, Uint8Array>(10, (v) => v.byteLength);
  cache.set("a", new Uint8Array(4));
  cache.set("b", new Uint8Array(4));
  t.truthy(cache.get("a")); // a is now the most recently used
  cache.set("c", new Uint8Array(4)); // 12 > 10: evict b
  t.is(cache.get("b"), undefined);
  t.truthy(cache.get("a"));
  t.truthy(cache.get("c"));
  t.is(cache.bytes, 8);
  cache.set("big", new Uint8Array(11));
  t.is(cache.get("big"), undefined);
  t.is(cache.bytes, 8);
});

// ---------- the pipeline ----------

const SIZES = [[16, 12], [12, 16], [14, 14], [20, 10]] as const;

test("trainBatches: deterministic under a seed whatever the prefetch and timing; other seeds differ", async (t) => {
  const { dir } = await randomRgbSet(SIZES, 1);
  const base = { hrDir: dir, makeLr: boxMakeLr, scale: 2, patch: 3, batchSize: 4, seed: 11, onSkip: () => {} };
  const a = await collect({ ...base, prefetch: 1 }, 5);
  const b = await collect({ ...base, prefetch: 4, cacheBytes: 0 }, 5, 3);
  const c = await collect({ ...base, seed: 12 }, 5);
  t.deepEqual(a.map((x) => x.index), [0, 1, 2, 3, 4]);
  t.true(sameBatches(a, b), "same seed, different prefetch / cache / timing");
  t.false(a.some((x, i) => sameArray(x.lr, c[i].lr)), "a different seed gives different batches");
  t.is(a[0].lr.length, 4 * 3 * 3 * 3);
  t.is(a[0].hr.length, 4 * 6 * 6 * 3);
  t.false(sameArray(a[0].lr, a[1].lr), "consecutive batches differ");
});

test("trainBatches: startBatch = k reproduces batches k, k+1, ... of an uninterrupted run", async (t) => {
  const { dir } = await randomRgbSet(SIZES, 2);
  const base = { hrDir: dir, makeLr: boxMakeLr, scale: 2, patch: 4, batchSize: 3, seed: 5, onSkip: () => {} };
  const full = await collect(base, 7);
  const resumed = await collect({ ...base, startBatch: 4 }, 3);
  t.deepEqual(resumed.map((x) => x.index), [4, 5, 6]);
  t.true(sameBatches(full.slice(4), resumed));
});

test("trainBatches: LR crops are aligned with HR crops through every flip/transpose, all 8 of which occur", async (t) => {
  const { dir, images } = await randomRgbSet(SIZES, 3);
  const s = 2;
  const p = 3;
  const lrOf = new Map([...images].map(([f, img]) => [f, boxDown(img, s)]));
  const batches = await collect({ hrDir: dir, makeLr: boxMakeLr, scale: s, patch: p, batchSize: 8, seed: 21, onSkip: () => {} }, 16);
  const seen = new Set<number>();
  const positions = new Set<string>();
  let checked = 0;
  for (const batch of batches) {
    for (let b = 0; b < batch.batchSize; b++) {
      const { lr, hr } = samplePatches(batch, b);
      // 1. box-downscaling the HR patch gives the LR patch (aligned, same symmetry).
      const hrDown = boxDown({ width: p * s, height: p * s, data: new Float32Array(flat(hr)) }, s);
      const lrFlat = flat(lr);
      t.true(lrFlat.every((v, i) => Math.abs(v - hrDown.data[i]) < 1e-6), `sample ${b} of batch ${batch.index}: LR is the box-downscale of HR`);
      // 2. the patches are a real crop of the file at some (y, x), under one of the 8 symmetries.
      const hrImg = images.get(batch.files[b])!;
      const lrImg = lrOf.get(batch.files[b])!;
      let found = 0;
      for (let y = 0; y + p <= lrImg.height; y++) for (let x = 0; x + p <= lrImg.width; x++) for (let sym = 0; sym < 8; sym++) {
        if (!sameArray(flat(transform(patchOf(lrImg, y, x, p), sym)), lrFlat)) continue;
        found++;
        seen.add(sym);
        positions.add(`${batch.files[b]}@${y},${x}`);
        t.deepEqual(flat(transform(patchOf(hrImg, y * s, x * s, p * s), sym)), flat(hr));
      }
      t.is(found, 1, "exactly one crop and symmetry of the source matches");
      checked++;
    }
  }
  t.is(checked, 128);
  t.is(seen.size, 8, "all 8 flip/transpose combinations occur");
  t.true(positions.size > 40, `crops spread over positions (${positions.size})`);
  t.is(new Set(batches.flatMap((b) => b.files)).size, SIZES.length, "every image is drawn");
});

test("trainBatches: a corrupt .png and a .txt are reported and skipped; the stream goes on", async (t) => {
  const { dir, images } = await randomRgbSet(SIZES.slice(0, 2), 4);
  await writeFile(join(dir, "broken.png"), randomBytesSeeded(300, 9));
  await writeFile(join(dir, "readme.txt"), "not an image");
  await writeFile(join(dir, "tiny.png"), await sharp({ create: { width: 4, height: 4, channels: 3, background: "#808080" } }).png().toBuffer());
  const skips: [string, string][] = [];
  const batches = await collect({ hrDir: dir, makeLr: boxMakeLr, scale: 2, patch: 3, batchSize: 4, seed: 1, onSkip: (f, why) => skips.push([f, why]) }, 6);
  t.is(batches.length, 6);
  t.true(batches.every((b) => b.files.every((f) => images.has(f))), "only the good images are used");
  const reported = skips.map(([f]) => f).sort();
  t.deepEqual(reported, [join(dir, "broken.png"), join(dir, "readme.txt"), join(dir, "tiny.png")], "each reported once");
  t.regex(skips.find(([f]) => f.endsWith("tiny.png"))![1], /4x4.*2x2.*3x3/);
  // Skipped files are redrawn deterministically: another prefetch, no cache, same batches.
  const again = await collect({ hrDir: dir, makeLr: boxMakeLr, scale: 2, patch: 3, batchSize: 4, seed: 1, prefetch: 3, cacheBytes: 0, onSkip: () => {} }, 6, 2);
  t.true(sameBatches(batches, again));
});

test("trainBatches: bounded prefetch holds with a slow consumer (batches and decodes)", async (t) => {
  const { dir } = await randomRgbSet(SIZES, 5);
  const prefetch = 2;
  const B = 2;
  let produced = 0;
  let acked = 0;
  let maxAhead = 0;
  let decodes = 0;
  let maxDecodesOverBound = -Infinity;
  const makeLr = (hr: RgbImage, s: number): RgbImage => {
    decodes++;
    maxDecodesOverBound = Math.max(maxDecodesOverBound, decodes - (acked + prefetch) * B);
    return boxDown(hr, s);
  };
  const done$ = new Subject<void>();
  const got = await lastValueFrom(trainBatches({ hrDir: dir, makeLr, scale: 2, patch: 3, batchSize: B, seed: 3, prefetch, cacheBytes: 0, demand: done$, onSkip: () => {} }).pipe(
    tap(() => { produced++; maxAhead = Math.max(maxAhead, produced - acked); }),
    concatMap(async (b) => {
      // A slow consumer: it waits until the producer has filled its window (or 2 s), then a little more, then acknowledges.
      const since = Date.now();
      while (produced - acked < prefetch && Date.now() - since < 2000) await sleep(2);
      await sleep(10);
      acked++;
      done$.next();
      return b;
    }),
    take(8),
    toArray(),
  ));
  t.is(got.length, 8);
  t.is(maxAhead, prefetch, "the producer runs exactly prefetch batches ahead, no more");
  t.true(maxDecodesOverBound <= 0, `decodes never exceed (acked + prefetch) * B (worst excess ${maxDecodesOverBound})`);
  // With no acknowledgement at all, exactly `prefetch` batches come.
  const silent$ = new Subject<void>();
  const seen: number[] = [];
  let third: () => void = () => {};
  const gotThree = new Promise<void>((r) => { third = r; });
  const sub = trainBatches({ hrDir: dir, makeLr: boxMakeLr, scale: 2, patch: 3, batchSize: B, seed: 3, prefetch: 3, demand: silent$, onSkip: () => {} })
    .subscribe((b) => { seen.push(b.index); if (seen.length === 3) third(); });
  await gotThree;
  await sleep(100);
  sub.unsubscribe();
  t.deepEqual(seen, [0, 1, 2]);
});

test("trainBatches: a small set is decoded once and then served from the cache; demand completing completes the stream", async (t) => {
  const { dir } = await randomRgbSet(SIZES, 6);
  const counted = countingMakeLr();
  const done$ = new Subject<void>();
  let n = 0;
  const all = await lastValueFrom(trainBatches({ hrDir: dir, makeLr: counted.makeLr, scale: 2, patch: 3, batchSize: 4, seed: 8, demand: done$, onSkip: () => {} }).pipe(
    tap(() => { if (++n === 10) done$.complete(); else done$.next(); }),
    toArray(),
  ));
  t.true(all.length >= 10 && all.length <= 12, `completes after the batches already started (${all.length})`);
  t.is(counted.calls(), SIZES.length, "each image decoded (and downscaled) exactly once");
});

test("trainBatches: gray and RGBA inputs come out as RGB (gray replicated, alpha dropped)", async (t) => {
  const dir = await freshDir();
  const w = 8;
  const h = 8;
  const gray = randomBytesSeeded(w * h, 31);
  const rgba = randomBytesSeeded(w * h * 4, 32);
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 10 + (i % 200); // alpha well away from 255
  await writeRaw(join(dir, "gray.png"), w, h, 1, gray);
  await writeRaw(join(dir, "rgba.png"), w, h, 4, rgba);
  const rgbOfRgba = new Uint8Array(w * h * 3);
  for (let p = 0; p < w * h; p++) for (let c = 0; c < 3; c++) rgbOfRgba[p * 3 + c] = rgba[p * 4 + c];
  const rgbOfGray = new Uint8Array(w * h * 3);
  for (let p = 0; p < w * h; p++) for (let c = 0; c < 3; c++) rgbOfGray[p * 3 + c] = gray[p];
  const expected = new Map([[join(dir, "gray.png"), rgbFromBytes(w, h, rgbOfGray)], [join(dir, "rgba.png"), rgbFromBytes(w, h, rgbOfRgba)]]);
  const batches = await collect({ hrDir: dir, makeLr: boxMakeLr, scale: 2, patch: 2, batchSize: 6, seed: 4, onSkip: () => {} }, 3);
  const kinds = new Set<string>();
  for (const batch of batches) for (let b = 0; b < batch.batchSize; b++) {
    const { hr } = samplePatches(batch, b);
    const src = expected.get(batch.files[b])!;
    kinds.add(batch.files[b]);
    let matches = 0;
    for (let y = 0; y + 4 <= h; y += 2) for (let x = 0; x + 4 <= w; x += 2) for (let sym = 0; sym < 8; sym++) {
      if (sameArray(flat(transform(patchOf(src, y, x, 4), sym)), flat(hr))) matches++;
    }
    t.true(matches >= 1, `${batch.files[b]} sample is a crop of its RGB`);
  }
  t.is(kinds.size, 2);
});

test("trainBatches: an empty folder, or one with no usable image, errors with NoReadableImagesError naming it", async (t) => {
  const empty = await freshDir();
  await writeFile(join(empty, "notes.txt"), "x");
  const err = await t.throwsAsync(collect({ hrDir: empty, makeLr: boxMakeLr, scale: 2, patch: 3, batchSize: 2, seed: 1, onSkip: () => {} }, 1), { instanceOf: NoReadableImagesError });
  t.true(err!.message.includes(empty));
  const broken = await freshDir();
  await writeFile(join(broken, "a.png"), randomBytesSeeded(100, 1));
  await writeFile(join(broken, "b.jpg"), randomBytesSeeded(100, 2));
  const skipped: string[] = [];
  const err2 = await t.throwsAsync(collect({ hrDir: broken, makeLr: boxMakeLr, scale: 2, patch: 3, batchSize: 2, seed: 1, onSkip: (f) => skipped.push(f) }, 1), { instanceOf: NoReadableImagesError });
  t.true(err2!.message.includes(broken));
  t.deepEqual(skipped.sort(), [join(broken, "a.png"), join(broken, "b.jpg")]);
});

test("trainBatches: bad options throw DataOptionsError when the pipeline is created", (t) => {
  const demand = new Subject<void>();
  const ok = { hrDir: "x", makeLr: boxMakeLr, scale: 2, patch: 3, batchSize: 2, seed: 1, demand };
  t.notThrows(() => trainBatches(ok));
  for (const bad of [{ patch: 0 }, { scale: 1.5 }, { batchSize: -1 }, { seed: Number.NaN }, { prefetch: 0 }, { startBatch: -2 }, { cacheBytes: -1 }, { hrDir: "" }]) {
    const err = t.throws(() => trainBatches({ ...ok, ...bad } as TrainBatchesOptions), { instanceOf: DataOptionsError });
    t.true(err!.message.includes(Object.keys(bad)[0] === "startBatch" ? "startBatch" : Object.keys(bad)[0]));
  }
  t.throws(() => trainBatches({ ...ok, lrDir: "y" } as unknown as TrainBatchesOptions), { instanceOf: DataOptionsError, message: /makeLr \/ lrDir/ });
});

test("trainBatches paired mode: LR from a folder (babyx2.png naming), aligned with HR; mismatched sizes skipped", async (t) => {
  const hrDir = await freshDir();
  const lrDir = await freshDir();
  const s = 2;
  const hrBytes = randomBytesSeeded(13 * 11 * 3, 41); // 13x11: HR cropped to 12x10
  await writeRaw(join(hrDir, "baby.png"), 13, 11, 3, hrBytes);
  const hrCropped = rgbFromBytes(12, 10, new Uint8Array(Array.from({ length: 10 }, (_, y) => [...hrBytes.subarray(y * 13 * 3, (y * 13 + 12) * 3)]).flat()));
  const lrTrue = boxDown(hrCropped, s);
  await writeRaw(join(lrDir, "babyx2.png"), 6, 5, 3, Uint8Array.from(lrTrue.data, (v) => Math.round(v * 255)));
  await writeRaw(join(hrDir, "odd.png"), 12, 12, 3, randomBytesSeeded(12 * 12 * 3, 42));
  await writeRaw(join(lrDir, "odd.png"), 5, 5, 3, randomBytesSeeded(5 * 5 * 3, 43)); // should be 6x6
  const skips: [string, string][] = [];
  const batches = await collect({ hrDir, lrDir, scale: s, patch: 3, batchSize: 4, seed: 2, onSkip: (f, why) => skips.push([f, why]) }, 3);
  t.deepEqual(skips.map(([f]) => f), [join(hrDir, "odd.png")]);
  t.regex(skips[0][1], /12x12.*5x5/);
  for (const batch of batches) for (let b = 0; b < batch.batchSize; b++) {
    t.is(batch.files[b], join(hrDir, "baby.png"));
    const { lr, hr } = samplePatches(batch, b);
    const down = boxDown({ width: 6, height: 6, data: new Float32Array(flat(hr)) }, s);
    t.true(flat(lr).every((v, i) => Math.abs(v - down.data[i]) <= 0.5 / 255 + 1e-6), "LR file pixels are the 8-bit rounding of the HR box average");
  }
});

test("loadValidationPairs: whole images, HR cropped to a multiple of the scale, LR from makeLr, EXIF orientation applied", async (t) => {
  const dir = await freshDir();
  const bytes = randomBytesSeeded(13 * 11 * 3, 51);
  await writeRaw(join(dir, "b.png"), 13, 11, 3, bytes);
  // 16 wide, 8 high, EXIF orientation 6 (rotate 90 degrees clockwise to display): reads as 8 wide, 16 high.
  await sharp(Buffer.from(randomBytesSeeded(16 * 8 * 3, 52)), { raw: { width: 16, height: 8, channels: 3 } }).withMetadata({ orientation: 6 }).jpeg().toFile(join(dir, "a.jpg"));
  await writeFile(join(dir, "c.png"), randomBytesSeeded(64, 53));
  const skipped: string[] = [];
  const pairs = await loadValidationPairs(dir, 2, boxDown, { onSkip: (f) => skipped.push(f) });
  t.deepEqual(pairs.map((p) => p.name), ["a", "b"]);
  t.deepEqual(skipped, [join(dir, "c.png")]);
  t.deepEqual([pairs[0].hr.width, pairs[0].hr.height], [8, 16]);
  const b = pairs[1];
  t.deepEqual([b.hr.width, b.hr.height, b.lr.width, b.lr.height], [12, 10, 6, 5]);
  const topLeft = new Float32Array(12 * 10 * 3);
  for (let y = 0; y < 10; y++) for (let x = 0; x < 12; x++) for (let c = 0; c < 3; c++) topLeft[(y * 12 + x) * 3 + c] = bytes[(y * 13 + x) * 3 + c] * (1 / 255);
  t.true(sameArray(b.hr.data, topLeft), "HR is the top-left 12x10 of the file");
  t.true(sameArray(b.lr.data, boxDown(b.hr, 2).data));
  await t.throwsAsync(loadValidationPairs(await freshDir(), 2, boxDown), { instanceOf: NoReadableImagesError });
});

test("trainBatches: unsubscribing early stops the production", async (t) => {
  const { dir } = await randomRgbSet(SIZES, 7);
  const counted = countingMakeLr();
  const done$ = new Subject<void>();
  const first = await firstValueFrom(trainBatches({ hrDir: dir, makeLr: counted.makeLr, scale: 2, patch: 3, batchSize: 2, seed: 9, cacheBytes: 0, prefetch: 1, demand: done$, onSkip: () => {} }));
  t.is(first.index, 0);
  const calls = counted.calls();
  t.true(calls >= 2);
  done$.next();
  await new Promise((r) => setTimeout(r, 50));
  t.is(counted.calls(), calls, "no decoding after the subscriber left");
});
