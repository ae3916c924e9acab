/**
 * What PCL's contrastive term buys, measured: edsr-tiny trained on the bundled data with L1 only,
 * with the paper's weights, with the bundled recipe, and over a bounded sweep (alpha in
 * {0.01, 0.1, 1}, tau in {0.1, 1}, with and without the L1 warm-up), every setting at the same
 * iteration budget and with the same seeds; each run's final model evaluated on Set5 (PSNR, SSIM,
 * NIQE) and on held-out images (NIQE, PSNR); a crop gallery (bicubic | L1 | PCL | HR) per run of
 * the first seed. Runs the CLI (`pcl-stream train`, `pcl-stream eval`), one process per step, and
 * skips what an earlier invocation finished (so an interrupted sweep continues).
 *
 *   npx tsx scripts/contrastive-sweep.ts [--iters 300] [--seeds 1,2] [--out runs/sweep]
 *     [--holdout DIR] [--holdout-count 50] [--only NAME,...]
 *
 * --holdout defaults to ../shared/data/bsd200 when that folder exists (the first --holdout-count
 * images by name, linked into OUT/holdout); without one, only Set5 is measured.
 * Output: OUT/results.jsonl (one line per run), OUT/summary.md (means over seeds), OUT/gallery/*.png.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync, appendFileSync } from "node:fs";
import { join, resolve } from "node:path";
import sharp from "sharp";

interface Setting {
  readonly name: string;
  readonly what: string;
  /** train flags beyond --iters/--seed/--out (the warm-up is a fraction of --iters). */
  readonly flags: (iters: number) => string[];
}

const warm = (iters: number) => String(Math.round(0.9 * iters));

