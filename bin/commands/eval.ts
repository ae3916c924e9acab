/**
 * `pcl-stream eval`: PSNR/SSIM of a model (or bicubic) on image folders, measured the way the
 * published tables are (see src/pipelines/evaluate.ts).
 */
import { parseArgs } from "node:util";
import { from, lastValueFrom, tap } from "rxjs";
import { evaluate, setName, type EvalEvent, type ImageResult, type SetSummary } from "../../src/eval/index.js";
import { loadUpscaler } from "../../src/serve/index.js";
import { BACKEND_CHOICES, startBackend } from "../backend-flag.js";

const USAGE = `usage: pcl-stream eval --model MODEL --data DIR [--data DIR ...] [options]

  --model MODEL      'bicubic' or a checkpoint directory
  --data DIR         a folder of HR images (recursive); repeat for several sets
  --scale N          upscaling factor (default 4)
  --lr-dir DIR       ready-made LR images (baby.png or babyx4.png for HR baby.png) instead of
                     MATLAB bicubic LR made from HR; give one per --data, in the same order
  --self-ensemble    average the 8 flip/transpose variants
  --save DIR         write the SR images (8-bit PNG) under DIR/<set>/
  --tile N           LR tile size for upscaling (default 128)
  --overlap N        LR context pixels per tile side (default: the model's receptive radius, at most 32)
  --json             one JSON line per set: {"set","images","psnr","ssim","psnrRgb"}
  --verbose          also print every image's numbers
  --backend NAME     ${BACKEND_CHOICES} (default: the best available)

PSNR and SSIM are on the BT.601 Y channel of the 8-bit SR image, with --scale pixels cropped from
every border; SSIM uses an 11x11 Gaussian window (sigma 1.5).`;

const OPTIONS = {
  model: { type: "string" },
  data: { type: "string", multiple: true },
  scale: { type: "string", default: "4" },
  "lr-dir": { type: "string", multiple: true },
  "self-ensemble": { type: "boolean", default: false },
  save: { type: "string" },
  tile: { type: "string" },
  overlap: { type: "string" },
  json: { type: "boolean", default: false },
  verbose: { type: "boolean", default: false },
  backend: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

class UsageError extends Error {}

function positiveInt(flag: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag}: expected an integer >= ${min}, got '${value}'`);
  return n;
}

/** Numbers as tables print them; JSON has no Infinity, so identical images give null there. */
const fixed = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : "inf");
const jsonNumber = (x: number): number | null => (Number.isFinite(x) ? x : null);

function parse(argv: readonly string[]) {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return undefined;
  if (!values.model) throw new UsageError("--model is required ('bicubic' or a checkpoint directory)");
  const data = values.data ?? [];
  if (data.length === 0) throw new UsageError("--data is required (a folder of HR images)");
  const lrDirs = values["lr-dir"] ?? [];
  if (lrDirs.length > 0 && lrDirs.length !== data.length) {
    throw new UsageError(`--lr-dir: given ${lrDirs.length} times for ${data.length} --data folders (give one per --data, in the same order)`);
  }
  const scale = positiveInt("scale", values.scale)!;
  const tile = positiveInt("tile", values.tile);
  const overlap = positiveInt("overlap", values.overlap, 0);
  return {
    model: values.model,
    sets: data.map((hrDir, i) => ({ hrDir, ...(lrDirs[i] === undefined ? {} : { lrDir: lrDirs[i] }) })),
    scale,
    tiles: { ...(tile === undefined ? {} : { tile }), ...(overlap === undefined ? {} : { overlap }) },
    selfEnsemble: values["self-ensemble"],
    save: values.save,
    json: values.json,
    verbose: values.verbose,
    backend: values.backend,
  };
}

/** One image's line (--verbose); on stderr with --json so that stdout stays one JSON line per set. */
function printImage(r: ImageResult, json: boolean): void {
  const line = `  ${r.set}/${r.file}  ${r.width}x${r.height}  PSNR ${fixed(r.psnr, 2)}  SSIM ${fixed(r.ssim, 4)}  PSNR(RGB) ${fixed(r.psnrRgb, 2)}  ${r.seconds.toFixed(2)}s`;
  (json ? console.error : console.log)(line);
}

export async function run(argv: readonly string[]): Promise<number> {
  let opts;
  try {
    opts = parse(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`pcl-stream eval: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (!opts) {
    console.log(USAGE);
    return 0;
  }
  const nameWidth = Math.max(8, ...opts.sets.map((s) => setName(s.hrDir).length));
  let upscaler;
  try {
    await startBackend(opts.backend, "inference");
    upscaler = await loadUpscaler(opts.model, { scale: opts.scale });
    if (!opts.json) {
      console.log(`${upscaler.name} x${opts.scale}${opts.selfEnsemble ? " (self-ensemble)" : ""}: Y-PSNR / SSIM, ${opts.scale}-pixel border cropped`);
      console.log(`${"set".padEnd(nameWidth)}  images  PSNR(Y)   SSIM(Y)  PSNR(RGB)`);
    }
    const printSet = (s: SetSummary) => {
      if (opts.json) {
        console.log(JSON.stringify({ set: s.set, images: s.images, psnr: jsonNumber(s.psnr), ssim: s.ssim, psnrRgb: jsonNumber(s.psnrRgb), model: upscaler!.name, scale: opts.scale, selfEnsemble: opts.selfEnsemble }));
      } else {
        console.log(`${s.set.padEnd(nameWidth)}  ${String(s.images).padStart(6)}  ${fixed(s.psnr, 2).padStart(7)}  ${fixed(s.ssim, 4).padStart(8)}  ${fixed(s.psnrRgb, 2).padStart(9)}`);
      }
    };
    await lastValueFrom(
      from(opts.sets).pipe(
        evaluate(upscaler, { scale: opts.scale, selfEnsemble: opts.selfEnsemble, tiles: opts.tiles, ...(opts.save ? { saveDir: opts.save } : {}) }),
        tap((e: EvalEvent) => {
          if (e.kind === "set") printSet(e);
          else if (opts.verbose) printImage(e, opts.json);
        }),
      ),
      { defaultValue: undefined },
    );
    return 0;
  } catch (err) {
    console.error(`pcl-stream eval: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    upscaler?.dispose();
  }
}
