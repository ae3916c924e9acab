/**
 * The backend conformance suite's machinery (style.md section 7, "One test suite, every
 * backend"; tfjs's `describeWithFlags(name, ALL_ENVS, ...)`):
 *
 * - `backendEnvironment`: the backends present in this process, discovered once at import:
 *   `cpu` (always; the reference), `native` (pcl-stream's addon), `tensorflow-gpu` /
 *   `tensorflow` (when @tensorflow/tfjs-node(-gpu) imports), `webgpu` (when
 *   src/backend/webgpu.ts exists and finds an adapter). Each absent one comes with the reason.
 * - `forEachBackend(title, fn)`: one ava `test.serial` per present backend, titled
 *   `[backend] title`, that runs `fn` on that backend and compares every output with the same
 *   `fn` on cpu (computed once per title), and checks that `fn` leaves no tensor behind.
 *
 * The tfjs backend is process-global, so every test here is serial and sets its backend
 * itself. Tensors never cross backends: a case builds its inputs from seeds (`ctx.tensor`)
 * on the backend it runs on, and its outputs come back as numbers (`await t.data()`, never
 * dataSync, which a GPU backend refuses).
 *
 * Tolerance (`DEFAULT_TOLERANCE`): element i passes when
 *   |x_i - r_i| <= rtol * max(|r_i|, floor * max_j |r_j|) + atol
 * with rtol = 1e-3 (float32 on a GPU, issue #10), floor = 1e-2 and atol = 1e-7: relative
 * 1e-3 for every element at least 1% of the output's largest magnitude; smaller elements
 * (values that are near 0 by cancellation, where float32 round-off is relative to the terms
 * summed, not to the result) may differ by 1e-5 of that largest magnitude; an all-zero
 * output tolerates 1e-7. Both sides must be finite and of the same shape.
 *
 * Run one backend's share: `npx ava test/conformance-*.test.ts --match '[webgpu]*'` (its cpu
 * references are computed on demand).
 */
import test, { type ExecutionContext } from "ava";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { registerGradients } from "../../src/backend/gradients.js";
import { nativeInfo, registerNativeBackend } from "../../src/backend/native/index.js";
import { registerWebgpuBackend } from "../../src/backend/webgpu.js";
import { mulberry32 } from "../../src/compile/weights.js";

export { tf };

/** tfjs-core registers no gradients by itself in Node; pcl-stream's loader does (tfjs's own, then pcl-stream's replacements). */
async function loadGradients(): Promise<void> {
  await registerGradients();
}

/** Names as pcl-stream's `--backend` spells them, plus webgpu. */
export type ConformanceBackend = "cpu" | "native" | "tensorflow-gpu" | "tensorflow" | "webgpu";

export interface PresentBackend {
  readonly name: ConformanceBackend;
  /** The name tfjs registered it under (`tf.setBackend`). tfjs-node-gpu registers as "tensorflow". */
  readonly tfjsName: string;
  /** What it runs on, for the environment report. */
  readonly detail: string;
}

export interface AbsentBackend {
  readonly name: ConformanceBackend;
  readonly reason: string;
  /** How to get it, for the skip message. */
  readonly enable: string;
}

export interface BackendEnvironment {
  /** cpu first, then the others in the order above. */
  readonly present: readonly PresentBackend[];
  readonly absent: readonly AbsentBackend[];
}

/** `PCL_REQUIRE_WEBGPU=1` (CI's lavapipe job): a missing webgpu backend fails the suite instead of being skipped. */
export const WEBGPU_REQUIRED = process.env.PCL_REQUIRE_WEBGPU === "1";

/** How a user turns webgpu on (software Vulkan through Mesa's lavapipe). */
export const WEBGPU_ENABLE = 'run `eval "$(scripts/install-lavapipe.sh)"` in the shell before `npm test` (software Vulkan, no GPU needed)';

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split("\n")[0].replace(/ imported from \S+$/, "");

