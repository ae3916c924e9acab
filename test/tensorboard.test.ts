/**
 * TensorBoard event files: CRC-32C against published vectors, the writer read back by an independent
 * reader (test/helpers/tfevents-reader.ts: framing, both masked CRCs, the protobuf decoded by hand),
 * and a training run's OUT/tb: loss and validation scalars at the right steps, crops as images,
 * the graph as text, a resumed run in a second file.
 */
import test from "ava";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastValueFrom, toArray } from "rxjs";
import sharp from "sharp";
import { useBackend } from "../src/backend/index.js";
import { crc32c, createEventFileWriter, frameRecord, maskedCrc32c } from "../src/tensorboard/index.js";
import { METRICS_FILE, resume, train, type TrainEvent } from "../src/train/index.js";
import { readEventFile, readRecords, scalars, type ReadEvent } from "./helpers/tfevents-reader.js";
import { tinyImageFolder, tinySpec } from "./helpers/tiny-training.js";

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const f32 = (x: number) => Math.fround(x);

test("CRC-32C of the published check value and RFC 3720's vectors", (t) => {
  t.is(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
  t.is(crc32c(new Uint8Array(0)), 0);
  t.is(crc32c(new Uint8Array(32)), 0x8a9136aa);
  t.is(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  t.is(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  t.is(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
  // The mask: rotate right by 15, add 0xa282ead8 (TensorFlow's crc32c::Mask).
  const c = 0xe3069283;
  t.is(maskedCrc32c(new TextEncoder().encode("123456789")), ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) % 2 ** 32);
});

test("a TFRecord frame: length, its masked CRC, the data, its masked CRC; the reader rejects a flipped bit in either", (t) => {
  const data = new TextEncoder().encode("hello, tensorboard");
  const frame = frameRecord(data);
  t.is(frame.length, 8 + 4 + data.length + 4);
  t.deepEqual(readRecords(frame), [data]);
  const badData = frame.slice(); badData[14] ^= 1;
  t.throws(() => readRecords(badData), { message: /record 0: bad data CRC/ });
  const badLength = frame.slice(); badLength[11] ^= 0x80;
  t.throws(() => readRecords(badLength), { message: /record 0: bad length CRC/ });
});

test("the writer's scalars, image and text come back through the independent reader", async (t) => {
  const dir = tmp("pcl-tb-");
  const w = createEventFileWriter(dir);
  const png = await sharp({ create: { width: 6, height: 2, channels: 3, background: "#ff8000" } }).png().toBuffer();
  w.add(10, [{ tag: "loss/l1", scalar: 0.125 }, { tag: "lr/G", scalar: 1e-4 }], 1_700_000_000.5);
  w.add(20, [{ tag: "val/crops/0-baby", png, width: 6, height: 2 }, { tag: "graph/spec", text: "# tiny\n\nλ = 0.1" }]);
  t.throws(() => w.add(-1, []), { instanceOf: RangeError });
  w.close();
  t.throws(() => w.add(30, []), { message: /closed/ });
  const files = readdirSync(dir);
  t.is(files.length, 1);
  t.regex(files[0], /^events\.out\.tfevents\.\d{10}\..+\.\d+\.\d+$/);
  const events = readEventFile(join(dir, files[0]));
  t.is(events.length, 3);
  t.is(events[0].fileVersion, "brain.Event:2");
  t.deepEqual(events[1], { wallTime: 1_700_000_000.5, step: 10, values: [{ tag: "loss/l1", kind: "scalar", value: 0.125 }, { tag: "lr/G", kind: "scalar", value: f32(1e-4) }] });
  t.is(events[2].step, 20);
  t.true(Math.abs(events[2].wallTime - Date.now() / 1000) < 60);
  const [image, text] = events[2].values;
  t.like(image, { tag: "val/crops/0-baby", kind: "image", width: 6, height: 2, colorspace: 3 });
  t.deepEqual(Buffer.from((image as { png: Uint8Array }).png), png);
  t.deepEqual(text, { tag: "graph/spec", kind: "text", plugin: "text", text: "# tiny\n\nλ = 0.1" });
  // Two writers in one folder never share a file.
  createEventFileWriter(dir).close();
  t.is(readdirSync(dir).length, 2);
});

const tbEvents = (out: string): ReadEvent[][] => readdirSync(join(out, "tb")).sort().map((f) => readEventFile(join(out, "tb", f)));

test.serial("a training run writes OUT/tb: every loss term, lr, grad norm, speed per logged step; val/psnr, val/ssim and the crops at each validation; the graph as text; a resume adds a file", async (t) => {
  await useBackend("cpu");
  const data = await tinyImageFolder(3, 24);
  const out = join(tmp("pcl-tb-run-"), "run");
  const events: TrainEvent[] = await lastValueFrom(train(tinySpec({ iterations: 4, validateEvery: 2 }), { data, val: data, out }).pipe(toArray()));
  const [first] = tbEvents(out);
  t.is(first[0].fileVersion, "brain.Event:2");
  const steps = events.filter((e): e is Extract<TrainEvent, { type: "step" }> => e.type === "step");
  t.deepEqual(scalars(first, "loss/l1"), steps.map((e) => [e.iteration + 1, f32(e.terms.l1)]));
  t.deepEqual(scalars(first, "loss/infoNce"), steps.map((e) => [e.iteration + 1, f32(e.terms.infoNce)]));
  // InfoNCE per tap: the term is their mean with the loss's tap weights.
  const term = tinySpec().losses.generator.terms[1].loss;
  const taps = term.kind === "infoNce" ? term.taps : [];
  const weights = term.kind === "infoNce" ? term.tapWeights : [];
  t.deepEqual(taps, [0, 1]);
  for (const e of steps) {
    const perTap = taps.map((k) => e.terms[`infoNce/tap${k}`]);
    t.true(Math.abs(perTap.reduce((s, v, i) => s + v * weights[i], 0) - e.terms.infoNce) < 1e-5);
  }
  t.deepEqual(scalars(first, "loss/infoNce/tap1"), steps.map((e) => [e.iteration + 1, f32(e.terms["infoNce/tap1"])]));
  t.deepEqual(scalars(first, "loss/G"), steps.map((e) => [e.iteration + 1, f32(e.generator)]));
  t.deepEqual(scalars(first, "loss/D"), steps.map((e) => [e.iteration + 1, f32(e.discriminator!)]));
  t.deepEqual(scalars(first, "lr/G"), steps.map((e) => [e.iteration + 1, f32(1e-3)]));
  t.deepEqual(scalars(first, "lr/E"), steps.map((e) => [e.iteration + 1, f32(1e-3)]));
  t.deepEqual(scalars(first, "grad_norm/G").map(([s]) => s), [1, 2, 3, 4]);
  t.true(scalars(first, "speed/it_per_s").every(([, v]) => v > 0));
  // Validation scores: the metrics file's, at its iterations.
  const metrics = readFileSync(join(out, METRICS_FILE), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { type: string; iteration: number; psnr: number; ssim: number });
  const vals = metrics.filter((m) => m.type === "validation");
  t.deepEqual(scalars(first, "val/psnr"), vals.map((v) => [v.iteration, f32(v.psnr)]));
  t.deepEqual(scalars(first, "val/ssim"), vals.map((v) => [v.iteration, f32(v.ssim)]));
  t.deepEqual(vals.map((v) => v.iteration), [2, 4]);
  // Three crops per validation, each bicubic | SR | HR: 3 x 24 wide, 24 high (the 24 px images are smaller than the 96 px window).
  for (const step of [2, 4]) {
    const images = first.filter((e) => e.step === step).flatMap((e) => e.values.filter((v) => v.kind === "image"));
    t.deepEqual(images.map((v) => v.tag), ["val/crops/0-img0", "val/crops/1-img1", "val/crops/2-img2"]);
    for (const v of images) {
      if (v.kind !== "image") continue;
      t.like(v, { width: 72, height: 24 });
      const meta = await sharp(Buffer.from(v.png)).metadata();
      t.deepEqual([meta.format, meta.width, meta.height], ["png", 72, 24]);
    }
  }
  const strip = await sharp(join(out, "val", "4", "0-img0-strip.png")).raw().toBuffer();
  const hr = await sharp(join(out, "val", "4", "0-img0-hr.png")).raw().toBuffer();
  t.deepEqual(strip.subarray(48 * 3, 72 * 3), hr.subarray(0, 24 * 3), "the strip's right third is the HR crop");
  const texts = first.flatMap((e) => e.values.filter((v) => v.kind === "text"));
  t.deepEqual(texts.map((v) => v.tag), ["run/recipe", "graph/summary", "graph/spec"]);
  t.regex((texts[1] as { text: string }).text, /generator.*parameters/);
  t.regex((texts[2] as { text: string }).text, /"name": "tiny"/);

  // A resumed run: a second file, its steps after the first's.
  await lastValueFrom(resume(out, { data, val: data, spec: tinySpec({ iterations: 6, validateEvery: 2 }) }).pipe(toArray()));
  const segments = tbEvents(out);
  t.is(segments.length, 2);
  t.deepEqual(scalars(segments[0], "loss/l1").map(([s]) => s), [1, 2, 3, 4], "the first file is left as it was");
  t.deepEqual(scalars(segments[1], "loss/l1").map(([s]) => s), [5, 6]);
  t.deepEqual(scalars(segments[1], "val/psnr").map(([s]) => s), [6]);
});

test.serial("tensorboard: false writes no event file; a bad value is refused at the call", async (t) => {
  t.throws(() => train(tinySpec(), { tensorboard: "yes" as unknown as boolean }), { message: /'tensorboard' must be a boolean/ });
  await useBackend("cpu");
  const out = join(tmp("pcl-tb-off-"), "run");
  await lastValueFrom(train(tinySpec({ iterations: 1 }), { data: await tinyImageFolder(2, 24), val: null, out, tensorboard: false }).pipe(toArray()));
  t.false(existsSync(join(out, "tb")));
  t.true(existsSync(join(out, METRICS_FILE)));
});
