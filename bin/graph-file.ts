/**
 * Loads a PCL spec from a graph file: `graphs/edsr.pcl.ts` (its default export) or
 * `graphs/edsr.pcl.ts#large` (a named export). TypeScript graph files load through tsx (the
 * launcher, bin/pcl-stream.js, registers it); a graph can also be a `.js` or `.mjs` module.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { PclSpec } from "../src/index.js";

export class GraphFileError extends Error {
  override readonly name = "GraphFileError";
}

const isSpec = (v: unknown): v is PclSpec => typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "pcl";

export async function loadGraphFile(ref: string): Promise<PclSpec> {
  const hash = ref.lastIndexOf("#");
  const file = hash >= 0 ? ref.slice(0, hash) : ref;
  const exportName = hash >= 0 ? ref.slice(hash + 1) : "default";
  const path = resolve(file);
  if (!existsSync(path)) throw new GraphFileError(`${file}: no such graph file`);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new GraphFileError(`${file}: the graph could not be built:\n${err instanceof Error ? err.message : String(err)}`);
  }
  const value = module[exportName];
  if (!isSpec(value)) {
    const specs = Object.keys(module).filter((k) => isSpec(module[k])).map((k) => (k === "default" ? file : `${file}#${k}`));
    const what = value === undefined ? `has no export '${exportName}'` : `export '${exportName}' is not a PCL spec (build it with pcl({...}))`;
    throw new GraphFileError(`${file}: ${what}; specs in this file: ${specs.join(", ") || "none"}`);
  }
  return value;
}
