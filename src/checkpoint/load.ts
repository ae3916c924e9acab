/**
 * Placeholder until checkpoint loading lands (another engineer owns this file): the eval command
 * imports `loadCheckpointUpscaler` from here.
 */
import type { Upscaler } from "../model/upscaler.js";

export async function loadCheckpointUpscaler(dir: string): Promise<Upscaler> {
  throw new Error(`${dir}: checkpoint loading is not available yet`);
}
