/**
 * The automatic choice of a backend, apart from loading any: the order, the first that works,
 * and the one line that says which was chosen and why the better ones were not.
 */

/** Backends in the automatic order: tfjs-node-gpu on CUDA, WebGPU on a hardware adapter, tfjs-node, the native addon, tfjs's cpu. */
export const BACKEND_NAMES = ["tensorflow-gpu", "webgpu", "tensorflow", "native", "cpu"] as const;
/** A backend pcl-stream can run on (one of BACKEND_NAMES). */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Whether a backend can run here, collected while probing; `description` names the device (webgpu's adapter, native's ISA). */
export interface BackendProbe {
  readonly name: BackendName;
  readonly ok: boolean;
  readonly reason?: string;
  readonly description?: string;
  readonly software?: boolean;
}

/**
 * Probes the backends in BACKEND_NAMES order and stops at the first that works (later ones are
 * not probed, so their modules are not loaded). `probe` answers for the automatic choice:
 * webgpu is ok only on a hardware adapter, tensorflow-gpu only when CUDA sees a GPU.
 */
export async function climbLadder(probe: (name: BackendName) => Promise<BackendProbe>): Promise<{ chosen?: BackendProbe; skipped: readonly BackendProbe[] }> {
  const skipped: BackendProbe[] = [];
  for (const name of BACKEND_NAMES) {
    const result = await probe(name);
    if (result.ok) return { chosen: result, skipped };
    skipped.push(result);
  }
  return { skipped };
}

const GPU_BACKENDS: readonly BackendName[] = ["tensorflow-gpu", "webgpu"];
const NOT_INSTALLED = /Cannot find (package|module)|not installed/;

/**
 * `pcl-stream: backend NAME (...)`: the device (webgpu's adapter, flagged when it is a software
 * one), then why the backends above it were skipped. Missing tfjs-node packages are the usual
 * case and shortened to "tfjs-node not installed"; on a GPU backend they are left out.
 */
export function chosenLine(chosen: BackendProbe, skipped: readonly BackendProbe[], requested: boolean): string {
  const notes: string[] = [];
  if (requested) notes.push("requested");
  if (chosen.name === "webgpu" && chosen.description) notes.push(chosen.description);
  if (chosen.software) notes.push("software adapter");
  const absent = skipped.filter((s) => s.name.startsWith("tensorflow") && NOT_INSTALLED.test(s.reason ?? ""));
  if (absent.length > 0 && !GPU_BACKENDS.includes(chosen.name)) {
    notes.push(absent.length === 2 ? "tfjs-node not installed" : `${absent[0].name === "tensorflow-gpu" ? "tfjs-node-gpu" : "tfjs-node"} not installed`);
  }
  for (const s of skipped) if (!absent.includes(s)) notes.push(`${s.name}: ${s.reason ?? "not available"}`);
  return `pcl-stream: backend ${chosen.name}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
}
