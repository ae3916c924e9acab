/**
 * Picks the compute backend once per process: tfjs-node-gpu if it loads and sees a GPU, else
 * WebGPU on a hardware adapter, else tfjs-node, else pcl-stream's native CPU addon, else tfjs's
 * pure-JS `cpu`. A name (`useBackend("cpu")`, `--backend NAME`) or the PCL_BACKEND variable
 * overrides the order. Backend modules may register gradients of their own when loaded (tfjs-node
 * does), so pcl-stream's are registered after every probe and checked once the backend is chosen.
 *
 * Nothing here runs at import: every backend module (tfjs-backend-cpu included) is loaded by the
 * call that probes it, and the native addon's process-wide allocator settings are applied only
 * when the native backend is the one chosen.
 */
import * as tf from "@tensorflow/tfjs-core";
import { BackendError } from "./backend-error.js";
import { checkGradients, registerGradients } from "./gradients.js";
import { BACKEND_NAMES, chosenLine, climbLadder, type BackendName, type BackendProbe } from "./ladder.js";

export { BackendError } from "./backend-error.js";
export { BACKEND_NAMES, type BackendName, type BackendProbe } from "./ladder.js";

/** The backend in use and the device it runs on, for logs, checkpoints and benchmarks. */
export interface SelectedBackendInfo {
  readonly name: BackendName;
  /** webgpu: the adapter ("nvidia hopper: NVIDIA H100 80GB HBM3"); native: the addon's ISA and threads */
  readonly description?: string;
  /** webgpu on a CPU implementation of Vulkan (lavapipe): correct, not fast */
  readonly software?: boolean;
}

/** What `useBackend` chose, and why. */
export interface BackendChoice extends SelectedBackendInfo {
  /** True when the backend was named (the argument or PCL_BACKEND), false for the automatic choice. */
  readonly requested: boolean;
  /** The backends the automatic choice tried before this one, each with why it was passed over (empty when requested). */
  readonly skipped: readonly { readonly name: BackendName; readonly reason: string }[];
  /** The native backend only: whether the addon's process-wide allocator settings were applied (glibc, not opted out with PCL_NATIVE_MALLOC_TUNE=0). */
  readonly allocatorTuned: boolean;
  /** The choice as one line, as the CLI prints it: `pcl-stream: backend native (tfjs-node not installed)`. */
  readonly summary: string;
}

/** How the chosen backend is tuned for what the process does. */
export interface UseBackendOptions {
  /**
   * "training" (default) repeats the same tensor shapes every step, so the native backend keeps
   * freed buffers for reuse (up to 1 GiB); "inference" (upscaling, evaluation) sees one-off image
   * sizes, where kept buffers would only add to the peak memory, so it keeps none.
   */
  readonly workload?: "training" | "inference";
}

async function tryImport(specifier: string): Promise<string | undefined> {
  try {
    await import(specifier);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.split("\n")[0] : String(err);
  }
}

/**
 * Whether `name` can run here, loading (and registering) its modules. `requested`: the user
 * named it, so tensorflow-gpu need not see a GPU and webgpu may run on a software adapter.
 */
async function probe(name: BackendName, requested: boolean): Promise<BackendProbe> {
  switch (name) {
    case "tensorflow-gpu": {
      const reason = await tryImport("@tensorflow/tfjs-node-gpu");
      if (reason) return { name, ok: false, reason: `@tensorflow/tfjs-node-gpu not loadable (${reason})` };
      // tfjs-node-gpu registers as 'tensorflow'; it only helps when CUDA sees a device.
      if (!requested && !(await gpuVisible())) return { name, ok: false, reason: "no GPU visible" };
      return { name, ok: true };
    }
    case "webgpu": {
      const { registerWebgpuBackend } = await import("./webgpu.js");
      const result = await registerWebgpuBackend({ allowSoftware: requested });
      return result.ok ? { name, ok: true, description: result.description, software: result.software } : { name, ok: false, reason: result.reason };
    }
    case "tensorflow": {
      const reason = await tryImport("@tensorflow/tfjs-node");
      return reason ? { name, ok: false, reason: `@tensorflow/tfjs-node not loadable (${reason})` } : { name, ok: true };
    }
    case "native": {
      try {
        const native = await import("./native/index.js");
        const result = native.registerNativeBackend();
        if (!result.ok) return { name, ok: false, reason: result.reason };
        const info = native.nativeInfo();
        return { name, ok: true, description: info.ok ? `${info.isa}, ${info.threads} threads` : undefined };
      } catch (err) {
        return { name, ok: false, reason: err instanceof Error ? err.message.split("\n")[0] : String(err) };
      }
    }
    case "cpu": {
      // Registers tfjs's pure-JS backend; loaded here, not at import, so that importing pcl-stream registers nothing.
      const reason = await tryImport("@tensorflow/tfjs-backend-cpu");
      return reason ? { name, ok: false, reason: `@tensorflow/tfjs-backend-cpu not loadable (${reason})` } : { name, ok: true };
    }
  }
}

