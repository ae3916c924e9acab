import test from "ava";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { lastValueFrom, tap } from "rxjs";
import { selectBackend } from "../src/backend/select.js";
import { train } from "../src/train/index.js";
import { slope } from "../bench/soak-train.js";
import { tinyImageFolder, tinySpec } from "./helpers/tiny-training.js";

test.before(async () => { await selectBackend("cpu", { quiet: true }); });

test("a short soak: 150 training steps with checkpoints, logged and unlogged steps keep the live tensor count flat (the bench row soak-train runs 10,000)", async (t) => {
  const data = await tinyImageFolder(2, 24);
  const out = join(mkdtempSync(join(tmpdir(), "pcl-soak-")), "run");
  const counts: number[] = [];
  await lastValueFrom(train(tinySpec({ iterations: 150, validateEvery: 1000, logEvery: 3, warmup: 20 }), { data, val: null, out, backend: "cpu", metrics: false, checkpointEvery: { iterations: 40 } })
    .pipe(tap((e) => { if (e.type === "step" && e.iteration >= 30) counts.push(tf.memory().numTensors); })));
  t.true(counts.length >= 40);
  t.is(Math.max(...counts), Math.min(...counts), `live tensors ranged ${Math.min(...counts)} to ${Math.max(...counts)}`);
});

test("the soak's slope is a least-squares fit", (t) => {
  t.is(slope([[0, 1], [1, 3], [2, 5]]), 2);
  t.true(Math.abs(slope([[0, 0], [1, 1.2], [2, 1.8], [3, 3.1]]) - 0.99) < 1e-9);
});
