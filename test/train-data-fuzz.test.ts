import test from "ava";
import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { lastValueFrom, Subject, take, tap, toArray } from "rxjs";
import type { RgbImage } from "../src/io/image.js";
import { NoReadableImagesError, openTrainingImages, trainBatches, type TrainPair } from "../src/pipelines/data/index.js";
import { writeMalformedCorpus, type CorpusCase } from "./helpers/malformed-images.js";

/** 2x box downsampling (an independent makeLr). */
const boxLr = (hr: RgbImage, s: number): RgbImage => {
  const w = hr.width / s, h = hr.height / s, data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    let sum = 0;
    for (let dy = 0; dy < s; dy++) for (let dx = 0; dx < s; dx++) sum += hr.data[((y * s + dy) * hr.width + x * s + dx) * 3 + c];
    data[(y * w + x) * 3 + c] = sum / (s * s);
  }
  return { width: w, height: h, data };
};

const within = <T>(ms: number, p: Promise<T>, what: string): Promise<T> => new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms (a hang)`)), ms);
  p.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e); });
});

let corpus: CorpusCase[];
let dir: string;
test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "pcl-fuzz-"));
  corpus = await writeMalformedCorpus(dir);
});

test("the training data loader, fed 200+ generated malformed and unusual files: no crash, no hang, every valid file loaded, every invalid one reported once", async (t) => {
  t.true(corpus.length >= 200, `${corpus.length} cases`);
  const reports = new Map<string, string[]>();
  const images = await openTrainingImages({
    hrDir: dir, scale: 2, minLrSize: 4, makeLr: boxLr, cacheBytes: 0,
    onSkip: (file, reason) => reports.set(file, [...(reports.get(file) ?? []), reason]),
  });
  const loaded = new Map<string, TrainPair>();
  for (let i = 0; i < images.count; i++) {
    // Each file twice: the second load must neither decode a rejected file again nor report it again.
    for (let again = 0; again < 2; again++) {
      const pair = await within(10_000, images.load(i), `image ${i}`);
      if (pair) loaded.set(pair.file, pair);
    }
  }
  const byFile = new Map(corpus.map((c) => [c.file, c]));
  t.deepEqual([...reports.keys(), ...loaded.keys()].filter((f) => !byFile.has(f)), [], "nothing outside the corpus");
  let valid = 0, invalid = 0, either = 0;
  for (const c of corpus) {
    const said = reports.get(c.file) ?? [];
    const pair = loaded.get(c.file);
    const label = `${basename(c.file)} (${c.what})`;
    t.true(said.length + (pair ? 1 : 0) === 1, `${label}: loaded ${pair ? "yes" : "no"}, reported ${said.length} times ${JSON.stringify(said)}`);
    if (c.expect === "valid") {
      valid++;
      t.truthy(pair, `${label} should load: ${said.join("; ")}`);
      if (!pair) continue;
      t.deepEqual([pair.hr.width, pair.hr.height], [...c.size!], `${label}: decoded size`);
      if (c.pixels) {
        let sum = 0;
        for (let i = 0; i < c.pixels.length; i++) sum += Math.abs(pair.hr.data[i] * 255 - c.pixels[i]);
        const mean = sum / c.pixels.length;
        t.true(mean <= c.tolerance! + 0.5, `${label}: mean difference ${mean.toFixed(2)} from the picture written (at most ${c.tolerance})`);
      }
    } else if (c.expect === "invalid") {
      invalid++;
      t.falsy(pair, `${label} should be reported`);
      t.true(said.every((r) => r.length > 10), `${label}: a reason, got ${JSON.stringify(said)}`);
    } else either++;
    if (pair) {
      t.true(pair.hr.data.every((v) => v >= 0 && v <= 1) && pair.lr.data.every(Number.isFinite), `${label}: finite pixels in [0, 1]`);
      t.deepEqual([pair.lr.width * 2, pair.lr.height * 2], [pair.hr.width, pair.hr.height]);
    }
  }
  t.log(`decoded whole despite damage: ${corpus.filter((c) => c.expect === "either" && loaded.has(c.file)).map((c) => basename(c.file)).join(" ")}`);
  t.log(`${corpus.length} files: ${valid} valid, ${invalid} invalid, ${either} truncated or bit-flipped (${[...loaded.keys()].filter((f) => byFile.get(f)?.expect === "either").length} of them still decoded whole)`);
  t.true(valid >= 25 && invalid >= 20);
  t.is(images.rejected.length, reports.size, "the loader's own record of rejections matches what it reported");

  // The batch stream over the same folder goes on, drawing only from what loaded.
  const demand = new Subject<void>();
  const batches = await within(30_000, lastValueFrom(trainBatches({ hrDir: dir, makeLr: boxLr, scale: 2, patch: 4, batchSize: 8, seed: 3, demand, onSkip: () => {} })
    .pipe(tap(() => demand.next()), take(4), toArray())), "batches");
  t.is(batches.length, 4);
  for (const b of batches) for (const f of b.files) t.true(loaded.has(f), `${f} in a batch`);
});

test("a data folder with no usable image is an error that lists each file and why it was rejected", async (t) => {
  const poisoned = join(mkdtempSync(join(tmpdir(), "pcl-fuzz-bad-")), "data");
  mkdirSync(poisoned);
  const bad = corpus.filter((c) => c.expect === "invalid");
  for (const c of bad) copyFileSync(c.file, join(poisoned, basename(c.file)));
  const demand = new Subject<void>();
  const err = await within(30_000, lastValueFrom(trainBatches({ hrDir: poisoned, makeLr: boxLr, scale: 2, patch: 4, batchSize: 2, seed: 1, demand, onSkip: () => {} })), "no usable image")
    .then(() => undefined, (e: unknown) => e);
  t.true(err instanceof NoReadableImagesError, String(err));
  const e = err as NoReadableImagesError;
  const images = bad.filter((c) => !c.listing).length;
  t.true(e.message.startsWith(`${poisoned}: no usable image (${images} image files, all rejected); each file and why:\n`), e.message.split("\n")[0]);
  t.deepEqual(e.rejected.map((r) => basename(r.file)).sort(), bad.map((c) => basename(c.file)).sort(), "every file once");
  for (const r of e.rejected) t.true(e.message.includes(`\n  ${r.file}: ${r.reason}`));
  t.regex(e.message, /bomb\.png: cannot read as an image \(.*pixel limit/i);
  t.regex(e.message, /empty\.png: cannot read as an image \(an empty file \(0 bytes\)\)/);
  t.regex(e.message, /image\.txt: '\.txt' is not an image extension/);
  t.regex(e.message, /flat\.png: decodes to one flat colour/);

  const none = mkdtempSync(join(tmpdir(), "pcl-fuzz-none-"));
  copyFileSync(join(dir, "README"), join(none, "README"));
  const err2 = await lastValueFrom(trainBatches({ hrDir: none, makeLr: boxLr, scale: 2, patch: 4, batchSize: 2, seed: 1, demand, onSkip: () => {} })).then(() => undefined, (x: unknown) => x as Error);
  t.regex(String(err2?.message), /no image files found \(looked for .*\); the files there were rejected:\n {2}.*README: '\(no extension\)' is not an image extension/);
});
