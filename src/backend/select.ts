/**
 * Picks the compute backend once per process: tfjs-node-gpu if it loads and sees a GPU, else
 * tfjs-node, else pcl-stream's native CPU addon, else tfjs's pure-JS `cpu`.
 * `--backend NAME` (the `name` argument) and the PCL_BACKEND variable override the order.
 * Backend modules may register gradients of their own when loaded (tfjs-node does), so
 * pcl-stream's are registered after probing and checked once the backend is chosen.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { BackendError } from "./backend-error.js";
import { checkGradients, registerGradients } from "./gradients.js";

export { BackendError } from "./backend-error.js";

export const BACKEND_NAMES = ["tensorflow-gpu", "tensorflow", "native", "cpu"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Why a backend is not available, collected while probing (printed once). */
export interface BackendProbe {
  readonly name: BackendName;
  readonly ok: boolean;
  readonly reason?: string;
}

async function tryImport(specifier: string): Promise<string | undefined> {
  try {
    await import(specifier);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.split("\n")[0] : String(err);
  }
}

async function probe(name: BackendName): Promise<BackendProbe> {
  switch (name) {
    case "tensorflow-gpu": {
      const reason = await tryImport("@tensorflow/tfjs-node-gpu");
      if (reason) return { name, ok: false, reason: `@tensorflow/tfjs-node-gpu not loadable (${reason})` };
      // tfjs-node-gpu registers as 'tensorflow'; it only helps when CUDA sees a device.
      return { name, ok: true };
    }
    case "tensorflow": {
      const reason = await tryImport("@tensorflow/tfjs-node");
      return reason ? { name, ok: false, reason: `@tensorflow/tfjs-node not loadable (${reason})` } : { name, ok: true };
    }
    case "native": {
      try {
        const native = (await import("./native/index.js")) as { registerNativeBackend(): { ok: true } | { ok: false; reason: string } };
        const result = native.registerNativeBackend();
        return result.ok ? { name, ok: true } : { name, ok: false, reason: result.reason };
      } catch (err) {
        return { name, ok: false, reason: err instanceof Error ? err.message.split("\n")[0] : String(err) };
      }
    }
    case "cpu":
      return { name, ok: true };
  }
}

/** The tfjs registry name each of our backend names runs as. */
const TFJS_NAME: Record<BackendName, string> = { "tensorflow-gpu": "tensorflow", tensorflow: "tensorflow", native: "native", cpu: "cpu" };

let chosen: BackendName | undefined;

/**
 * Selects and activates a backend; the first call decides and prints one line to stderr
 * (unless `quiet`); later calls return the same choice. Then registers pcl-stream's gradients
 * over whatever the probed modules registered, and checks them (a GradientError if they did not
 * hold). `workload` tunes the chosen backend:
 * "training" (default) repeats the same shapes every step, so the native backend recycles freed
 * buffers; "inference" (upscale, watch, eval) sees one-off image sizes, where recycled buffers
 * would only add to the peak memory, so it does not.
 */
export async function selectBackend(name?: string, options: { quiet?: boolean; workload?: "training" | "inference" } = {}): Promise<BackendName> {
  if (chosen) return chosen;
  const picked = await pick(name, options);
  await registerGradients();
  checkGradients();
  if (picked === "native") {
    const native = await import("./native/index.js");
    native.setNativeBufferPool(options.workload === "inference" ? 0 : undefined);
  }
  return picked;
}

async function pick(name: string | undefined, options: { quiet?: boolean }): Promise<BackendName> {
  const wanted = name ?? process.env.PCL_BACKEND;
  const say = (line: string) => { if (!options.quiet) console.error(line); };
  if (wanted) {
    if (!(BACKEND_NAMES as readonly string[]).includes(wanted)) {
      throw new BackendError(`--backend / PCL_BACKEND: unknown backend '${wanted}' (expected one of ${BACKEND_NAMES.join(", ")})`);
    }
    const result = await probe(wanted as BackendName);
    if (!result.ok) throw new BackendError(`backend '${wanted}' is not available: ${result.reason}`);
    await activate(wanted as BackendName);
    say(`pcl-stream: backend ${wanted} (requested)`);
    return wanted as BackendName;
  }
  const skipped: string[] = [];
  for (const candidate of BACKEND_NAMES) {
    const result = await probe(candidate);
    if (!result.ok) { skipped.push(`${candidate}: ${result.reason}`); continue; }
    if (candidate === "tensorflow-gpu" && !(await gpuVisible())) { skipped.push("tensorflow-gpu: no GPU visible"); continue; }
    await activate(candidate);
    const why = candidate === "tensorflow-gpu" || skipped.length === 0 ? "" : ` (${skipped.filter((s) => !s.startsWith("tensorflow")).join("; ") || "tfjs-node not installed"})`;
    say(`pcl-stream: backend ${candidate}${why}`);
    return candidate;
  }
  throw new BackendError("no backend could be activated");
}

async function activate(name: BackendName): Promise<void> {
  const ok = await tf.setBackend(TFJS_NAME[name]);
  if (!ok) throw new BackendError(`backend '${name}' failed to initialize`);
  await tf.ready();
  // tfjs-backend-cpu prints an "install tfjs-node" banner on first use; pcl-stream already said which backend runs.
  const backend = tf.backend() as unknown as { firstUse?: boolean };
  if ("firstUse" in backend) backend.firstUse = false;
  chosen = name;
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
export const selectedBackend = (): BackendName | undefined => chosen;

/** Probes every backend without activating any (for `pcl-stream backends`); pcl-stream's gradients are registered again after the modules loaded. */
export async function probeBackends(): Promise<readonly BackendProbe[]> {
  const results = await Promise.all(BACKEND_NAMES.map(probe));
  await registerGradients();
  return results;
}