/** The tfjs registry name each of our backend names runs as. */
const TFJS_NAME: Record<BackendName, string> = { "tensorflow-gpu": "tensorflow", webgpu: "webgpu", tensorflow: "tensorflow", native: "native", cpu: "cpu" };

let chosen: BackendChoice | undefined;
let choosing: Promise<BackendChoice> | undefined;

/**
 * Selects and activates a compute backend, then registers pcl-stream's gradients over whatever the
 * backend modules registered, and checks them. Call it once, before anything else runs tensors;
 * `train`, `evaluateFolder` and `loadUpscaler` call it themselves (automatic choice) when nothing
 * was chosen yet. Prints nothing: the returned choice says what was chosen and why.
 *
 * ```ts
 * import { useBackend } from "pcl-stream/backend";
 * const backend = await useBackend();          // or useBackend("cpu"); PCL_BACKEND=cpu does the same
 * console.error(backend.summary);              // "pcl-stream: backend native (tfjs-node not installed)"
 * ```
 *
 * A process runs one backend: later calls return the first choice (re-tuned for `workload` when
 * given), and naming another backend then is a BackendError.
 *
 * @param name one of BACKEND_NAMES; default PCL_BACKEND, else the first that works in that order.
 * @throws BackendError when the named backend is unknown or cannot run here (the message says why),
 *   or another one is already in use; GradientError when a backend module replaced pcl-stream's gradients.
 */
