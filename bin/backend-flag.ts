/** The `--backend NAME` choices as usage text lists them: "tensorflow-gpu, webgpu, tensorflow, native or cpu". */
import { BACKEND_NAMES } from "../src/backend/select.js";

export const BACKEND_CHOICES = `${BACKEND_NAMES.slice(0, -1).join(", ")} or ${BACKEND_NAMES[BACKEND_NAMES.length - 1]}`;
