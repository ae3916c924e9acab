/**
 * `pcl-stream train GRAPH [options]`: trains the graph's generator with PCL and prints progress.
 * Flags override the graph file's training options. SIGINT/SIGTERM: finish the step, checkpoint, exit 0.
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Subject } from "rxjs";
import { currentBackend } from "../../src/backend/index.js";
import { ABLATIONS, ablate, GraphError, isAblation, RECOMPUTE_MODES, withOverrides, type PclSpec, type Recompute, type SpecOverrides } from "../../src/index.js";
import { bundledData, formatBytes, MemoryPlanError, NonFiniteError, REPORT_FILE, startDashboard, train, TrainSetupError, writeReport, type CheckpointCadence, type Dashboard, type PlannedMemory, type TrainEvent } from "../../src/train/index.js";
import { CheckpointError } from "../../src/serve/index.js";
import { BACKEND_CHOICES, backendFlag } from "../backend-flag.js";
import { loadGraphFile } from "../graph-file.js";
import { parseMetrics } from "../metrics-flag.js";

/** The dashboard's port when --dashboard is given without one. */
const DEFAULT_DASHBOARD_PORT = 6060;

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
  --checkpoint-every C  also write OUT/latest every C iterations (e.g. 500) or every C of time
                        (e.g. 90s, 10m, 1h); default 10m
  --lr-scale X          multiply the learning rates (the graph's or --lr's) by X, e.g. --resume
                        --lr-scale 0.1 after a run stopped on a NaN/inf loss
  --val-metrics LIST    what validation measures: psnr,ssim (always) and niqe (NIQE of the SR images)
  --ablation NAME       ${Object.entries(ABLATIONS).map(([k, v]) => `${k} (${v})`).join("; ")}
  --out DIR             run folder: OUT/latest, OUT/best, OUT/metrics.jsonl (default: runs/<graph name>)
  --seed S              seed of weights, batches and augmentations (default: the graph's)
  --resume              continue OUT/latest exactly where it stopped
  --init CKPT           start a new run with CKPT's generator weights (pcl-stream import's output, or a
                        run's best/); E, the optimizers and the iteration start fresh (not with --resume)
  --recompute MODE      auto (default: the least that fits in memory), none, groups or blocks: recompute
                        each residual group's or block's inside in the backward pass instead of keeping it
  --backend NAME        ${BACKEND_CHOICES} (default: the fastest available)
  --log-format FORMAT   text (default) or json (one JSON object per event)
  --dashboard [PORT]    serve a live dashboard of the run (default port ${DEFAULT_DASHBOARD_PORT}; 0: any free port) and print its URL
  --dashboard-host H    the address the dashboard listens on (default 127.0.0.1: this machine only)
  At the end, OUT/report.html sums the run up (curves, best validation, crops, recipe, command);
  OUT/tb/ holds TensorBoard event files (tensorboard --logdir OUT/tb).
exit status: 0 done or stopped; 1 an error; 2 bad usage; 3 not enough memory; 4 a NaN or infinite loss
or gradient (OUT/latest keeps the last good checkpoint)`;

/** `--dashboard` takes an optional value: `--dashboard 8080` and `--dashboard=8080` name the port, a bare `--dashboard` the default. */
function dashboardArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== "--dashboard") { out.push(argv[i]); continue; }
    if (/^\d+$/.test(argv[i + 1] ?? "")) { out.push(`--dashboard=${argv[i + 1]}`); i += 1; } else out.push(`--dashboard=${DEFAULT_DASHBOARD_PORT}`);
  }
  return out;
}

class UsageError extends Error {}

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer, got '${v}'`);
  return n;
}

/** The flags that change the recipe, as `withOverrides` takes them (numbers checked with the flag's name). */
function overridesOf(v: Record<string, string | boolean | undefined>): SpecOverrides {
  const str = (k: string) => (typeof v[k] === "string" ? (v[k] as string) : undefined);
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
  const recompute = str("recompute");
  if (recompute !== undefined && recompute !== "auto" && !(RECOMPUTE_MODES as readonly string[]).includes(recompute)) {
    throw new UsageError(`--recompute must be auto, ${RECOMPUTE_MODES.join(", ")}, got '${recompute}'`);
  }
  let validateMetrics: SpecOverrides["validateMetrics"];
  if (str("val-metrics") !== undefined) {
    try { validateMetrics = parseMetrics("--val-metrics", str("val-metrics")!); } catch (err) { throw new UsageError((err as Error).message); }
  }
  const o: { -readonly [K in keyof SpecOverrides]: SpecOverrides[K] } = {
    iterations: positiveInt("iters", str("iters")), batch: positiveInt("batch", str("batch")), patch: positiveInt("patch", str("patch")),
    validateEvery: positiveInt("validate-every", str("validate-every")), lr, warmup, seed, alpha, tau, recompute: recompute as Recompute | "auto" | undefined,
    validateMetrics,
  };
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as SpecOverrides;
}

