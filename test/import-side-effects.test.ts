/**
 * Importing any of the six entry points changes no process state: no tfjs backend, kernel or
 * gradient registered, no global, no process listener, no native addon loaded, no environment
 * variable set. Only `useBackend()` (called by the library's entry functions when none was chosen)
 * registers a backend and gradients, and the native addon's allocator settings come with selecting
 * native. Checked on the sources here, in a fresh process, one entry point after another;
 * test/package.test.ts checks the build.
 */
import test from "ava";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

/** The addon tunes glibc's allocator (mallopt): on glibc, unless PCL_NATIVE_MALLOC_TUNE=0. */
const tunesAllocator = typeof (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime === "string" && process.env.PCL_NATIVE_MALLOC_TUNE !== "0";

const ROOT = new URL("..", import.meta.url).pathname;
const ENTRIES = ["pcl-stream", "pcl-stream/train", "pcl-stream/eval", "pcl-stream/serve", "pcl-stream/ops", "pcl-stream/backend"];

const PROBE = `
import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
const state = () => ({
  backends: Object.keys(tf.engine().registryFactory),
  kernels: globalThis._tfGlobals?.get("kernelRegistry")?.size ?? 0,
  gradients: globalThis._tfGlobals?.get("gradRegistry")?.size ?? 0,
  globals: Object.keys(globalThis).sort(),
  listeners: ["exit", "SIGINT", "SIGTERM", "uncaughtException", "unhandledRejection", "beforeExit", "warning"].map((e) => process.listenerCount(e)),
  addons: Object.keys(createRequire(import.meta.url).cache).filter((k) => k.endsWith(".node")),
  env: Object.keys(process.env).sort(),
});
const before = state();
// One entry after another, the state compared after each: the first that changes anything is named.
const afterImport = {};
for (const entry of process.argv.slice(1)) {
  await import(entry);
  afterImport[entry] = state();
}
const { useBackend } = await import("pcl-stream/backend");
const choice = await useBackend();
const afterUse = state();
console.log(JSON.stringify({ before, afterImport, afterUse, choice }));
`;

async function probe(entries: readonly string[]) {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import=tsx", "--conditions=pcl-stream-source", "--input-type=module", "-e", PROBE, ...entries], { cwd: ROOT });
  return JSON.parse(stdout) as {
    before: { backends: string[]; kernels: number; gradients: number; addons: string[] };
    afterImport: Record<string, unknown>;
    afterUse: { backends: string[]; kernels: number; gradients: number; addons: string[] };
    choice: { name: string; allocatorTuned: boolean };
  };
}

test("importing each entry point changes no process state; useBackend() is what registers the backend, kernels and pcl-stream's gradients (and, for native, loads the addon and tunes the allocator)", async (t) => {
  const r = await probe(ENTRIES);
  for (const entry of ENTRIES) t.deepEqual(r.afterImport[entry], r.before, `importing ${entry}`);
  t.deepEqual([r.before.backends, r.before.kernels, r.before.gradients], [[], 0, 0]);
  t.true(r.afterUse.backends.includes(r.choice.name === "tensorflow-gpu" ? "tensorflow" : r.choice.name));
  t.true(r.afterUse.kernels > 0 && r.afterUse.gradients > 0);
  const nativeLoaded = r.afterUse.addons.some((a) => a.endsWith("pcl_native.node"));
  t.is(nativeLoaded, r.choice.name === "native");
  t.is(r.choice.allocatorTuned, r.choice.name === "native" && tunesAllocator);
});
