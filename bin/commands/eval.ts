/**
 * `pcl-stream eval`: PSNR/SSIM (and NIQE) of a model (or bicubic) on image folders, measured the
 * way the published tables are (see src/pipelines/evaluate.ts).
 */
import { parseArgs } from "node:util";
import { from, lastValueFrom, tap } from "rxjs";
import type { MetricName } from "../../src/index.js";
import { evaluate, setName, type EvalEvent, type ImageResult, type SetSummary } from "../../src/eval/index.js";
import { loadUpscaler } from "../../src/serve/index.js";
import { BACKEND_CHOICES, startBackend } from "../backend-flag.js";
import { parseMetrics } from "../metrics-flag.js";
import { createProgress, progressMode, type Progress } from "../progress-line.js";

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
  --metrics LIST     psnr,ssim (default) and/or niqe, comma-separated: what the lines show
  --json             one JSON line per set: {"set","images","psnr","ssim","psnrRgb"}, with niqe
                     also "niqe","niqeHr","niqeBicubic" (NIQE of SR, HR and bicubic) and "niqeImages"
  --log-format F      text (default: a progress line on a terminal) or json: one JSON object per line on
                     stdout, {"type":"progress","done","total","rate","etaSeconds",...} as images finish
                     and each set's line (the --json fields) with "type":"set"
  --verbose          also print every image's numbers
  --backend NAME     ${BACKEND_CHOICES} (default: the best available)

