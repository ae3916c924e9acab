#!/usr/bin/env node
// `npm run build` (also `prepare`, so installs from git and `npm pack` build first): compiles src/,
// bin/ and graphs/ to dist/ (JavaScript and .d.ts) with tsc -p tsconfig.build.json, from a clean
// dist/ so that deleted sources leave nothing behind, then copies the .mjs files tsc does not emit.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
rmSync(dist, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
if (r.status !== 0) {
  console.error(`pcl-stream build: tsc exited with ${r.status ?? r.signal}`);
  process.exit(1);
}

/** Every .mjs file under `dir` (module hooks loaded by path at run time, e.g. src/backend/tfjs-core-esm-resolve.mjs). */
function mjsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? mjsFiles(join(dir, e.name)) : e.name.endsWith(".mjs") ? [join(dir, e.name)] : []));
}
for (const file of mjsFiles(join(root, "src"))) {
  const to = join(dist, relative(root, file));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(file, to);
}
