/** The `--backend NAME` flag: its choices as usage text lists them, and starting the backend it names. */
import { BACKEND_NAMES, BackendError, useBackend, type BackendChoice, type BackendName } from "../src/backend/index.js";

/** "tensorflow-gpu, webgpu, tensorflow, native or cpu". */
export const BACKEND_CHOICES = `${BACKEND_NAMES.slice(0, -1).join(", ")} or ${BACKEND_NAMES[BACKEND_NAMES.length - 1]}`;

/** The backend `--backend` (or PCL_BACKEND) names, checked; undefined for the automatic choice. */
export function backendFlag(flag: string | undefined): BackendName | undefined {
  const wanted = flag ?? process.env.PCL_BACKEND;
  if (wanted && !(BACKEND_NAMES as readonly string[]).includes(wanted)) {
    throw new BackendError(`--backend / PCL_BACKEND: unknown backend '${wanted}' (expected one of ${BACKEND_NAMES.join(", ")})`);
  }
  return flag as BackendName | undefined;
}

/** Selects the backend for a command and prints the one line that says which and why. */
export async function startBackend(flag: string | undefined, workload: "training" | "inference"): Promise<BackendChoice> {
  const choice = await useBackend(backendFlag(flag), { workload });
  console.error(choice.summary);
  return choice;
}