/** tfjs-backend-cpu (and native, built on it) prints an "install tfjs-node" banner on first use. */
function quietBanner(): void {
  const backend = tf.backend() as unknown as { firstUse?: boolean };
  if ("firstUse" in backend) backend.firstUse = false;
}

async function probeWebgpu(): Promise<{ ok: true; detail: string } | { ok: false; reason: string; enable: string }> {
  try {
    const r = await registerWebgpuBackend({ allowSoftware: true });
    if (!r.ok) return { ok: false, reason: r.reason, enable: WEBGPU_ENABLE };
    return { ok: true, detail: `${r.description}${r.software ? " (software adapter)" : ""}` };
  } catch (e) {
    return { ok: false, reason: `registerWebgpuBackend threw: ${firstLine(e)}`, enable: WEBGPU_ENABLE };
  }
}

async function tryImport(specifier: string): Promise<string | undefined> {
  try {
    await import(specifier);
    return undefined;
  } catch (e) {
    return firstLine(e);
  }
}

/** Activates `tfjsName` once to be sure it initializes (a GPU backend may register and still fail here). */
async function activates(tfjsName: string): Promise<string | undefined> {
  try {
    if (!(await tf.setBackend(tfjsName))) return `tf.setBackend("${tfjsName}") returned false`;
    await tf.ready();
    quietBanner();
    const probe = tf.add(tf.tensor1d([1, 2]), 1);
    const got = Array.from(await probe.data());
    probe.dispose();
    return got[0] === 2 && got[1] === 3 ? undefined : `1 + [1, 2] gave [${got}]`;
  } catch (e) {
    return firstLine(e);
  } finally {
    await tf.setBackend("cpu");
  }
}

async function discover(): Promise<BackendEnvironment> {
  await loadGradients();
  await tf.setBackend("cpu");
  quietBanner();
  const present: PresentBackend[] = [{ name: "cpu", tfjsName: "cpu", detail: "tfjs-backend-cpu (pure JS, the reference)" }];
  const absent: AbsentBackend[] = [];
  const add = async (name: ConformanceBackend, tfjsName: string, detail: string, enable: string) => {
    const failed = await activates(tfjsName);
    if (failed) absent.push({ name, reason: `registered but does not run: ${failed}`, enable });
    else present.push({ name, tfjsName, detail });
  };

  const native = registerNativeBackend();
  const buildNative = "run `npm ci` or `npm run build:native` (needs a C++ compiler)";
  if (native.ok) {
    const info = nativeInfo();
    await add("native", "native", info.ok ? `pcl-stream addon, ${info.isa}, ${info.threads} threads` : "pcl-stream addon", buildNative);
  } else absent.push({ name: "native", reason: native.reason, enable: buildNative });

  // Both tfjs-node packages register as "tensorflow": at most one of them can be present.
  const gpuFailed = await tryImport("@tensorflow/tfjs-node-gpu");
  const gpuEnable = "npm i @tensorflow/tfjs-node-gpu (Linux x64 with CUDA)";
  const cpuEnable = "npm i @tensorflow/tfjs-node (a platform with prebuilt libtensorflow)";
  if (!gpuFailed) {
    await add("tensorflow-gpu", "tensorflow", "@tensorflow/tfjs-node-gpu", gpuEnable);
    absent.push({ name: "tensorflow", reason: "@tensorflow/tfjs-node-gpu holds the \"tensorflow\" registration", enable: cpuEnable });
  } else {
    absent.push({ name: "tensorflow-gpu", reason: `@tensorflow/tfjs-node-gpu does not import (${gpuFailed})`, enable: gpuEnable });
    const cpuFailed = await tryImport("@tensorflow/tfjs-node");
    if (!cpuFailed) await add("tensorflow", "tensorflow", "@tensorflow/tfjs-node", cpuEnable);
    else absent.push({ name: "tensorflow", reason: `@tensorflow/tfjs-node does not import (${cpuFailed})`, enable: cpuEnable });
  }

  const webgpu = await probeWebgpu();
  if (webgpu.ok) {
    // tfjs-backend-webgpu runs an op on its CPU path when every input is small (< 1000 values) and
    // not yet on the GPU: with this suite's small inputs, most kernels would never reach the GPU.
    try {
      tf.env().set("WEBGPU_CPU_FORWARD", false);
    } catch {
      // not registered: the module is not built on tfjs-backend-webgpu, which forwards small ops to its CPU path
    }
    await add("webgpu", "webgpu", webgpu.detail, WEBGPU_ENABLE);
  }
  else absent.push({ name: "webgpu", reason: webgpu.reason, enable: webgpu.enable });

  await useBackend("cpu");
  return { present, absent };
}

