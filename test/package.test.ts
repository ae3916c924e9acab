/**
 * pcl-stream as users get it: `npm pack`, then `npm install <tarball>` into a temporary project
 * with no tsx loader and no dev dependencies, and then:
 * - an ESM consumer run with plain `node` imports every entry point (changing no global state),
 *   composes a graph pcl-stream does not bundle, trains it 5 iterations, evaluates and upscales;
 * - the installed CLI reads that run (`compare`) and loads .mjs and .pcl.ts graph files;
 * - a TypeScript consumer type-checks against the shipped .d.ts, each @ts-expect-error line an error;
 * - the shipped .d.ts give the committed public-API report (api/pcl-stream.api.md).
 * One temporary project for all of them (the install is the slow part: about a minute).
 */
import test from "ava";
import { execFile, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/** The addon tunes glibc's allocator (mallopt): on glibc, unless PCL_NATIVE_MALLOC_TUNE=0. */
const tunesAllocator = typeof (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime === "string" && process.env.PCL_NATIVE_MALLOC_TUNE !== "0";

const ROOT = new URL("..", import.meta.url).pathname;
const FIXTURES = join(ROOT, "test", "fixtures", "package-consumer");
const exec = promisify(execFile);

/** The environment of a fresh shell: nothing from the `npm test` that runs this (npm_config_*, npm_lifecycle_*, ...). */
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== "NODE_OPTIONS"));
const hasCompiler = ["c++", "g++", "clang++"].some((cc) => spawnSync(cc, ["--version"], { stdio: "ignore" }).status === 0);

interface Installed {
  readonly project: string;
  readonly files: readonly string[];
  readonly tarballBytes: number;
  readonly packSeconds: number;
  readonly installSeconds: number;
}

let installed: Installed | undefined;
let installError: unknown;

test.before(async (t) => {
  t.timeout(300_000, "npm pack (with its build) and npm install of the tarball");
  try {
    const dir = mkdtempSync(join(tmpdir(), "pcl-package-"));
    let started = performance.now();
    const packed = await exec("npm", ["pack", "--json", "--pack-destination", dir], { cwd: ROOT, env: cleanEnv, maxBuffer: 64 * 2 ** 20 });
    const packSeconds = (performance.now() - started) / 1000;
    const [info] = JSON.parse(packed.stdout) as { filename: string; size: number; files: { path: string }[] }[];
    const project = join(dir, "consumer");
    spawnSync("mkdir", [project]);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2));
    started = performance.now();
    await exec("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", join(dir, info.filename)], { cwd: project, env: cleanEnv, maxBuffer: 64 * 2 ** 20 });
    installed = { project, files: info.files.map((f) => f.path), tarballBytes: info.size, packSeconds, installSeconds: (performance.now() - started) / 1000 };
  } catch (err) {
    installError = err;
  }
});

function project(t: { log(...v: unknown[]): void }): Installed {
  if (!installed) throw new Error(`npm pack / npm install failed: ${installError instanceof Error ? installError.message : String(installError)}`);
  return installed;
}

test.serial("the tarball holds the build, the launcher, the addon's sources and build script, the bundled data; no tests, no TypeScript sources", (t) => {
  const { files, tarballBytes, packSeconds, installSeconds } = project(t);
  t.log(`tarball ${(tarballBytes / 2 ** 20).toFixed(1)} MiB, ${files.length} files; npm pack ${packSeconds.toFixed(0)} s, npm install ${installSeconds.toFixed(0)} s`);
  for (const entry of ["index", "train/index", "eval/index", "serve/index", "ops/public", "backend/index"]) {
    t.true(files.includes(`dist/src/${entry}.js`) && files.includes(`dist/src/${entry}.d.ts`), entry);
  }
  for (const f of ["bin/pcl-stream.js", "dist/bin/cli.js", "dist/src/backend/tfjs-core-esm-resolve.mjs", "binding.gyp", "scripts/build-native.mjs", "native/binding.cc", "native/README.md", "data/train/t1.png", "data/set5/HR/baby.png", "data/set5/LR_bicubic/X4/baby.png", "dist/graphs/edsr-tiny.pcl.js"]) {
    t.true(files.includes(f), f);
  }
  t.deepEqual(files.filter((f) => /(^|\/)test\/|\.test\.|^examples\/|^bench\/|^api\/|(?<!\.d)\.ts$/.test(f)), []);
});

