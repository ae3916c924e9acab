/**
 * What `train` checks before it starts: the image folders exist, and the run folder either holds
 * no run or is being resumed. Failures are a TrainSetupError naming the option at fault.
 */
import { existsSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";

/** A folder `train` cannot use as given: `option` names which one ("data", "val" or "out"). */
export class TrainSetupError extends Error {
  override readonly name = "TrainSetupError";
  constructor(readonly option: "data" | "val" | "out", readonly path: string, message: string) {
    super(message);
  }
}

const isFolder = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

/** Checks the folders and creates `out`; with `resume: false`, an `out` holding a run (latest/) is refused. */
export async function prepareRunFolder(o: { readonly data: string; readonly val: string | null; readonly out: string; readonly resume: boolean }): Promise<void> {
  if (!isFolder(o.data)) throw new TrainSetupError("data", o.data, `train: data folder ${o.data} does not exist (expected a folder of HR training images)`);
  if (o.val !== null && !isFolder(o.val)) throw new TrainSetupError("val", o.val, `train: val folder ${o.val} does not exist (expected a folder of HR validation images, or val: null)`);
  if (!o.resume && existsSync(join(o.out, "latest"))) {
    throw new TrainSetupError("out", o.out, `train: ${o.out} already holds a run (latest/); resume it (resume: true, or resume(out)) or train into another folder`);
  }
  await mkdir(o.out, { recursive: true });
}