export async function useBackend(name?: BackendName, options: UseBackendOptions = {}): Promise<BackendChoice> {
  if (name !== undefined && !(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new BackendError(`useBackend: unknown backend ${JSON.stringify(name)} (expected one of ${BACKEND_NAMES.join(", ")})`);
  }
  return choose(name, "useBackend", options);
}

async function choose(name: string | undefined, label: string, options: UseBackendOptions): Promise<BackendChoice> {
  if (options.workload !== undefined && options.workload !== "training" && options.workload !== "inference") {
    throw new BackendError(`${label}: workload must be "training" or "inference", got ${JSON.stringify(options.workload)}`);
  }
  if (!chosen) {
    choosing ??= start(name, label, options).finally(() => { choosing = undefined; });
    const first = await choosing;
    if (name === undefined || name === first.name) return first;
  } else if (options.workload !== undefined) {
    await tune(chosen.name, options.workload);
  }
  if (name !== undefined && name !== chosen!.name) {
    throw new BackendError(`${label}: backend '${chosen!.name}' is already in use in this process (asked for '${name}'); a process runs one backend`);
  }
  return chosen!;
}

async function start(name: string | undefined, label: string, options: UseBackendOptions): Promise<BackendChoice> {
  const { result, skipped, requested } = await pick(name, label);
  await registerGradients();
  checkGradients();
  const allocatorTuned = result.name === "native" ? (await import("./native/index.js")).tuneNativeAllocator() : false;
  await tune(result.name, options.workload ?? "training");
  chosen = {
    name: result.name, description: result.description, software: result.software, requested, allocatorTuned,
    skipped: skipped.map((s) => ({ name: s.name, reason: s.reason ?? "not available" })),
    summary: chosenLine(result, skipped, requested),
  };
  return chosen;
}

/** The native buffer pool for the workload (other backends have nothing to tune). */
async function tune(name: BackendName, workload: "training" | "inference"): Promise<void> {
  if (name !== "native") return;
  const native = await import("./native/index.js");
  native.setNativeBufferPool(workload === "inference" ? 0 : undefined);
}

/**
 * `useBackend` as the CLI, the bench and the tests call it: the name unchecked (a bad one is a
 * BackendError naming --backend / PCL_BACKEND), the chosen-backend line printed to stderr unless
 * `quiet`, and later calls answer the first choice whatever they ask for.
 */
export async function selectBackend(name?: string, options: { quiet?: boolean } & UseBackendOptions = {}): Promise<BackendName> {
  if (chosen) return chosen.name;
  const choice = await choose(name, "--backend / PCL_BACKEND", options);
  if (!options.quiet) console.error(choice.summary);
  return choice.name;
}

async function pick(name: string | undefined, label: string): Promise<{ result: BackendProbe; skipped: readonly BackendProbe[]; requested: boolean }> {
  const fromEnv = name === undefined && process.env.PCL_BACKEND ? process.env.PCL_BACKEND : undefined;
  const wanted = name ?? fromEnv;
  if (wanted) {
    if (!(BACKEND_NAMES as readonly string[]).includes(wanted)) {
      const source = fromEnv !== undefined && label === "useBackend" ? "PCL_BACKEND" : label;
      throw new BackendError(`${source}: unknown backend '${wanted}' (expected one of ${BACKEND_NAMES.join(", ")})`);
    }
    const result = await probe(wanted as BackendName, true);
    if (!result.ok) throw new BackendError(`backend '${wanted}' is not available: ${result.reason}${hint(result)}`);
    await activate(result.name);
    return { result, skipped: [], requested: true };
  }
  const { chosen: result, skipped } = await climbLadder((candidate) => probe(candidate, false));
  if (!result) throw new BackendError(`no backend could be activated (${skipped.map((s) => `${s.name}: ${s.reason}`).join("; ")})`);
  await activate(result.name);
  return { result, skipped, requested: false };
}

/** What to do about a requested backend that is not available, where there is more to say than the reason. */
function hint(result: BackendProbe): string {
  const noAdapter = result.name === "webgpu" && /^no (Vulkan loader|GPU driver|WebGPU adapter)/.test(result.reason ?? "");
  return noAdapter ? ` (a GPU needs its vendor's Vulkan driver; software Vulkan for correctness runs: eval "$(scripts/install-lavapipe.sh)")` : "";
}

async function activate(name: BackendName): Promise<void> {
  const ok = await tf.setBackend(TFJS_NAME[name]);
  if (!ok) throw new BackendError(`backend '${name}' failed to initialize`);
  await tf.ready();
  // tfjs-backend-cpu prints an "install tfjs-node" banner on first use; pcl-stream already said which backend runs.
  const backend = tf.backend() as unknown as { firstUse?: boolean };
  if ("firstUse" in backend) backend.firstUse = false;
}

async function gpuVisible(): Promise<boolean> {
  try {
    await tf.setBackend("tensorflow");
    // tfjs-node-gpu falls back to the CPU silently; ask the engine for a GPU device by running a tiny op.
    const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
    return backend.isUsingGpuDevice === true;
  } catch {
    return false;
  }
}

/** The backend chosen by `useBackend` (or `selectBackend`), if any. */
export const selectedBackend = (): BackendName | undefined => chosen?.name;

/** The backend chosen by `useBackend` (or `selectBackend`) and its device, if any. */
export const selectedBackendInfo = (): SelectedBackendInfo | undefined =>
  chosen && { name: chosen.name, description: chosen.description, software: chosen.software };

/** What `useBackend` chose and why, if it was called. */
export const currentBackend = (): BackendChoice | undefined => chosen;

/** The backend in use, or the automatic choice made now for `workload` (what the library's entry functions call before they run tensors). */
export const backendInUse = async (workload: "training" | "inference"): Promise<BackendChoice> => chosen ?? useBackend(undefined, { workload });

/**
 * Probes every backend as `--backend NAME` would, without activating any (for a `backends`
 * listing): tensorflow-gpu is ok when tfjs-node-gpu loads, webgpu on any adapter (`software`
 * says which kind, `description` names it). Loads the backends' modules, so pcl-stream's
 * gradients are registered again afterwards.
 */
export async function probeBackends(): Promise<readonly BackendProbe[]> {
  const results: BackendProbe[] = [];
  for (const name of BACKEND_NAMES) results.push(await probe(name, true));
  await registerGradients();
  return results;
}
