/**
 * The memory plan against the kernel's count: the estimate at the start of a run and the peak RSS
 * of that run (a fresh process, 2 contrastive iterations of edsr-tiny at two batch sizes) agree
 * within 25%. EDSR baseline and RCAN at batch 2 and 4: `npm run bench -- --only memory-plan`.
 */
import test from "ava";
import { registerNativeBackend } from "../src/backend/native/index.js";
import { measureConfig } from "../bench/memory-plan.js";

const run = registerNativeBackend().ok ? test : test.skip;

for (const batch of [8, 16]) {
  run(`edsr-tiny at batch ${batch}: the plan's estimate is within 25% of the run's peak RSS`, (t) => {
    const row = measureConfig("graphs/edsr-tiny.pcl.ts", batch, 24, "native");
    t.log(`estimate ${row.estimateGiB} GiB, peak RSS ${row.peakRssGiB} GiB (${row.recompute})`);
    t.true(row.ratio > 0.75 && row.ratio < 1.25, `measured / estimated = ${row.ratio}`);
  });
}
