#!/usr/bin/env node
// The pcl-stream command: loads the TypeScript sources (and *.pcl.ts graph files) through tsx.
import { register } from "tsx/esm/api";

// `pcl-stream graph ... | head` closes stdout early: that is not an error.
process.stdout.on("error", (err) => { if (err.code === "EPIPE") process.exit(0); else throw err; });

register();
const { main } = await import("./cli.ts");
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  // Expected failures (bad flags, unreadable files, graph errors) carry their own message; no stack.
  console.error(`pcl-stream: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.PCL_DEBUG && err instanceof Error) console.error(err.stack);
  process.exitCode = 1;
}
