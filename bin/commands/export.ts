/**
 * `pcl-stream export CKPT --format safetensors|onnx -o FILE`: a checkpoint's generator for other
 * tools: safetensors with the reference implementation's keys (0-255), or an ONNX model (0-1).
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { CheckpointError, EXPORT_FORMATS, exportModel, InteropError, type ExportFormat } from "../../src/serve/index.js";

const HELP = `usage: pcl-stream export CKPT --format safetensors|onnx -o FILE [options]

CKPT is a checkpoint folder (runs/NAME/best, or one written by pcl-stream import); its EMA weights
are exported when it has them, as inference uses them.
  safetensors  the reference EDSR / RCAN / HAN keys and layout on 0-255 images, so the same PyTorch
               code (model.load_state_dict(safetensors.torch.load_file(FILE))) loads it
  onnx         opset 17, input 'input' float32 NCHW [1, 3, H, W] RGB in [0, 1] with H and W dynamic,
               output 'output' [1, 3, sH, sW] in [0, 1]; the range is stated in the model's metadata

  --format F           safetensors or onnx (default: from FILE's extension)
  -o, --out FILE       the file to write
  --rgb-range N        safetensors: the range the reference convention uses (default 255)
  --overwrite          replace FILE if it exists
  --json               print the result as one JSON object

Exit status: 0 when written, 1 when the checkpoint cannot be written in that format, 2 on bad usage.`;

export async function run(argv: readonly string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>, positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv], allowPositionals: true,
      options: {
        format: { type: "string" }, out: { type: "string", short: "o" }, "rgb-range": { type: "string" }, overwrite: { type: "boolean" },
        json: { type: "boolean" }, help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    console.error(`pcl-stream export: ${(err as Error).message}\n${HELP}`);
    return 2;
  }
  if (values.help) { console.log(HELP); return 0; }
  const usage = (what: string) => { console.error(`pcl-stream export: ${what}\n${HELP}`); return 2; };
  if (positionals.length !== 1) return usage(`expected one CKPT folder, got ${positionals.length}`);
  if (typeof values.out !== "string") return usage("-o FILE is required");
  const format = (values.format as string | undefined) ?? /\.(safetensors|onnx)$/.exec(values.out)?.[1];
  if (!format) return usage("--format safetensors|onnx is required when FILE ends in neither .safetensors nor .onnx");
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) return usage(`--format must be ${EXPORT_FORMATS.join(" or ")}, got '${format}'`);
  const range = values["rgb-range"] === undefined ? undefined : Number(values["rgb-range"]);
  if (range !== undefined && !(range > 0)) return usage(`--rgb-range must be a positive number, got '${String(values["rgb-range"])}'`);
  if (range !== undefined && format !== "safetensors") return usage("--rgb-range applies to --format safetensors only (ONNX models work on 0-1)");
  try {
    const r = await exportModel(positionals[0], resolve(values.out), { format: format as ExportFormat, overwrite: values.overwrite === true, ...(range === undefined ? {} : { rgbRange: range }) });
    if (values.json) console.log(JSON.stringify(r));
    else {
      const what = r.format === "onnx" ? `ONNX opset ${r.opset}, NCHW RGB in [0, 1]` : `safetensors, reference ${r.arch?.toUpperCase()} keys, rgb_range ${range ?? 255}`;
      console.log(`exported ${r.graph} x${r.scale} (${r.ema ? "EMA weights" : "weights"}) from ${positionals[0]} -> ${values.out} (${what}, ${(r.bytes / 1e6).toFixed(2)} MB)`);
    }
    return 0;
  } catch (err) {
    if (!(err instanceof InteropError || err instanceof CheckpointError)) throw err;
    console.error(`pcl-stream export: ${err.message}`);
    return 1;
  }
}