test.serial("plain node: importing every entry point changes nothing; a custom graph trains 5 iterations, evaluates and upscales; compare reads the run", async (t) => {
  const { project: dir } = project(t);
  t.false(existsSync(join(dir, "node_modules", "typescript")) || existsSync(join(dir, "node_modules", "ava")), "no dev dependencies installed");
  const addon = existsSync(join(dir, "node_modules", "pcl-stream", "build", "Release", "pcl_native.node"));
  if (hasCompiler) t.true(addon, "the install script built the native addon");
  else t.log("no C++ compiler here: the addon is not built, and the consumer runs on the next backend");
  copyFileSync(join(FIXTURES, "consumer.mjs"), join(dir, "consumer.mjs"));
  const out = join(dir, "run");
  const started = performance.now();
  const { stdout } = await exec(process.execPath, ["consumer.mjs", out], { cwd: dir, env: cleanEnv, timeout: 120_000 });
  t.log(`consumer: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const r = JSON.parse(stdout.trim().split("\n").pop()!) as {
    importChangedNothing: boolean; before: unknown; afterImport: unknown; backend: string; allocatorTuned: boolean; sameChoice: boolean; params: number;
    steps: [number, number, boolean][]; done: { type: string; iteration: number }; psnr: number; images: number; bicubicScale: number;
    upscaled: { width: number; height: number; outWidth: number; outHeight: number }; runIteration: number; haarShape: number[];
  };
  t.deepEqual(r.afterImport, r.before, "importing the six entry points registers no backend, kernel or gradient, adds no global, listener or addon");
  t.true(r.importChangedNothing);
  if (addon) t.is(r.backend, "native");
  t.is(r.allocatorTuned, r.backend === "native" && tunesAllocator, "mallopt applied exactly when native is selected (glibc)");
  t.true(r.sameChoice);
  t.deepEqual(r.steps.map(([i]) => i), [0, 1, 2, 3, 4]);
  t.deepEqual(r.steps.map(([, , contrastive]) => contrastive), [false, false, true, true, true], "2 warm-up iterations, then the contrastive term");
  t.true(r.steps.every(([, g]) => Number.isFinite(g)));
  t.deepEqual([r.done.type, r.done.iteration], ["done", 5]);
  t.is(r.images, 5);
  t.true(r.psnr > 5 && r.psnr < 40, `Set5 PSNR ${r.psnr}`);
  t.deepEqual(r.upscaled, { width: 72, height: 72, outWidth: 288, outHeight: 288 });
  t.is(r.runIteration, 5);
  t.deepEqual(r.haarShape, [1, 2, 2, 3]);

  const cli = join(dir, "node_modules", ".bin", "pcl-stream");
  const compared = JSON.parse((await exec(cli, ["compare", out, "--json"], { cwd: dir, env: cleanEnv })).stdout) as { graph: string; iteration: number; recipe: string };
  t.deepEqual([compared.graph, compared.iteration], ["consumer-rcan", 5]);
  t.regex(compared.recipe, /1 L1 \+ 0\.2 InfoNCE\(tau 0\.5\)/);
});

test.serial("the installed CLI loads graph files written in JavaScript (.mjs) and in TypeScript (.pcl.ts, through tsx)", async (t) => {
  const { project: dir } = project(t);
  const cli = join(dir, "node_modules", ".bin", "pcl-stream");
  for (const file of ["graph.mjs", "graph.pcl.ts"]) copyFileSync(join(FIXTURES, file), join(dir, file));
  const js = JSON.parse((await exec(cli, ["graph", "graph.mjs", "--json"], { cwd: dir, env: cleanEnv })).stdout) as { name: string; patch: number };
  t.deepEqual([js.name, js.patch], ["js-graph", 16]);
  const ts = JSON.parse((await exec(cli, ["graph", "graph.pcl.ts", "--json"], { cwd: dir, env: cleanEnv })).stdout) as { name: string; params: number };
  t.is(ts.name, "ts-graph");
  t.true(ts.params > 0);
  const named = await exec(cli, ["graph", "graph.mjs#embedding"], { cwd: dir, env: cleanEnv }).then(() => "ok", (err: { stderr: string }) => err.stderr);
  t.regex(named, /export 'embedding' is not a PCL spec/);
});

test.serial("tsc: a TypeScript consumer type-checks against the shipped .d.ts, and each @ts-expect-error line is an error", async (t) => {
  const { project: dir } = project(t);
  const source = readFileSync(join(FIXTURES, "consumer.ts"), "utf8");
  const lines = source.split("\n");
  const expected = lines.flatMap((l, i) => (/^\s*\/\/ @ts-expect-error/.test(l) ? [i + 2] : []));
  t.true(expected.length >= 7);
  // The same program with the directives removed: exactly the lines under them must fail.
  writeFileSync(join(dir, "consumer.ts"), source);
  writeFileSync(join(dir, "stripped.ts"), lines.map((l) => l.replace(/^(\s*)\/\/ @ts-expect-error.*/, "$1// (directive removed)")).join("\n"));
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: {
      target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true,
      // The shipped .d.ts are checked too; other packages' are not this test's business (filtered below).
      skipLibCheck: false, lib: ["ES2023", "DOM"], types: ["node"], typeRoots: [join(ROOT, "node_modules", "@types")],
    },
    files: ["consumer.ts", "stripped.ts"],
  }));
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const output = await exec(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: dir }).then(() => "", (err: { stdout: string }) => err.stdout);
  const errors = output.split("\n").filter((l) => /error TS\d+/.test(l));
  const ours = (l: string) => l.startsWith("consumer.ts") || l.startsWith("stripped.ts") || l.includes("node_modules/pcl-stream/");
  const elsewhere = errors.filter((l) => !ours(l));
  if (elsewhere.length) t.log(`other packages' .d.ts errors, ignored:\n${elsewhere.join("\n")}`);
  t.deepEqual(errors.filter((l) => ours(l) && !l.startsWith("stripped.ts")), [], "no errors in the consumer or in pcl-stream's .d.ts; every @ts-expect-error is used");
  const failing = [...new Set(errors.filter((l) => l.startsWith("stripped.ts")).map((l) => Number(/^stripped\.ts\((\d+),/.exec(l)?.[1])))];
  t.deepEqual(failing.sort((a, b) => a - b), expected, "without the directives, exactly those lines fail");
});

test.serial("the shipped .d.ts give the committed public-API report, every export documented", async (t) => {
  const { project: dir } = project(t);
  const r = await exec(process.execPath, [join(ROOT, "scripts", "api-report.mjs"), "--package", join(dir, "node_modules", "pcl-stream")], { cwd: ROOT, maxBuffer: 16 * 2 ** 20 })
    .catch((err: { stdout: string; stderr: string }) => ({ stdout: err.stdout, stderr: err.stderr }));
  t.is(r.stderr, "", "every export has JSDoc");
  t.is(r.stdout, readFileSync(join(ROOT, "api", "pcl-stream.api.md"), "utf8"), "the public API changed: review it, then `npm run api-report` and commit api/pcl-stream.api.md");
});
