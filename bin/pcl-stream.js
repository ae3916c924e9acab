#!/usr/bin/env node
// The pcl-stream command: loads the TypeScript sources (and *.pcl.ts graph files) through tsx.
import { register } from "tsx/esm/api";

register();
const { main } = await import("./cli.ts");
process.exitCode = await main(process.argv.slice(2));
