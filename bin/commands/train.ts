/**
 * `pcl-stream train GRAPH [options]`: trains the graph's generator with PCL and prints progress.
 * Flags override the graph file's training options. SIGINT/SIGTERM: finish the step, checkpoint, exit 0.
 */
import { appendFileSync, existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Subject } from "rxjs";
import { selectBackend } from "../../src/backend/select.js";
import { BACKEND_CHOICES } from "../backend-flag.js";
import { ABLATIONS, ablate, adam, isAblation, pcl, RECOMPUTE_MODES, type PclSpec, type Recompute } from "../../src/dsl/index.js";
import { formatBytes, MemoryPlanError } from "../../src/pipelines/train/memory-plan.js";
import { train, type PlannedMemory, type TrainEvent } from "../../src/pipelines/train/train.js";
import { loadGraphFile } from "../graph-file.js";
import { parseMetrics } from "../metrics-flag.js";
import { BUNDLED_TRAIN_DIR, BUNDLED_VAL_DIR } from "../package-root.js";

const HELP = `usage: pcl-stream train GRAPH [options]
  GRAPH                 a graph file, e.g. graphs/edsr-tiny.pcl.ts or graphs/edsr.pcl.ts#large
  --data DIR            HR training images, searched recursively (default: the bundled T91)
  --val DIR             HR validation images (default: the bundled Set5); --val none to skip
  --iters N             total iterations (default: the graph's)
  --batch B             batch size (default: the graph's)
  --patch P             LR patch size (default: the graph's)
  --lr X                learning rate of G (and of E, scaled by the graph's E/G ratio)
  --warmup N            L1-only iterations before the contrastive term
  --alpha X             weight of the contrastive (InfoNCE) term
  --tau X               InfoNCE temperature
  --validate-every N    validation and checkpoint cadence
  --val-metrics LIST    what validation measures: psnr,ssim (always) and niqe (NIQE of the SR images)
  --ablation NAME       ${Object.entries(ABLATIONS).map(([k, v]) => `${k} (${v})`).join("; ")}
  --out DIR             run folder: OUT/latest, OUT/best, OUT/metrics.jsonl (default: runs/<graph name>)
  --seed S              seed of weights, batches and augmentations (default: the graph's)
  --resume              continue OUT/latest exactly where it stopped
  --recompute MODE      auto (default: the least that fits in memory), none, groups or blocks: recompute
                        each residual group's or block's inside in the backward pass instead of keeping it
  --backend NAME        ${BACKEND_CHOICES} (default: the fastest available)
  --log-format FORMAT   text (default) or json (one JSON object per event)`;

class UsageError extends Error {}

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer, got '${v}'`);
  return n;
}

function applyFlags(spec: PclSpec, v: Record<string, string | boolean | undefined>): PclSpec {
  const str = (k: string) => (typeof v[k] === "string" ? (v[k] as string) : undefined);
  const t = spec.train;
  const lr = str("lr") === undefined ? undefined : Number(str("lr"));
  if (lr !== undefined && !(lr > 0)) throw new UsageError(`--lr must be a positive number, got '${str("lr")}'`);
  const warmup = str("warmup") === undefined ? undefined : Number(str("warmup"));
  if (warmup !== undefined && !(Number.isInteger(warmup) && warmup >= 0)) throw new UsageError(`--warmup must be a non-negative integer, got '${str("warmup")}'`);
  const seed = str("seed") === undefined ? undefined : Number(str("seed"));
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer, got '${str("seed")}'`);
  const alpha = str("alpha") === undefined ? undefined : Number(str("alpha"));
  if (alpha !== undefined && !(alpha >= 0)) throw new UsageError(`--alpha must be a number >= 0, got '${str("alpha")}'`);
  const tau = str("tau") === undefined ? undefined : Number(str("tau"));
  if (tau !== undefined && !(tau > 0)) throw new UsageError(`--tau must be a positive number, got '${str("tau")}'`);
  if ((alpha !== undefined || tau !== undefined) && !spec.losses.generator.terms.some((term) => term.loss.kind === "infoNce")) {
    throw new UsageError(`--alpha/--tau: the graph '${spec.name}' has no contrastive term`);
  }
  const terms = spec.losses.generator.terms.map((term) => term.loss.kind === "infoNce"
    ? { weight: alpha ?? term.weight, loss: { ...term.loss, tau: tau ?? term.loss.tau } }
    : term);
  const recompute = str("recompute");
  if (recompute !== undefined && recompute !== "auto" && !(RECOMPUTE_MODES as readonly string[]).includes(recompute)) {
    throw new UsageError(`--recompute must be auto, ${RECOMPUTE_MODES.join(", ")}, got '${recompute}'`);
  }
  let validateMetrics = t.validateMetrics;
  if (str("val-metrics") !== undefined) {
    try { validateMetrics = parseMetrics("--val-metrics", str("val-metrics")!); } catch (err) { throw new UsageError((err as Error).message); }
  }
  const ratio = t.optimizers.embedding.lr / t.optimizers.generator.lr;
  const iterations = positiveInt("iters", str("iters")) ?? t.iterations;
  const scaleMilestones = iterations !== t.iterations && t.schedule.kind === "multiStep";
  return pcl({
    ...spec,
    losses: { ...spec.losses, generator: { ...spec.losses.generator, terms } },
    train: {
      ...t,
      iterations,
      batch: positiveInt("batch", str("batch")) ?? t.batch,
      patch: positiveInt("patch", str("patch")) ?? t.patch,
      validateEvery: positiveInt("validate-every", str("validate-every")) ?? Math.min(t.validateEvery, iterations),
      validateMetrics,
      warmup: warmup ?? (iterations !== t.iterations ? Math.round((t.warmup * iterations) / t.iterations) : t.warmup),
      seed: seed ?? t.seed,
      recompute: (recompute as Recompute | "auto" | undefined) ?? t.recompute,
      // A shorter or longer run keeps the schedule's shape: milestones move with the iteration count.
      schedule: scaleMilestones && t.schedule.kind === "multiStep"
        ? { ...t.schedule, milestones: t.schedule.milestones.map((m) => Math.round((m * iterations) / t.iterations)) }
        : t.schedule,
      optimizers: lr === undefined ? t.optimizers : { generator: adam({ ...t.optimizers.generator, lr }), embedding: adam({ ...t.optimizers.embedding, lr: lr * ratio }) },
    },
  });
}

