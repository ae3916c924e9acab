/** `pcl-stream graph GRAPH [--json] [--depth N]`: per-node shapes, parameters and FLOPs per LR pixel. */
import { parseArgs } from "node:util";
import { summarize, type NetworkSummary } from "../../src/index.js";
import { loadGraphFile } from "../graph-file.js";

const HELP = `usage: pcl-stream graph GRAPH [--json] [--depth N] [--nodes]
  GRAPH       a graph file, e.g. graphs/rcan.pcl.ts or graphs/edsr.pcl.ts#large
  --depth N   print nodes down to depth N (default 2)
  --json      one JSON object: name, scale, patch, params, flopsPerLrPixel (generator), generator, embedding
  --nodes     with --json, include every node`;

const fmtInt = (n: number) => n.toLocaleString("en-US");
const fmtFlops = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} G` : n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0));

function table(title: string, net: NetworkSummary, lrPixels: number, depth: number): string {
  const rows = net.nodes.filter((n) => n.depth <= depth).map((n) => [
    `${"  ".repeat(n.depth)}${n.path.split("/").pop()}`, n.kind, `[${n.outShape.join(",")}]`, fmtInt(n.params), fmtFlops(n.flops / lrPixels),
  ]);
  const head = ["node", "kind", "output", "params", "FLOPs/LR px"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i >= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
  return [
    `${title}: input [${net.inShape.join(",")}] -> output [${net.outShape.join(",")}]`,
    line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line),
    `total: ${fmtInt(net.params)} parameters, ${fmtFlops(net.flopsPerLrPixel)}FLOPs per LR pixel`,
  ].join("\n");
}

export async function run(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv], allowPositionals: true,
    options: { json: { type: "boolean" }, depth: { type: "string" }, nodes: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) { console.log(HELP); return 0; }
  if (positionals.length !== 1) { console.error(`pcl-stream graph: expected one GRAPH file, got ${positionals.length}\n${HELP}`); return 2; }
  const depth = values.depth === undefined ? 2 : Number(values.depth);
  if (!Number.isInteger(depth) || depth < 0) { console.error(`pcl-stream graph: --depth must be a non-negative integer, got '${values.depth}'`); return 2; }
  const spec = await loadGraphFile(positionals[0]);
  const s = summarize(spec);
  if (values.json) {
    const net = (n: NetworkSummary) => ({ params: n.params, flopsPerLrPixel: n.flopsPerLrPixel, inShape: n.inShape, outShape: n.outShape, ...(values.nodes ? { nodes: n.nodes } : {}) });
    console.log(JSON.stringify({
      name: s.name, scale: s.scale, patch: s.patch, params: s.generator.params, flopsPerLrPixel: s.generator.flopsPerLrPixel,
      generator: net(s.generator), embedding: { ...net(s.embedding), taps: s.embedding.taps, tapShapes: s.embedding.tapShapes },
    }));
    return 0;
  }
  const lrPixels = s.patch * s.patch;
  console.log(`${s.name}: x${s.scale}, LR patch ${s.patch}x${s.patch} (shapes are per sample)\n`);
  console.log(table("generator", s.generator, lrPixels, depth));
  console.log();
  console.log(table("embedding network (E)", s.embedding, lrPixels, depth));
  console.log(`taps: blocks ${s.embedding.taps.join(", ")} -> ${s.embedding.tapShapes.map((t) => `[${t.join(",")}]`).join(" ")}`);
  return 0;
}
