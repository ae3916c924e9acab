/**
 * `npm run bench` flags and workload selection, as pure functions (tested in test/bench-args.test.ts;
 * the flags are listed at the top of bench/run.ts).
 */
import { BACKEND_NAMES, type BackendName } from "../src/backend/ladder.js";
import { RECOMPUTE_MODES, type Recompute } from "../src/dsl/train-options.js";

export interface BenchArgs {
  readonly json: boolean;
  /** Workload-name prefixes from --only, or undefined for the default selection. */
  readonly only: readonly string[] | undefined;
  /** --paper: add the paper-scale (opt-in) workloads. */
  readonly paper: boolean;
  /** --backend NAME, or undefined: native as the primary backend, plus tfjs's cpu where a workload lists it. */
  readonly backend: BackendName | undefined;
  /** Native thread count (and PyTorch's); undefined: all cores. */
  readonly threads: number | undefined;
  /** The generator's recomputation in the training workloads. */
  readonly recompute: Recompute;
  /** Override every timed workload's repetitions / warm-up repetitions (short runs while developing). */
  readonly reps: number | undefined;
  readonly warmup: number | undefined;
  /** Smoke-test overrides of the paper workloads' batch, LR patch and inference image side (their figures are then not the named workload's). */
  readonly batch: number | undefined;
  readonly patch: number | undefined;
  readonly image: number | undefined;
  readonly pytorch: boolean;
  /** Run each memory workload in a child process of its own (default; --no-isolate: in this one). */
  readonly isolate: boolean;
  /** Internal: this process is such a child (prints only its results, as {"childResult": ...} lines). */
  readonly child: boolean;
  readonly help: boolean;
}

export class BenchUsageError extends Error {
  override name = "BenchUsageError";
}

const VALUE_FLAGS = ["--only", "--backend", "--threads", "--recompute", "--reps", "--warmup", "--batch", "--patch", "--image"] as const;
const BOOLEAN_FLAGS = ["--json", "--paper", "--no-pytorch", "--no-isolate", "--child", "--help", "-h"] as const;

function positiveInt(flag: string, text: string, min = 1): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new BenchUsageError(`${flag}: expected an integer >= ${min}, got '${text}'`);
  return n;
}

/** Parses `npm run bench -- ...` arguments; a BenchUsageError names the flag and what it expects. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf("=");
    const name = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    if ((VALUE_FLAGS as readonly string[]).includes(name)) {
      const v = eq > 0 && a.startsWith("--") ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || (eq < 0 && v.startsWith("--"))) throw new BenchUsageError(`${name}: expected a value`);
      values.set(name, v);
    } else if ((BOOLEAN_FLAGS as readonly string[]).includes(a)) {
      flags.add(a);
    } else {
      throw new BenchUsageError(`unknown argument '${a}' (expected one of ${[...VALUE_FLAGS, ...BOOLEAN_FLAGS].join(", ")})`);
    }
  }
  const backend = values.get("--backend");
  if (backend !== undefined && !(BACKEND_NAMES as readonly string[]).includes(backend)) {
    throw new BenchUsageError(`--backend: expected one of ${BACKEND_NAMES.join(", ")}, got '${backend}'`);
  }
  const recompute = values.get("--recompute") ?? "none";
  if (!(RECOMPUTE_MODES as readonly string[]).includes(recompute)) {
    throw new BenchUsageError(`--recompute: expected one of ${RECOMPUTE_MODES.join(", ")}, got '${recompute}'`);
  }
  const only = values.get("--only")?.split(",").map((s) => s.trim()).filter(Boolean);
  if (only !== undefined && only.length === 0) throw new BenchUsageError("--only: expected one or more comma-separated workload-name prefixes");
  const int = (flag: string, min = 1) => (values.has(flag) ? positiveInt(flag, values.get(flag)!, min) : undefined);
  const image = int("--image");
  if (image !== undefined && image % 2 !== 0) throw new BenchUsageError(`--image: expected an even side, got ${image}`);
  return {
    json: flags.has("--json"),
    only,
    paper: flags.has("--paper"),
    backend: backend as BackendName | undefined,
    threads: int("--threads"),
    recompute: recompute as Recompute,
    reps: int("--reps"),
    warmup: int("--warmup", 0),
    batch: int("--batch"),
    patch: int("--patch"),
    image,
    pytorch: !flags.has("--no-pytorch"),
    isolate: !flags.has("--no-isolate"),
    child: flags.has("--child"),
    help: flags.has("--help") || flags.has("-h"),
  };
}

/** The arguments of a child process that runs the one workload `name` as this run would (`threads`: the resolved count). */
export function childArgv(a: BenchArgs, name: string, threads: number): string[] {
  const out = ["--child", "--no-pytorch", "--only", name, "--threads", String(threads), "--recompute", a.recompute];
  if (a.backend !== undefined) out.push("--backend", a.backend);
  for (const [flag, v] of [["--reps", a.reps], ["--warmup", a.warmup], ["--batch", a.batch], ["--patch", a.patch], ["--image", a.image]] as const) {
    if (v !== undefined) out.push(flag, String(v));
  }
  return out;
}

/** A workload as the selection sees it, before its module is loaded. */
export interface CatalogName {
  readonly name: string;
  /** Run only when named by --only (or, for the paper group, by --paper). */
  readonly optIn: boolean;
  /** Part of the --paper group. */
  readonly paper: boolean;
}

/**
 * Which workloads run. Without --only: every workload that is not opt-in. Each --only prefix
 * selects the workloads whose name starts with it; a prefix that matches a default workload
 * selects only default ones (so `--only pcl-iteration` stays the edsr-tiny iteration and
 * `--only infer-` the two default inference workloads), otherwise it selects the opt-in ones it
 * matches (`--only pcl-iteration-rcan`, `--only train-step`, `--only infer-rcan`). An exact name
 * always selects its workload. --paper adds the paper group to either selection.
 */
export function selectWorkloads(catalog: readonly CatalogName[], only: readonly string[] | undefined, paper: boolean): Set<string> {
  const picked = new Set<string>();
  if (!only) for (const w of catalog) if (!w.optIn) picked.add(w.name);
  for (const token of only ?? []) {
    const matches = catalog.filter((w) => w.name.startsWith(token));
    const defaults = matches.filter((w) => !w.optIn);
    for (const w of defaults.length ? defaults : matches) picked.add(w.name);
    for (const w of matches) if (w.name === token) picked.add(w.name);
  }
  if (paper) for (const w of catalog) if (w.paper) picked.add(w.name);
  return picked;
}

/** The --only prefixes that select nothing (a typo should not pass silently). */
export function unmatchedPrefixes(catalog: readonly CatalogName[], only: readonly string[] | undefined): string[] {
  return (only ?? []).filter((t) => !catalog.some((w) => w.name.startsWith(t)));
}
