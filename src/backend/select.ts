/**
 * Picks the compute backend once per process: tfjs-node-gpu if it loads and sees a GPU, else
 * WebGPU on a hardware adapter, else tfjs-node, else pcl-stream's native CPU addon, else tfjs's
 * pure-JS `cpu`. `--backend NAME` (the `name` argument) and the PCL_BACKEND variable override the
 * order. Backend modules may register gradients of their own when loaded (tfjs-node does), so
 * pcl-stream's are registered after every probe and checked once the backend is chosen.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
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
    case "cpu":
      return { name, ok: true };
  }
}

/** The tfjs registry name each of our backend names runs as. */
const TFJS_NAME: Record<BackendName, string> = { "tensorflow-gpu": "tensorflow", webgpu: "webgpu", tensorflow: "tensorflow", native: "native", cpu: "cpu" };

let chosen: SelectedBackendInfo | undefined;

/**
 * Selects and activates a backend; the first call decides and prints one line to stderr
 * (unless `quiet`); later calls return the same choice. Then registers pcl-stream's gradients
 * over whatever the probed modules registered, and checks them (a GradientError if they did not
 * hold). `workload` tunes the chosen backend: "training" (default) repeats the same shapes every
 * step, so the native backend recycles freed buffers; "inference" (upscale, watch, eval) sees
 * one-off image sizes, where recycled buffers would only add to the peak memory, so it does not.
 */
export async function selectBackend(name?: string, options: { quiet?: boolean; workload?: "training" | "inference" } = {}): Promise<BackendName> {
  if (chosen) return chosen.name;
  const picked = await pick(name, options);
  await registerGradients();
  checkGradients();
  if (picked.name === "native") {
    const native = await import("./native/index.js");
    native.setNativeBufferPool(options.workload === "inference" ? 0 : undefined);
  }
  chosen = { name: picked.name, description: picked.description, software: picked.software };
  return picked.name;
}

async function pick(name: string | undefined, options: { quiet?: boolean }): Promise<BackendProbe> {
  const wanted = name ?? process.env.PCL_BACKEND;
  const say = (line: string) => { if (!options.quiet) console.error(line); };
  if (wanted) {
    if (!(BACKEND_NAMES as readonly string[]).includes(wanted)) {
      throw new BackendError(`--backend / PCL_BACKEND: unknown backend '${wanted}' (expected one of ${BACKEND_NAMES.join(", ")})`);
    }
    const result = await probe(wanted as BackendName, true);
    if (!result.ok) throw new BackendError(`backend '${wanted}' is not available: ${result.reason}${hint(result)}`);
    await activate(result.name);
    say(chosenLine(result, [], true));
    return result;
  }
  const { chosen: result, skipped } = await climbLadder((candidate) => probe(candidate, false));
  if (!result) throw new BackendError(`no backend could be activated (${skipped.map((s) => `${s.name}: ${s.reason}`).join("; ")})`);
  await activate(result.name);
  say(chosenLine(result, skipped, false));
  return result;
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

/** The backend chosen by `selectBackend`, if any. */
export const selectedBackend = (): BackendName | undefined => chosen?.name;

/** The backend chosen by `selectBackend` and its device, if any. */
export const selectedBackendInfo = (): SelectedBackendInfo | undefined => chosen;

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
