#!/usr/bin/env node
// The pcl-stream command. In a checkout (bin/cli.ts beside this file) it runs the TypeScript
// sources; in an installed package, the build in dist/. Either way tsx is registered first, so that
// graph files written in TypeScript (*.pcl.ts) load; .js and .mjs graph files need nothing.
import { existsSync } from "node:fs";
import { register } from "tsx/esm/api";

// `pcl-stream graph ... | head` closes stdout early: that is not an error.
process.stdout.on("error", (err) => { if (err.code === "EPIPE") process.exit(0); else throw err; });

register();
const fromSources = existsSync(new URL("./cli.ts", import.meta.url));
const { main } = await import(fromSources ? "./cli.ts" : "../dist/bin/cli.js");
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  // Expected failures (bad flags, unreadable files, graph errors) carry their own message; no stack.
  console.error(`pcl-stream: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.PCL_DEBUG && err instanceof Error) console.error(err.stack);
  process.exitCode = 1;
}
