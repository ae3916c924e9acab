/**
 * Stage: the run folder's TensorBoard event file. Training events become summaries in a new
 * `events.out.tfevents.*` file under `OUT/tb/` (one file per subscription, so a resumed run adds a
 * segment beside the earlier ones, at its own steps): every loss term, the learning rates, G's
 * gradient norm, iterations per second, validation PSNR/SSIM (and NIQE), the validation crops
 * (bicubic | SR | HR) as images, and the graph summary, recipe and full spec as text.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defer, tap, type MonoTypeOperatorFunction } from "rxjs";
import { summarize, type PclSpec } from "../dsl/index.js";
import { learningRate } from "../pipelines/train/learning-rate.js";
import type { TrainEvent } from "../pipelines/train/train.js";
import { createEventFileWriter, type EventFileWriter, type SummaryValue } from "../tensorboard/index.js";
import { recipeOf } from "./read-run.js";

/** The event files' folder inside a run folder. */
export const TENSORBOARD_DIR = "tb";

/** Width and height of a PNG, from its IHDR chunk. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

const fmtInt = (n: number) => n.toLocaleString("en-US");

/** G's and E's nodes (two levels deep) as markdown tables, as TensorBoard's text tab shows them. */
export function graphSummaryMarkdown(spec: PclSpec): string {
  const s = summarize(spec);
  const table = (title: string, net: typeof s.generator) => [
    `**${title}**: input [${net.inShape.join(",")}] -> output [${net.outShape.join(",")}], ${fmtInt(net.params)} parameters, ${fmtInt(Math.round(net.flopsPerLrPixel))} FLOPs per LR pixel`,
    "",
    "| node | kind | output | params |",
    "|---|---|---|---:|",
    ...net.nodes.filter((n) => n.depth <= 2).map((n) => `| ${"&nbsp;&nbsp;".repeat(n.depth)}${n.path.split("/").pop()} | ${n.kind} | [${n.outShape.join(",")}] | ${fmtInt(n.params)} |`),
  ].join("\n");
  return [
    `### ${s.name}: x${s.scale}, LR patch ${s.patch}`, "",
    table("generator", s.generator), "",
    table("embedding network (E)", s.embedding), "",
    `taps: blocks ${s.embedding.taps.join(", ")}`,
  ].join("\n");
}

/** One step event's scalars: `loss/G`, `loss/D`, `loss/<term>`, `lr/G`, `lr/E`, `grad_norm/G`, `speed/it_per_s`. */
function stepScalars(spec: PclSpec, e: Extract<TrainEvent, { type: "step" }>): SummaryValue[] {
  const t = spec.train;
  const values: SummaryValue[] = [{ tag: "loss/G", scalar: e.generator }];
  if (e.discriminator !== null) values.push({ tag: "loss/D", scalar: e.discriminator });
  for (const [term, v] of Object.entries(e.terms)) values.push({ tag: `loss/${term}`, scalar: v });
  values.push({ tag: "lr/G", scalar: e.lrGenerator }, { tag: "lr/E", scalar: learningRate(t.optimizers.embedding.lr, t.schedule, e.iteration) });
  if (e.gradNormGenerator !== null) values.push({ tag: "grad_norm/G", scalar: e.gradNormGenerator });
  values.push({ tag: "speed/it_per_s", scalar: e.itPerSec });
  return values;
}

/**
 * Writes the events that pass through into a new event file in `dir` (TensorBoard: `tensorboard
 * --logdir dir`), passing every event on unchanged. Steps are counted in completed iterations: a
 * step event's scalars sit at `iteration + 1`, a validation's at its `iteration`. Crop images are
 * read from `runDir` (the run folder the crops' paths are relative to). `train` applies it to
 * `out/tb` by default (option `tensorboard`).
 *
 * ```ts
 * train(spec, { out, tensorboard: false }).pipe(writeTensorBoard(join(out, "tb"), spec, { runDir: out })).subscribe();
 * ```
 */
export function writeTensorBoard(dir: string, spec: PclSpec, options: { readonly runDir: string; readonly backend?: string }): MonoTypeOperatorFunction<TrainEvent> {
  if (typeof dir !== "string" || dir.length === 0) throw new TypeError(`writeTensorBoard: dir must be a path, got ${String(dir)}`);
  return (source) => defer(() => {
    let writer: EventFileWriter | undefined;
    const open = () => (writer ??= createEventFileWriter(dir));
    return source.pipe(tap({
      next: (e) => {
        switch (e.type) {
          case "start":
            open().add(e.iteration, [
              { tag: "run/recipe", text: `${recipeOf(spec)}; seed ${e.seed}; ${e.iteration} -> ${e.iterations} iterations${options.backend ? `; backend ${options.backend}` : ""}` },
              { tag: "graph/summary", text: graphSummaryMarkdown(spec) },
              // Four-space indentation: a markdown code block, so the JSON keeps its layout.
              { tag: "graph/spec", text: JSON.stringify(spec, null, 2).split("\n").map((l) => `    ${l}`).join("\n") },
            ]);
            break;
          case "step":
            open().add(e.iteration + 1, stepScalars(spec, e));
            break;
          case "validation": {
            const values: SummaryValue[] = [{ tag: "val/psnr", scalar: e.psnr }, { tag: "val/ssim", scalar: e.ssim }];
            if (e.niqe !== undefined && Number.isFinite(e.niqe)) values.push({ tag: "val/niqe", scalar: e.niqe });
            (e.crops ?? []).forEach((c, k) => {
              const png = readFileSync(join(options.runDir, c.strip));
              values.push({ tag: `val/crops/${k}-${c.name}`, png, ...pngSize(png) });
            });
            open().add(e.iteration, values);
            break;
          }
          default:
        }
      },
      finalize: () => writer?.close(),
    }));
  });
}