/** The backends of this process, discovered once (each test file is its own process). */
export const backendEnvironment: BackendEnvironment = await discover();

const byName = new Map<string, PresentBackend>();
for (const b of backendEnvironment.present) byName.set(b.name, b);

/** Makes `name` the active backend and checks that it is. */
export async function useBackend(name: ConformanceBackend): Promise<void> {
  const tfjsName = name === "cpu" ? "cpu" : byName.get(name)?.tfjsName;
  if (!tfjsName) throw new Error(`backend ${name} is not present in this process`);
  if (!(await tf.setBackend(tfjsName))) throw new Error(`tf.setBackend("${tfjsName}") failed`);
  await tf.ready();
  if (tf.getBackend() !== tfjsName) throw new Error(`asked for backend ${tfjsName}, tfjs runs ${tf.getBackend()}`);
  quietBanner();
}

// ---------------------------------------------------------------------------------------------
// Comparing outputs

export interface Tolerance {
  /** Relative tolerance per element. */
  readonly rtol: number;
  /** Elements below floor * (largest |reference|) are held to rtol of that magnitude instead of their own. */
  readonly floor: number;
  /** Absolute slack on top (for outputs that are exactly 0). */
  readonly atol: number;
}

export const DEFAULT_TOLERANCE: Tolerance = Object.freeze({ rtol: 1e-3, floor: 1e-2, atol: 1e-7 });

/** An output's values as read back from a backend. */
export interface ReadValue {
  readonly shape: readonly number[];
  readonly values: Float64Array;
}

export type CaseValue = tf.Tensor | number | readonly number[] | Float32Array | Float64Array;
/** What a case returns: named outputs (tensors are read, then disposed, by the helper). */
export type CaseOutputs = Readonly<Record<string, CaseValue>>;

/** Reads every output (tensors with `await t.data()`) and disposes the tensors. */
export async function readOutputs(outputs: CaseOutputs): Promise<Map<string, ReadValue>> {
  const read = new Map<string, ReadValue>();
  try {
    for (const [name, v] of Object.entries(outputs)) {
      if (v instanceof tf.Tensor) read.set(name, { shape: v.shape, values: Float64Array.from(await v.data()) });
      else if (typeof v === "number") read.set(name, { shape: [], values: Float64Array.of(v) });
      else read.set(name, { shape: [v.length], values: Float64Array.from(v) });
    }
  } finally {
    tf.dispose(Object.values(outputs).filter((v): v is tf.Tensor => v instanceof tf.Tensor));
  }
  return read;
}

export interface Mismatch {
  readonly output: string;
  readonly message: string;
}

/**
 * Everything that differs between `got` and the reference `want` beyond `tol`: missing or
 * extra outputs, shapes, non-finite values, and for each output the worst element (the one
 * with the largest error relative to what it is allowed).
 */