/** `--checkpoint-every`: "500" (iterations), "90s", "10m", "1.5h". */
function cadenceOf(v: string | undefined): CheckpointCadence | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(v.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!m || !(n > 0)) throw new UsageError(`--checkpoint-every must be a number of iterations (e.g. 500) or a time (e.g. 90s, 10m, 1h), got '${v}'`);
  if (m[2] === undefined) {
    if (!Number.isInteger(n)) throw new UsageError(`--checkpoint-every: a number of iterations must be a whole number, got '${v}' (add s, m or h for a time)`);
    return { iterations: n };
  }
  return { seconds: n * { s: 1, m: 60, h: 3600 }[m[2] as "s" | "m" | "h"] };
}

/** `--lr-scale X`: the spec with its learning rates (G's, and E's through the graph's E/G ratio) times X. */
function scaleLr(spec: PclSpec, v: string | undefined): PclSpec {
  if (v === undefined) return spec;
  const x = Number(v);
  if (!(x > 0) || !Number.isFinite(x)) throw new UsageError(`--lr-scale must be a positive number, got '${v}'`);
  return withOverrides(spec, { lr: spec.train.optimizers.generator.lr * x });
}

/** `overrides/validateEvery` -> `--validate-every`: an override's issue as the flag that set it. */
const FLAG_OF: Readonly<Record<string, string>> = { iterations: "iters", validateEvery: "validate-every", validateMetrics: "val-metrics" };