/** "memory: about 6.7 GiB at the peak (...) of 22.1 GiB available; recompute groups (none: 14.9 GiB)". */
function memoryLine(m: PlannedMemory): string {
  const others = m.considered.filter((c) => c.recompute !== m.recompute).map((c) => `${c.recompute}: ${formatBytes(c.estimateBytes)}`);
  return `memory: about ${formatBytes(m.estimateBytes)} at the peak (activations ${formatBytes(m.activationBytes)}, weights and Adam ${formatBytes(m.stateBytes)}, data ${formatBytes(m.dataBytes)}, runtime ${formatBytes(m.runtimeBytes)})`
    + `${m.availableBytes === null ? "" : ` of ${formatBytes(m.availableBytes)} available`}; recompute ${m.recompute}${others.length ? ` (${others.join(", ")})` : ""}`;
}

const fmt = (x: number | null | undefined, d = 4) => (x === null || x === undefined ? "-" : x.toFixed(d));
const duration = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, "0")}s` : `${Math.floor(s)}s`);

export async function run(argv: readonly string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>, positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv], allowPositionals: true,
      options: {
        data: { type: "string" }, val: { type: "string" }, iters: { type: "string" }, batch: { type: "string" }, patch: { type: "string" },
        lr: { type: "string" }, warmup: { type: "string" }, alpha: { type: "string" }, tau: { type: "string" }, "validate-every": { type: "string" }, "val-metrics": { type: "string" }, ablation: { type: "string" },
        out: { type: "string" }, seed: { type: "string" }, resume: { type: "boolean" }, backend: { type: "string" }, recompute: { type: "string" },
        "log-format": { type: "string" }, help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    console.error(`pcl-stream train: ${(err as Error).message}\n${HELP}`);
    return 2;
  }
  if (values.help) { console.log(HELP); return 0; }
  if (positionals.length !== 1) { console.error(`pcl-stream train: expected one GRAPH file, got ${positionals.length}\n${HELP}`); return 2; }
  const logFormat = (values["log-format"] as string | undefined) ?? "text";
  if (logFormat !== "text" && logFormat !== "json") { console.error(`pcl-stream train: --log-format must be text or json, got '${logFormat}'`); return 2; }
  const ablation = values.ablation as string | undefined;
  if (ablation !== undefined && !isAblation(ablation)) { console.error(`pcl-stream train: --ablation must be one of ${Object.keys(ABLATIONS).join(", ")}, got '${ablation}'`); return 2; }

  let spec: PclSpec;
  try {
    spec = applyFlags(await loadGraphFile(positionals[0]), values);
    if (ablation) spec = ablate(spec, ablation);
  } catch (err) {
    if (err instanceof UsageError) { console.error(`pcl-stream train: ${err.message}`); return 2; }
    throw err;
  }
  const data = resolve((values.data as string | undefined) ?? BUNDLED_TRAIN_DIR);
  const valFlag = values.val as string | undefined;
  const val = valFlag === "none" ? null : resolve(valFlag ?? BUNDLED_VAL_DIR);
  for (const [flag, dir] of [["--data", data], ["--val", val]] as const) {
    if (dir !== null && !existsSync(dir)) { console.error(`pcl-stream train: ${flag} ${dir}: no such folder`); return 2; }
  }
  const out = resolve((values.out as string | undefined) ?? join("runs", spec.name));
  const resume = values.resume === true;
  if (!resume && existsSync(join(out, "latest"))) {
    console.error(`pcl-stream train: ${out} already holds a run (latest/): pass --resume to continue it, or --out to start another`);
    return 2;
  }
  mkdirSync(out, { recursive: true });
  const backend = await selectBackend(values.backend as string | undefined);

  const stop = new Subject<void>();
  let signals = 0;
  const onSignal = (sig: string) => {
    signals += 1;
    if (signals > 1) { console.error(`\npcl-stream train: ${sig} again, exiting without a checkpoint`); process.exit(130); }
    console.error(`\npcl-stream train: ${sig}: finishing this step, then writing a checkpoint (${sig} again to exit now)`);
    stop.next();
  };
  const sigint = () => onSignal("SIGINT"), sigterm = () => onSignal("SIGTERM");
  process.on("SIGINT", sigint);
  process.on("SIGTERM", sigterm);

  const metrics = join(out, "metrics.jsonl");
  const tty = logFormat === "text" && process.stderr.isTTY === true;
  let lastVal: number | null = null;
  let total = spec.train.iterations;
  const print = (e: TrainEvent) => {
    if (e.type === "step" || e.type === "validation") appendFileSync(metrics, `${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
    if (logFormat === "json") { console.log(JSON.stringify(e)); return; }
    switch (e.type) {
      case "progress":
        console.error(e.message);
        break;
      case "start":
        total = e.iterations;
        console.error(`${e.resumed ? "resuming" : "training"} ${e.spec} from iteration ${e.iteration} to ${e.iterations} (seed ${e.seed}, ${e.validationImages} validation images) -> ${out}`);
        console.error(memoryLine(e.memory));
        break;
      case "step": {
        const done = e.iteration + 1;
        const line = `it ${done}/${total}  ${e.itPerSec.toFixed(2)} it/s  ETA ${e.etaSeconds === null ? "-" : duration(e.etaSeconds)}  D ${fmt(e.discriminator)}  G ${fmt(e.generator)}  L1 ${fmt(e.terms.l1)}  CL ${fmt(e.terms.infoNce)}  val ${lastVal === null ? "-" : `${lastVal.toFixed(2)} dB`}`;
        if (tty) {
          const width = 20, filled = Math.round((width * done) / total);
          process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${line}\x1b[K`);
        } else console.log(line);
        break;
      }
      case "validation":
        lastVal = e.psnr;
        if (tty) process.stderr.write("\n");
        console.log(`validation at ${e.iteration}: Y-PSNR ${e.psnr.toFixed(3)} dB, SSIM ${e.ssim.toFixed(4)}${e.niqe === undefined ? "" : `, NIQE ${fmt(Number.isNaN(e.niqe) ? null : e.niqe)}`} on ${e.images} images${e.best ? " (best)" : ""}`);
        break;
      case "checkpoint": break;
      case "skip": console.error(`skipped ${e.file}: ${e.reason}`); break;
      case "done":
        if (tty) process.stderr.write("\n");
        console.log(`${e.stopped ? "stopped" : "finished"} at iteration ${e.iteration}; checkpoints in ${out}${e.best ? `; best ${e.best.psnr.toFixed(3)} dB at ${e.best.iteration}` : ""}`);
        break;
    }
  };

  try {
    await new Promise<void>((resolveDone, reject) => {
      train({ spec, data, val, out, resume, backend, stop }).subscribe({ next: print, error: reject, complete: resolveDone });
    });
  } catch (err) {
    if (!(err instanceof MemoryPlanError)) throw err;
    console.error(`pcl-stream train: not enough memory: ${err.message}`);
    return 3;
  } finally {
    process.off("SIGINT", sigint);
    process.off("SIGTERM", sigterm);
  }
  return 0;
}