export function compareOutputs(got: ReadonlyMap<string, ReadValue>, want: ReadonlyMap<string, ReadValue>, tolerance: Tolerance | ((output: string) => Tolerance) = DEFAULT_TOLERANCE): Mismatch[] {
  const out: Mismatch[] = [];
  for (const name of got.keys()) if (!want.has(name)) out.push({ output: name, message: `${name}: not in the reference` });
  for (const [name, r] of want) {
    const x = got.get(name);
    if (!x) { out.push({ output: name, message: `${name}: missing` }); continue; }
    if (x.shape.length !== r.shape.length || x.shape.some((d, i) => d !== r.shape[i]) || x.values.length !== r.values.length) {
      out.push({ output: name, message: `${name}: shape [${x.shape}] (${x.values.length} values), reference [${r.shape}] (${r.values.length} values)` });
      continue;
    }
    const nonFinite = (v: Float64Array) => v.findIndex((e) => !Number.isFinite(e));
    const badRef = nonFinite(r.values), badGot = nonFinite(x.values);
    if (badRef >= 0 || badGot >= 0) {
      out.push({ output: name, message: `${name}: non-finite value (reference[${badRef}] = ${r.values[badRef]}, got[${badGot}] = ${x.values[badGot]})` });
      continue;
    }
    const tol = typeof tolerance === "function" ? tolerance(name) : tolerance;
    let scale = 0;
    for (const v of r.values) scale = Math.max(scale, Math.abs(v));
    let worst = -1, worstRatio = 1;
    for (let i = 0; i < r.values.length; i++) {
      const allowed = tol.rtol * Math.max(Math.abs(r.values[i]), tol.floor * scale) + tol.atol;
      const ratio = Math.abs(x.values[i] - r.values[i]) / allowed;
      if (ratio > worstRatio) { worstRatio = ratio; worst = i; }
    }
    if (worst >= 0) {
      const err = Math.abs(x.values[worst] - r.values[worst]);
      out.push({
        output: name,
        message: `${name} [${r.shape}] element ${worst}: ${x.values[worst]} vs reference ${r.values[worst]} ` +
          `(|diff| ${err.toExponential(2)}, ${worstRatio.toFixed(1)}x the allowed ${(err / worstRatio).toExponential(2)}; largest |reference| ${scale.toExponential(2)})`,
      });
    }
  }
  return out;
}

/** The output with the largest error against `want`, in units of what its tolerance allows (< 1 passes): for logs. */
export function worstOutput(got: ReadonlyMap<string, ReadValue>, want: ReadonlyMap<string, ReadValue>, tol: (output: string) => Tolerance): { output: string; ratio: number } {
  let worst = { output: "", ratio: 0 };
  for (const [name, r] of want) {
    const x = got.get(name), t = tol(name);
    if (!x || x.values.length !== r.values.length) return { output: name, ratio: Infinity };
    let scale = 0;
    for (const v of r.values) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < r.values.length; i++) {
      const ratio = Math.abs(x.values[i] - r.values[i]) / (t.rtol * Math.max(Math.abs(r.values[i]), t.floor * scale) + t.atol);
      if (ratio > worst.ratio) worst = { output: name, ratio };
    }
  }
  return worst;
}

// ---------------------------------------------------------------------------------------------
// Seeded inputs

/** `size` numbers uniform in [lo, hi) from mulberry32(seed): the same on every backend and run. */
export function seededArray(size: number, seed: number, lo = -1, hi = 1): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: size }, () => lo + (hi - lo) * next());
}

export interface CaseContext {
  /** The backend this run is on. */
  readonly backend: ConformanceBackend;
  /** A float32 tensor of seeded uniform values in [lo, hi), made on the current backend. */
  tensor<R extends tf.Rank>(shape: readonly number[], seed: number, lo?: number, hi?: number): tf.Tensor<R>;
}

const context = (backend: ConformanceBackend): CaseContext => ({
  backend,
  tensor: <R extends tf.Rank>(shape: readonly number[], seed: number, lo = -1, hi = 1) =>
    tf.tensor<tf.Rank>(seededArray(shape.reduce((a, b) => a * b, 1), seed, lo, hi), [...shape], "float32") as tf.Tensor<R>,
});

// ---------------------------------------------------------------------------------------------
// forEachBackend

export type CaseFn = (ctx: CaseContext) => CaseOutputs | Promise<CaseOutputs>;