function applyFlags(spec: PclSpec, v: Record<string, string | boolean | undefined>): PclSpec {
  const overrides = overridesOf(v);
  try {
    return withOverrides(spec, overrides);
  } catch (err) {
    const flagIssues = err instanceof GraphError ? err.issues.filter((i) => i.path.startsWith("overrides/")) : [];
    if (flagIssues.length === 0) throw err;
    throw new UsageError(flagIssues.map((i) => { const f = i.path.slice("overrides/".length); return `--${FLAG_OF[f] ?? f}: ${i.message}`; }).join("; "));
  }
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
      args: dashboardArgs(argv), allowPositionals: true,
      options: {
        dashboard: { type: "string" }, "dashboard-host": { type: "string" },
        data: { type: "string" }, val: { type: "string" }, iters: { type: "string" }, batch: { type: "string" }, patch: { type: "string" },
        lr: { type: "string" }, warmup: { type: "string" }, alpha: { type: "string" }, tau: { type: "string" }, "validate-every": { type: "string" }, "val-metrics": { type: "string" }, ablation: { type: "string" },
        out: { type: "string" }, seed: { type: "string" }, resume: { type: "boolean" }, init: { type: "string" }, backend: { type: "string" }, recompute: { type: "string" },
        "log-format": { type: "string" }, help: { type: "boolean", short: "h" },
        "checkpoint-every": { type: "string" }, "lr-scale": { type: "string" },
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
  const dashboardPort = values.dashboard === undefined ? undefined : Number(values.dashboard);
  if (dashboardPort !== undefined && !(Number.isInteger(dashboardPort) && dashboardPort >= 0 && dashboardPort < 65536)) { console.error(`pcl-stream train: --dashboard must be a port number (0..65535), got '${values.dashboard as string}'`); return 2; }
  if (values["dashboard-host"] !== undefined && dashboardPort === undefined) { console.error("pcl-stream train: --dashboard-host needs --dashboard"); return 2; }
  const ablation = values.ablation as string | undefined;
  if (ablation !== undefined && !isAblation(ablation)) { console.error(`pcl-stream train: --ablation must be one of ${Object.keys(ABLATIONS).join(", ")}, got '${ablation}'`); return 2; }

  let spec: PclSpec;
  let checkpointEvery: CheckpointCadence | undefined;
  try {
    spec = applyFlags(await loadGraphFile(positionals[0]), values);
    if (ablation) spec = ablate(spec, ablation);
    spec = scaleLr(spec, values["lr-scale"] as string | undefined);
    checkpointEvery = cadenceOf(values["checkpoint-every"] as string | undefined);
  } catch (err) {
    if (err instanceof UsageError) { console.error(`pcl-stream train: ${err.message}`); return 2; }
    throw err;
  }
  const backend = backendFlag(values.backend as string | undefined);
  const bundled = bundledData();
  const data = resolve((values.data as string | undefined) ?? bundled.train);
  const valFlag = values.val as string | undefined;
  const val = valFlag === "none" ? null : resolve(valFlag ?? bundled.set5);
  const out = resolve((values.out as string | undefined) ?? join("runs", spec.name));
  const resume = values.resume === true;
  const init = values.init as string | undefined;
  if (resume && init !== undefined) { console.error("pcl-stream train: --init starts a new run from a checkpoint's generator, --resume continues a run: give one of them"); return 2; }

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

  const tty = logFormat === "text" && process.stderr.isTTY === true;
  let lastVal: number | null = null;
  let total = spec.train.iterations;
  let backendSaid = false;
  const print = (e: TrainEvent) => {
    if (!backendSaid) { backendSaid = true; console.error(currentBackend()!.summary); }
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

  let dashboard: Dashboard | undefined;
  let dashboardStarting: Promise<void> | undefined;
  /** On the start event (the run folder is ready): the dashboard, when asked for, and its URL. */
  const openDashboard = (e: TrainEvent) => {
    if (dashboardPort === undefined || e.type !== "start" || dashboardStarting) return;
    const host = values["dashboard-host"] as string | undefined;
    dashboardStarting = startDashboard([out], { port: dashboardPort, ...(host === undefined ? {} : { host }) }).then(
      (d) => { dashboard = d; console.error(`dashboard: ${d.url}`); },
      (err: unknown) => { console.error(`pcl-stream train: the dashboard could not start (${(err as Error).message}); training goes on without it`); },
    );
  };

  try {
    await new Promise<void>((resolveDone, reject) => {
      train(spec, { data, val, out, resume, stop, ...(init === undefined ? {} : { init: resolve(init) }), ...(backend === undefined ? {} : { backend }), ...(checkpointEvery === undefined ? {} : { checkpointEvery }) })
        .subscribe({ next: (e) => { openDashboard(e); print(e); }, error: reject, complete: resolveDone });
    });
    try {
      writeReport([out], join(out, REPORT_FILE));
      if (logFormat === "text") console.error(`report: ${join(out, REPORT_FILE)}`);
    } catch (err) {
      console.error(`pcl-stream train: could not write ${join(out, REPORT_FILE)}: ${(err as Error).message}`);
    }
  } catch (err) {
    if (err instanceof TrainSetupError) {
      console.error(`pcl-stream train: ${err.option === "out"
        ? `${out} already holds a run (latest/): pass --resume to continue it, or --out to start another`
        : `--${err.option} ${err.path}: no such folder`}`);
      return 2;
    }
    if (err instanceof CheckpointError) { console.error(`pcl-stream train: ${err.message}`); return 2; }
    if (err instanceof NonFiniteError) {
      if (tty) process.stderr.write("\n");
      console.error(`pcl-stream train: ${err.message}`);
      console.error(err.checkpoint
        ? `pcl-stream train: to continue from it with a lower learning rate: pcl-stream train ${positionals[0]} --out ${out} --resume --lr-scale 0.1 (plus this run's other flags)`
        : "pcl-stream train: to start again with a lower learning rate, pass --lr-scale 0.1 (or a smaller --lr)");
      return 4;
    }
    if (!(err instanceof MemoryPlanError)) throw err;
    console.error(`pcl-stream train: not enough memory: ${err.message}`);
    return 3;
  } finally {
    process.off("SIGINT", sigint);
    process.off("SIGTERM", sigterm);
    await dashboardStarting;
    if (dashboard) {
      // One last read, so the page shows the end of the run before the server goes.
      await new Promise((r) => setTimeout(r, 600));
      await dashboard.close();
      if (logFormat === "text") console.error(`dashboard closed; \`pcl-stream dashboard ${out}\` opens it again`);
    }
  }
  return 0;
}
