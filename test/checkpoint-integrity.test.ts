import test from "ava";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { selectBackend } from "../src/backend/select.js";
import { readCheckpoint, readCheckpointManifest } from "../src/checkpoint/load.js";
import { previousDir, saveCheckpoint } from "../src/checkpoint/save.js";
import { checkpointContent, createTrainingState, type TrainingState } from "../src/pipelines/train/training-state.js";
import { tinySpec } from "./helpers/tiny-training.js";

let state: TrainingState;
test.before(async () => {
  await selectBackend("cpu", { quiet: true });
  state = createTrainingState(tinySpec(), 3);
  state.iteration = 7;
});
test.after.always(() => state?.dispose());

const fresh = async (): Promise<string> => {
  const dir = join(mkdtempSync(join(tmpdir(), "pcl-ck-")), "latest");
  await saveCheckpoint(dir, checkpointContent(state, "cpu"));
  return dir;
};
const message = async (dir: string): Promise<string> => {
  const err = await readCheckpoint(dir).then(() => undefined, (e: unknown) => e as Error);
  if (!err) return "(loaded)";
  if (err.name !== "CheckpointError") throw err;
  return err.message;
};

test("a saved checkpoint records weights.bin's size and SHA-256 and its own digest, and loads back exactly", async (t) => {
  const dir = await fresh();
  const m = JSON.parse(readFileSync(join(dir, "checkpoint.json"), "utf8")) as Record<string, unknown>;
  const weights = readFileSync(join(dir, "weights.bin"));
  t.is(m.version, 2);
  t.is(m.weightsBytes, weights.byteLength);
  t.is(m.weightsSha256, createHash("sha256").update(weights).digest("hex"));
  const { manifestSha256, ...rest } = m;
  t.is(manifestSha256, createHash("sha256").update(JSON.stringify(rest)).digest("hex"));
  const ck = await readCheckpoint(dir);
  t.is(ck.manifest.iteration, 7);
  for (const [path, v] of state.generator.variables) t.deepEqual(Array.from(ck.values.get(path)!.values), Array.from(await v.data()));
  t.deepEqual(readdirSync(join(dir, "..")).sort(), ["latest"], "no temp or moved-aside folder left");
});

test("a truncated or bit-flipped weights.bin, or a missing one, fails naming weights.bin and what is wrong", async (t) => {
  const dir = await fresh();
  const file = join(dir, "weights.bin");
  const bytes = readFileSync(file);
  writeFileSync(file, bytes.subarray(0, bytes.byteLength - 10));
  t.regex(await message(dir), new RegExp(`${file}: ${bytes.byteLength - 10} bytes, but checkpoint.json records ${bytes.byteLength}: the file is truncated`));
  const flipped = Buffer.from(bytes);
  flipped[100] ^= 0x10;
  writeFileSync(file, flipped);
  t.regex(await message(dir), /weights\.bin: SHA-256 [0-9a-f]{12}\.\.\. does not match the [0-9a-f]{12}\.\.\. recorded in checkpoint\.json: the weights were changed or corrupted/);
  writeFileSync(file, Buffer.concat([bytes, Buffer.alloc(4)]));
  t.regex(await message(dir), /longer than written/);
  renameSync(file, `${file}.gone`);
  t.regex(await message(dir), /weights\.bin: unreadable \(missing; checkpoint\.json is there\)/);
});

test("an edited, truncated, newer or foreign checkpoint.json fails naming the file and what is wrong", async (t) => {
  const dir = await fresh();
  const file = join(dir, "checkpoint.json");
  const text = readFileSync(file, "utf8");
  writeFileSync(file, text.replace('"iteration":7', '"iteration":8'));
  t.regex(await message(dir), new RegExp(`${file}: its contents do not match the SHA-256 recorded in it .*edited or corrupted`));
  writeFileSync(file, text.slice(0, text.length >> 1));
  t.regex(await message(dir), /checkpoint\.json: not valid JSON \(.*\); the file is truncated or corrupted/);
  const m = JSON.parse(text) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...m, version: 99 }));
  t.regex(await message(dir), /checkpoint\.json: version 99 was written by a newer pcl-stream; this one reads versions 1 to 2/);
  writeFileSync(file, JSON.stringify({ format: "keras", modelTopology: {} }));
  t.regex(await message(dir), /checkpoint\.json: format 'keras', expected 'pcl-stream-checkpoint' \(not a pcl-stream checkpoint\)/);
  // The manifest API (what resume and compare read) refuses it the same way.
  await t.throwsAsync(readCheckpointManifest(dir), { message: /format 'keras'/ });

  const foreign = mkdtempSync(join(tmpdir(), "pcl-ck-foreign-"));
  writeFileSync(join(foreign, "model.json"), "{}");
  t.regex(await message(foreign), /no checkpoint\.json\); it holds a TensorFlow\.js model \(model\.json\): model\.json/);
  writeFileSync(join(foreign, "edsr_x4.pth"), "");
  t.regex(await message(join(foreign, "nowhere")), /nowhere: no such checkpoint folder/);
});

test("a version 1 checkpoint (no checksums) still loads, and its size is still checked", async (t) => {
  const dir = await fresh();
  const file = join(dir, "checkpoint.json");
  const { manifestSha256: _a, weightsSha256: _b, weightsBytes: _c, ...v1 } = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...v1, version: 1 }));
  t.is((await readCheckpoint(dir)).manifest.iteration, 7);
  const weights = join(dir, "weights.bin");
  writeFileSync(weights, readFileSync(weights).subarray(0, 64));
  t.regex(await message(dir), /weights\.bin: 64 bytes, but checkpoint\.json records \d+: the file is truncated/);
});

test("a swap cut between its renames loads from the moved-aside copy; the next save puts it back first and clears stale temp folders", async (t) => {
  const dir = await fresh();
  const parent = join(dir, "..");
  renameSync(dir, previousDir(dir));
  mkdirSync(join(parent, ".latest.tmp-deadbeef"));
  writeFileSync(join(parent, ".latest.tmp-deadbeef", "weights.bin"), "partial");
  t.is((await readCheckpoint(dir)).manifest.iteration, 7);
  state.iteration = 8;
  try {
    await saveCheckpoint(dir, checkpointContent(state, "cpu"));
  } finally {
    state.iteration = 7;
  }
  t.is((await readCheckpoint(dir)).manifest.iteration, 8);
  t.false(existsSync(previousDir(dir)));
  t.deepEqual(readdirSync(parent), ["latest"]);
});
