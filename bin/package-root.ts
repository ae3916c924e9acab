/** The installed package's root, so bundled defaults (data/, graphs/) work from any working directory. */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const BUNDLED_TRAIN_DIR = join(PACKAGE_ROOT, "data", "train");
export const BUNDLED_VAL_DIR = join(PACKAGE_ROOT, "data", "set5", "HR");