/** The sweep's settings: L1 only, the bundled recipe, the paper's weights, then the grid. */
function settings(): Setting[] {
  const list: Setting[] = [
    { name: "l1", what: "L1 only (no E)", flags: () => ["--ablation", "l1-only"] },
    { name: "bundled", what: "bundled recipe: alpha 0.01, tau 1, 90% L1 warm-up", flags: (n) => ["--warmup", warm(n)] },
  ];
  for (const alpha of [0.01, 0.1, 1]) for (const tau of [0.1, 1]) for (const warmup of [true, false]) {
    const name = `a${alpha}-t${tau}-${warmup ? "warm" : "nowarm"}`;
    if (alpha === 0.01 && tau === 1 && warmup) continue; // = bundled
    const paper = alpha === 1 && tau === 1 && !warmup;
    list.push({
      name: paper ? "paper" : name,
      what: `${paper ? "the paper's weights: " : ""}alpha ${alpha}, tau ${tau}, ${warmup ? "90% L1 warm-up" : "no warm-up"}`,
      flags: (n) => ["--alpha", String(alpha), "--tau", String(tau), "--warmup", warmup ? warm(n) : "0"],
    });
  }
  return list;
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

const root = resolve(import.meta.dirname, "..");
const cli = join(root, "bin", "pcl-stream.js");

function run(args: string[]): string {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`pcl-stream ${args.join(" ")} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

interface SetLine { set: string; images: number; psnr: number; ssim: number; niqe?: number; niqeHr?: number; niqeBicubic?: number }

/** The first `count` images of `dir` (by name), symlinked into `to`. */
function holdoutSubset(dir: string, count: number, to: string): string {
  mkdirSync(to, { recursive: true });
  const files = readdirSync(dir).filter((f) => /\.(png|jpe?g|bmp|tiff?|webp)$/i.test(f)).sort().slice(0, count);
  for (const f of files) if (!existsSync(join(to, f))) symlinkSync(resolve(dir, f), join(to, f));
  return to;
}

/** A strip of same-sized crops of `files` (left to right), 3x nearest-neighbour enlarged, with 4 px gaps. */
async function gallery(files: string[], crop: { left: number; top: number; width: number; height: number }, out: string): Promise<void> {
  const z = 3, gap = 4;
  const tiles = await Promise.all(files.map((f) => sharp(f).extract(crop).resize(crop.width * z, crop.height * z, { kernel: "nearest" }).png().toBuffer()));
  const w = crop.width * z, h = crop.height * z;
  await sharp({ create: { width: files.length * w + (files.length - 1) * gap, height: h, channels: 3, background: "#ffffff" } })
    .composite(tiles.map((input, i) => ({ input, left: i * (w + gap), top: 0 })))
    .png().toFile(out);
}

async function main(): Promise<void> {
  const iters = Number(arg("--iters", "300"));
  const seeds = arg("--seeds", "1,2").split(",").map(Number);
  const out = resolve(arg("--out", "runs/sweep"));
  const only = arg("--only", "");
  const shared = resolve(root, "..", "shared", "data", "bsd200");
  const holdoutDir = arg("--holdout", existsSync(shared) ? shared : "");
  const set5 = join(root, "data", "set5", "HR");
  mkdirSync(join(out, "gallery"), { recursive: true });
  const holdout = holdoutDir ? holdoutSubset(holdoutDir, Number(arg("--holdout-count", "50")), join(out, "holdout")) : null;
  const chosen = settings().filter((s) => !only || only.split(",").includes(s.name));
  const resultsFile = join(out, "results.jsonl");
  const done = new Set(existsSync(resultsFile) ? readFileSync(resultsFile, "utf8").trim().split("\n").filter(Boolean).map((l) => { const r = JSON.parse(l) as { name: string; seed: number }; return `${r.name}/${r.seed}`; }) : []);

  // Seed-major: every setting's first seed before any second one.
  for (const seed of seeds) {
    for (const s of chosen) {
      if (done.has(`${s.name}/${seed}`)) continue;
      const dir = join(out, `${s.name}-s${seed}`);
      const started = Date.now();
      // One validation, at the end: the model measured is the final one (best = last).
      run(["train", "graphs/edsr-tiny.pcl.ts", "--iters", String(iters), "--seed", String(seed), "--validate-every", String(iters),
        "--out", dir, "--log-format", "json", ...s.flags(iters)]);
      const trainSeconds = (Date.now() - started) / 1000;
      const save = join(dir, "sr");
      const lines = run(["eval", "--model", join(dir, "best"), "--data", set5, ...(holdout ? ["--data", holdout] : []),
        "--metrics", "psnr,ssim,niqe", "--json", "--save", save]).trim().split("\n").map((l) => JSON.parse(l) as SetLine);
      const [a, b] = lines;
      const row = {
        name: s.name, what: s.what, seed, iters, trainSeconds,
        set5: { psnr: a.psnr, ssim: a.ssim, niqe: a.niqe, niqeHr: a.niqeHr, niqeBicubic: a.niqeBicubic },
        ...(b ? { holdout: { images: b.images, psnr: b.psnr, ssim: b.ssim, niqe: b.niqe, niqeHr: b.niqeHr, niqeBicubic: b.niqeBicubic } } : {}),
      };
      appendFileSync(resultsFile, JSON.stringify(row) + "\n");
      console.log(JSON.stringify(row));
    }
  }

  // Summary: means over seeds, per setting.
  const rows = readFileSync(resultsFile, "utf8").trim().split("\n").map((l) => JSON.parse(l) as {
    name: string; what: string; seed: number; set5: { psnr: number; ssim: number; niqe: number }; holdout?: { psnr: number; niqe: number };
  });
  const names = [...new Set(rows.map((r) => r.name))];
  const mean = (xs: number[]) => xs.reduce((p, q) => p + q, 0) / xs.length;
  const spread = (xs: number[]) => (xs.length > 1 ? ` ±${((Math.max(...xs) - Math.min(...xs)) / 2).toFixed(xs[0] > 1 ? 2 : 4)}` : "");
  const l1 = rows.filter((r) => r.name === "l1");
  const l1Psnr = l1.length ? mean(l1.map((r) => r.set5.psnr)) : NaN, l1Niqe = l1.length ? mean(l1.map((r) => r.set5.niqe)) : NaN;
  const md = [
    `| setting | seeds | Set5 PSNR | Set5 SSIM | Set5 NIQE | ΔPSNR vs L1 | ΔNIQE vs L1 | held-out NIQE | held-out PSNR |`,
    `|---|---|---|---|---|---|---|---|---|`,
  ];
  for (const n of names) {
    const rs = rows.filter((r) => r.name === n);
    const p = rs.map((r) => r.set5.psnr), q = rs.map((r) => r.set5.ssim), z = rs.map((r) => r.set5.niqe);
    const hz = rs.filter((r) => r.holdout).map((r) => r.holdout!.niqe), hp = rs.filter((r) => r.holdout).map((r) => r.holdout!.psnr);
    md.push(`| ${rs[0].what} | ${rs.map((r) => r.seed).join(",")} | ${mean(p).toFixed(3)}${spread(p)} | ${mean(q).toFixed(4)} | ${mean(z).toFixed(3)}${spread(z)} | `
      + `${n === "l1" ? "-" : (mean(p) - l1Psnr).toFixed(3)} | ${n === "l1" ? "-" : (mean(z) - l1Niqe).toFixed(3)} | ${hz.length ? mean(hz).toFixed(3) : "-"} | ${hp.length ? mean(hp).toFixed(3) : "-"} |`);
  }
  writeFileSync(join(out, "summary.md"), md.join("\n") + "\n");
  console.log(md.join("\n"));

  // Galleries (first seed): bicubic | L1 | setting | HR, on a crop of Set5's butterfly.
  const seed = seeds[0];
  const pick = (n: string) => join(out, `${n}-s${seed}`, "sr", "set5", "butterfly.png");
  const bicubicDir = join(out, "bicubic");
  if (!existsSync(join(bicubicDir, "set5", "butterfly.png"))) run(["eval", "--model", "bicubic", "--data", set5, "--save", bicubicDir, "--json"]);
  const crop = { left: 96, top: 96, width: 96, height: 96 };
  for (const n of names) {
    if (n === "l1" || !existsSync(pick(n)) || !existsSync(pick("l1"))) continue;
    await gallery([join(bicubicDir, "set5", "butterfly.png"), pick("l1"), pick(n), join(set5, "butterfly.png")], crop, join(out, "gallery", `butterfly-${n}.png`));
  }
}

await main();
