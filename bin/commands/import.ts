/**
 * `pcl-stream import WEIGHTS --graph GRAPH -o CKPT`: a reference EDSR / RCAN / HAN state dict
 * (.pt / .pth written by torch.save, or .safetensors) into a pcl-stream checkpoint for GRAPH.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { PclSpec } from "../../src/index.js";
import { importWeights, InteropError } from "../../src/serve/index.js";
import { startBackend } from "../backend-flag.js";
import { GraphFileError, loadGraphFile } from "../graph-file.js";

const HELP = `usage: pcl-stream import WEIGHTS --graph GRAPH -o CKPT [options]

WEIGHTS is a state dict of the reference EDSR (EDSR-PyTorch), RCAN or HAN implementation: a .pt /
.pth file written by torch.save (read without running anything from it) or a .safetensors file.
Its keys (head.0.weight, body.0.body.0.weight, tail.0.0.weight, ...) are mapped onto GRAPH's
generator, kernels from OIHW to HWIO, and its 0-255 convention onto pcl-stream's 0-1 images.

  --graph GRAPH        the graph the weights belong to, e.g. graphs/edsr.pcl.ts or graphs/edsr.pcl.ts#large
  -o, --out CKPT       the checkpoint folder to write (for eval --model, upscale --model, train --init)
  --rgb-range N        the range the weights work on (default: read from sub_mean / add_mean; 255 for
                       the EDSR-PyTorch family); needed when the file has no mean shift
  --overwrite          replace CKPT if it exists
  --backend NAME       the backend that builds the graph (default: the automatic choice)
  --json               print the result as one JSON object

Exit status: 0 when imported, 1 when the file does not fit the graph, 2 on bad usage.`;

export async function run(argv: readonly string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>, positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv], allowPositionals: true,
      options: {
        graph: { type: "string" }, out: { type: "string", short: "o" }, "rgb-range": { type: "string" }, overwrite: { type: "boolean" },
        backend: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    console.error(`pcl-stream import: ${(err as Error).message}\n${HELP}`);
    return 2;
  }
  if (values.help) { console.log(HELP); return 0; }
  const usage = (what: string) => { console.error(`pcl-stream import: ${what}\n${HELP}`); return 2; };
  if (positionals.length !== 1) return usage(`expected one WEIGHTS file, got ${positionals.length}`);
  if (typeof values.graph !== "string") return usage("--graph GRAPH is required (the graph the weights belong to)");
  if (typeof values.out !== "string") return usage("-o CKPT is required (the checkpoint folder to write)");
  const range = values["rgb-range"] === undefined ? undefined : Number(values["rgb-range"]);
  if (range !== undefined && !(range > 0)) return usage(`--rgb-range must be a positive number, got '${String(values["rgb-range"])}'`);
  let spec: PclSpec;
  try {
    spec = await loadGraphFile(values.graph);
  } catch (err) {
    if (err instanceof GraphFileError) { console.error(`pcl-stream import: ${err.message}`); return 2; }
    throw err;
  }
  await startBackend(values.backend as string | undefined, "inference");
  try {
    const r = await importWeights(positionals[0], spec, resolve(values.out), { overwrite: values.overwrite === true, ...(range === undefined ? {} : { rgbRange: range }) });
    if (values.json) console.log(JSON.stringify({ ...r, graph: spec.name }));
    else {
      for (const note of r.notes) console.error(`note: ${note}`);
      console.log(`imported ${positionals[0]} (${r.format}, reference ${r.arch.toUpperCase()}, rgb_range ${r.rgbRange}): ${r.tensors} tensors, ${r.parameters.toLocaleString("en-US")} parameters -> ${values.out} (graph ${spec.name}, x${spec.scale})`);
    }
    return 0;
  } catch (err) {
    if (!(err instanceof InteropError)) throw err;
    console.error(`pcl-stream import: ${err.message}`);
    return 1;
  }
}
