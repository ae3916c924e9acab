#!/usr/bin/env node
// Builds the native addon (binding.gyp -> build/Release/pcl_native.node) with node-gyp.
// Never fails the install: on any error it prints one warning and exits 0, and pcl-stream then
// runs on tfjs's pure-JS cpu backend (registerNativeBackend() reports why).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const quiet = process.argv.includes("--quiet");

function warn(msg) {
  console.warn(`pcl-stream: native addon not built (${msg}); falling back to the tfjs cpu backend at run time.`);
  process.exit(0);
}

if (process.env.PCL_NATIVE_SKIP_BUILD === "1") warn("PCL_NATIVE_SKIP_BUILD=1");

// node-gyp: the one npm puts on PATH in lifecycle scripts, else the copy bundled with npm.
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_execpath) {
    candidates.push(join(dirname(process.env.npm_execpath), "..", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  }
  const prefix = resolve(dirname(process.execPath), "..");
  candidates.push(join(prefix, "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  candidates.push(join(root, "node_modules", "node-gyp", "bin", "node-gyp.js"));
  const js = candidates.find((p) => existsSync(p));
  if (js) return { cmd: process.execPath, args: [js] };
  return { cmd: "node-gyp", args: [] }; // on PATH inside npm scripts
}

const args = ["rebuild"];
// Use the installed Node headers when no nodedir is configured, so nothing is downloaded.
if (!process.env.npm_config_nodedir) {
  const prefix = resolve(dirname(process.execPath), "..");
  if (existsSync(join(prefix, "include", "node", "node_api.h"))) args.push(`--nodedir=${prefix}`);
}
const jobs = process.env.JOBS ?? "max";
args.push(`--jobs=${jobs}`);

const { cmd, args: pre } = findNodeGyp();
const r = spawnSync(cmd, [...pre, ...args], { cwd: root, stdio: quiet ? "pipe" : "inherit", encoding: "utf8" });
if (r.error) warn(`could not run node-gyp: ${r.error.message}`);
if (r.status !== 0) {
  if (quiet && r.stderr) process.stderr.write(r.stderr.split("\n").slice(-20).join("\n"));
  warn(`node-gyp exited with status ${r.status}`);
}
if (!existsSync(join(root, "build", "Release", "pcl_native.node"))) warn("build/Release/pcl_native.node missing after build");
if (!quiet) console.log("pcl-stream: native addon built (build/Release/pcl_native.node)");