PSNR and SSIM are on the BT.601 Y channel of the 8-bit SR image, with --scale pixels cropped from
every border; SSIM uses an 11x11 Gaussian window (sigma 1.5). NIQE (no-reference, lower is more
natural) is MATLAB's niqe on the 8-bit Y channel with the same crop; images with fewer than two
96x96 blocks have none and are left out of its means (niqeImages counts the others).`;

const OPTIONS = {
  model: { type: "string" },
  data: { type: "string", multiple: true },
  scale: { type: "string", default: "4" },
  "lr-dir": { type: "string", multiple: true },
  "self-ensemble": { type: "boolean", default: false },
  save: { type: "string" },
  tile: { type: "string" },
  overlap: { type: "string" },
  metrics: { type: "string", default: "psnr,ssim" },
  json: { type: "boolean", default: false },
  verbose: { type: "boolean", default: false },
  "log-format": { type: "string", default: "text" },
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

/** Numbers as tables print them ("-" for no value); JSON has no Infinity or NaN, so identical images (and images without a NIQE) give null there. */
const fixed = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : Number.isNaN(x) ? "-" : "inf");
const jsonNumber = (x: number): number | null => (Number.isFinite(x) ? x : null);

function parse(argv: readonly string[]) {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return undefined;
  const logFormat = values["log-format"];
  if (logFormat !== "text" && logFormat !== "json") throw new UsageError(`--log-format must be text or json, got '${logFormat}'`);
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
  let metrics: MetricName[];
  try {
    metrics = parseMetrics("--metrics", values.metrics);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    model: values.model,
    sets: data.map((hrDir, i) => ({ hrDir, ...(lrDirs[i] === undefined ? {} : { lrDir: lrDirs[i] }) })),
    scale,
    tiles: { ...(tile === undefined ? {} : { tile }), ...(overlap === undefined ? {} : { overlap }) },
    selfEnsemble: values["self-ensemble"],
    save: values.save,
    metrics,
    json: values.json || logFormat === "json",
    logFormat: logFormat as "text" | "json",
    verbose: values.verbose,
    backend: values.backend,
  };
}

/** One image's line (--verbose); on stderr with --json so that stdout stays one JSON line per set. */
function printImage(r: ImageResult, metrics: readonly MetricName[], json: boolean): void {
  const parts = [
    ...(metrics.includes("psnr") ? [`PSNR ${fixed(r.psnr, 2)}`] : []),
    ...(metrics.includes("ssim") ? [`SSIM ${fixed(r.ssim, 4)}`] : []),
    ...(metrics.includes("psnr") ? [`PSNR(RGB) ${fixed(r.psnrRgb, 2)}`] : []),
    ...(r.niqe ? [`NIQE ${fixed(r.niqe.niqe, 4)} (HR ${fixed(r.niqe.niqeHr, 4)}, bicubic ${fixed(r.niqe.niqeBicubic, 4)})`] : []),
  ];
  (json ? console.error : console.log)(`  ${r.set}/${r.file}  ${r.width}x${r.height}  ${parts.join("  ")}  ${r.seconds.toFixed(2)}s`);
}

/** The table's columns for the metrics asked for: JSON field, header, digits. */
function columnsOf(metrics: readonly MetricName[]): { field: "psnr" | "ssim" | "psnrRgb" | "niqe" | "niqeHr" | "niqeBicubic"; head: string; digits: number }[] {
  return [
    ...(metrics.includes("psnr") ? [{ field: "psnr", head: "PSNR(Y)", digits: 2 }] as const : []),
    ...(metrics.includes("ssim") ? [{ field: "ssim", head: "SSIM(Y)", digits: 4 }] as const : []),
    ...(metrics.includes("psnr") ? [{ field: "psnrRgb", head: "PSNR(RGB)", digits: 2 }] as const : []),
    ...(metrics.includes("niqe") ? [{ field: "niqe", head: "NIQE", digits: 4 }, { field: "niqeHr", head: "NIQE(HR)", digits: 4 }, { field: "niqeBicubic", head: "NIQE(bicubic)", digits: 4 }] as const : []),
  ];
}

/** A set's number in a column (NaN where the set has none: NIQE not measured). */
function valueOf(s: SetSummary, field: ReturnType<typeof columnsOf>[number]["field"]): number {
  if (field === "psnr" || field === "ssim" || field === "psnrRgb") return s[field];
  return s.niqe ? s.niqe[field] : NaN;
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
    const names = { psnr: "Y-PSNR", ssim: "SSIM", niqe: "NIQE" } as const;
    if (!opts.json) {
      console.log(`${upscaler.name} x${opts.scale}${opts.selfEnsemble ? " (self-ensemble)" : ""}: ${opts.metrics.map((m) => names[m]).join(" / ")}, ${opts.scale}-pixel border cropped`);
    }
    const columns = columnsOf(opts.metrics);
    const widths = columns.map((c) => Math.max(8, c.head.length));
    if (!opts.json) console.log(`${"set".padEnd(nameWidth)}  images  ${columns.map((c, i) => c.head.padStart(widths[i])).join("  ")}`);
    const printSet = (s: SetSummary) => {
      if (opts.json) {
        const fields = Object.fromEntries(columns.map((c) => [c.field, jsonNumber(valueOf(s, c.field))]));
        console.log(JSON.stringify({ ...(opts.logFormat === "json" ? { type: "set" } : {}), set: s.set, images: s.images, ...fields, ...(s.niqe ? { niqeImages: s.niqe.images } : {}), model: upscaler!.name, scale: opts.scale, selfEnsemble: opts.selfEnsemble }));
        return;
      }
      const text = columns.map((c, i) => fixed(valueOf(s, c.field), c.digits).padStart(widths[i]));
      console.log(`${s.set.padEnd(nameWidth)}  ${String(s.images).padStart(6)}  ${text.join("  ")}`);
    };
    const mode = progressMode(opts.logFormat, opts.json);
    let progress: Progress | undefined;
    let setStarted = performance.now();
    await lastValueFrom(
      from(opts.sets).pipe(
        evaluate(upscaler, { scale: opts.scale, selfEnsemble: opts.selfEnsemble, tiles: opts.tiles, metrics: opts.metrics, ...(opts.save ? { saveDir: opts.save } : {}) }),
        tap((e: EvalEvent) => {
          if (e.kind === "set") {
            progress?.around(() => printSet(e));
            progress?.finish();
            progress = undefined;
            setStarted = performance.now();
            return;
          }
          progress ??= createProgress({ task: `eval ${e.set}`, unit: "images", total: e.count, mode, startedAt: setStarted });
          if (opts.verbose) progress.around(() => printImage(e, opts.metrics, opts.json));
          progress.tick();
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