export interface CaseOptions {
  /** Overrides of DEFAULT_TOLERANCE, for every output or per output name (say why at the call). */
  readonly tolerance?: Partial<Tolerance> | ((output: string) => Partial<Tolerance>);
  /** Runs per backend (default 1); the tensor count must be back to its start value after each. */
  readonly repeat?: number;
}

interface Run {
  readonly outputs: Map<string, ReadValue>;
  /** numTensors after each run minus before the first. */
  readonly leaked: number[];
}

/** Runs `fn` on `backend` `repeat` times; returns the last run's outputs and the tensor count after each run. */
export async function runOn(backend: ConformanceBackend, fn: CaseFn, repeat = 1): Promise<Run> {
  await useBackend(backend);
  const before = tf.memory().numTensors;
  const leaked: number[] = [];
  let outputs = new Map<string, ReadValue>();
  for (let i = 0; i < repeat; i++) {
    outputs = await readOutputs(await fn(context(backend)));
    leaked.push(tf.memory().numTensors - before);
  }
  return { outputs, leaked };
}

const references = new Map<string, Promise<Run>>();
const registered = new Set<string>();

/** The cpu reference of a case, computed once (whichever test asks first). */
function reference(title: string, fn: CaseFn, repeat: number): Promise<Run> {
  let r = references.get(title);
  if (!r) { r = runOn("cpu", fn, repeat); references.set(title, r); }
  return r;
}

const assertNoLeak = (t: ExecutionContext, backend: string, leaked: readonly number[]) =>
  t.deepEqual(leaked, leaked.map(() => 0), `${backend}: tensors left alive after each run (tf.memory().numTensors, relative to before the first)`);

/**
 * Registers `[backend] title` for every present backend (tests are serial: the backend is
 * process-global). On cpu the test checks the reference itself: finite values, no tensor left
 * behind. On any other backend it runs `fn` there and compares each output with cpu's within
 * the tolerance, and checks the tensor count the same way.
 */
export function forEachBackend(title: string, fn: CaseFn, options: CaseOptions = {}): void {
  if (registered.has(title)) throw new Error(`forEachBackend: duplicate title "${title}"`);
  registered.add(title);
  const override = options.tolerance;
  const tol = (output: string): Tolerance => ({ ...DEFAULT_TOLERANCE, ...(typeof override === "function" ? override(output) : override) });
  const repeat = options.repeat ?? 1;
  for (const b of backendEnvironment.present) {
    test.serial(`[${b.name}] ${title}`, async (t) => {
      const ref = await reference(title, fn, repeat).catch((e: unknown) => {
        throw b.name === "cpu" ? e : new Error(`the cpu reference failed, so ${b.name} was not run: ${firstLine(e)}`);
      });
      if (b.name === "cpu") {
        assertNoLeak(t, "cpu", ref.leaked);
        const nonFinite = [...ref.outputs].filter(([, v]) => v.values.some((e) => !Number.isFinite(e))).map(([k]) => k);
        t.deepEqual(nonFinite, [], "reference outputs with non-finite values");
        t.true(ref.outputs.size > 0, "the case returns outputs");
        return;
      }
      const run = await runOn(b.name, fn, repeat);
      assertNoLeak(t, b.name, run.leaked);
      const mismatches = compareOutputs(run.outputs, ref.outputs, tol);
      t.deepEqual(mismatches.map((m) => m.message), [], `${b.name} against cpu (tolerance: ${override ? "see the case" : `rtol ${DEFAULT_TOLERANCE.rtol}, floor ${DEFAULT_TOLERANCE.floor}, atol ${DEFAULT_TOLERANCE.atol}`})`);
      const worst = worstOutput(run.outputs, ref.outputs, tol);
      t.log(`outputs: ${run.outputs.size}; ${worst.ratio === 0 ? "all equal to cpu's" : `largest error ${worst.ratio.toFixed(3)} of the allowed, in ${worst.output}`}`);
    });
  }
}
