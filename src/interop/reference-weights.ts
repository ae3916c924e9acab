/**
 * Converts weights between a reference PyTorch state dict (EDSR / RCAN / HAN keys, OIHW kernels,
 * 0-rgbRange images) and a pcl-stream generator (variable paths, HWIO kernels, 0-1 images), both
 * ways, checking every key and shape. The rgbRange is read from the file's sub_mean / add_mean
 * (bias = -+ rgbRange * mean, weight = identity).
 */
import type { LayerNode } from "../dsl/index.js";
import { InteropError } from "./interop-error.js";
import { shapeText, sizeOf, type HostTensor, type HostTensors } from "./host-tensor.js";
import { referenceMap, type ReferenceLayout, type ReferenceMap } from "./reference-layout.js";

/** What an import found: the architecture, the rgbRange used, and the weights by variable path. */
export interface FromReference {
  readonly arch: ReferenceMap["arch"];
  readonly rgbRange: number;
  readonly weights: ReadonlyMap<string, HostTensor>;
}

/** The reference shape of a tensor whose graph shape is `shape`. */
function referenceShape(layout: ReferenceLayout, shape: readonly number[]): number[] {
  switch (layout) {
    case "conv2d": return [shape[3], shape[2], shape[0], shape[1]];
    case "conv3d": return [1, 1, shape[0], shape[1], shape[2]];
    case "vector": return [...shape];
    case "scalar": return [1];
  }
}

/** OIHW -> HWIO (and back with `inverse`); other layouts keep their values in order. */
function relayout(layout: ReferenceLayout, t: HostTensor, graphShape: readonly number[], inverse: boolean, scale: number): HostTensor {
  const out = new Float32Array(t.values.length);
  if (layout !== "conv2d") {
    for (let i = 0; i < out.length; i++) out[i] = t.values[i] * scale;
    return { shape: inverse ? referenceShape(layout, graphShape) : [...graphShape], values: out };
  }
  const [kh, kw, ci, co] = graphShape;
  for (let o = 0; o < co; o++) for (let i = 0; i < ci; i++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
    const oihw = ((o * ci + i) * kh + y) * kw + x, hwio = ((y * kw + x) * ci + i) * co + o;
    if (inverse) out[oihw] = t.values[hwio] * scale; else out[hwio] = t.values[oihw] * scale;
  }
  return { shape: inverse ? [co, ci, kh, kw] : [...graphShape], values: out };
}

const MEAN_KEYS = ["sub_mean.weight", "sub_mean.bias", "add_mean.weight", "add_mean.bias"];

/** The rgbRange the file's mean shifts encode for the graph's `mean`, checked (identity weights, matching means). */
function rangeFromMeanShift(tensors: HostTensors, mean: readonly number[], file: string): number | undefined {
  const present = MEAN_KEYS.filter((k) => tensors.has(k));
  if (present.length === 0) return undefined;
  if (present.length < 4) throw new InteropError(`${file}: has ${present.join(", ")} but not ${MEAN_KEYS.filter((k) => !tensors.has(k)).join(", ")}`);
  for (const k of ["sub_mean.weight", "add_mean.weight"]) {
    const w = tensors.get(k)!;
    const identity = w.values.length === 9 && w.values.every((v, i) => Math.abs(v - (i % 4 === 0 ? 1 : 0)) < 1e-6);
    if (!identity) throw new InteropError(`${file}: ${k} is not the identity (an rgb_std other than 1): the graph's mean shift has no per-channel scale`);
  }
  const sub = tensors.get("sub_mean.bias")!.values, add = tensors.get("add_mean.bias")!.values;
  const range = -sub[0] / mean[0];
  const fits = (v: Float32Array, sign: number) => v.length === 3 && mean.every((m, i) => Math.abs(v[i] - sign * range * m) <= 1e-4 * Math.max(1, range));
  if (!(range > 0) || !fits(sub, -1) || !fits(add, 1)) {
    throw new InteropError(`${file}: sub_mean.bias [${[...sub].map((v) => v.toFixed(4)).join(", ")}] and add_mean.bias [${[...add].map((v) => v.toFixed(4)).join(", ")}] are not -/+ rgb_range x the graph's mean [${mean.join(", ")}]`);
  }
  return Math.abs(range - Math.round(range)) < 1e-3 ? Math.round(range) : range;
}

/**
 * The graph's weights from a reference state dict. `shapes` are the graph's variable shapes (by
 * path). Unknown keys, missing keys and wrong shapes are collected and thrown together.
 * `rgbRange` is needed only when the file has no sub_mean / add_mean; when both are there they must agree.
 */
export function fromReference(tensors: HostTensors, generator: LayerNode, shapes: ReadonlyMap<string, readonly number[]>, o: { readonly file: string; readonly rgbRange?: number }): FromReference {
  const map = referenceMap(generator);
  const fileRange = rangeFromMeanShift(tensors, map.mean, o.file);
  if (fileRange !== undefined && o.rgbRange !== undefined && Math.abs(fileRange - o.rgbRange) > 1e-3) {
    throw new InteropError(`${o.file}: its mean shift says rgb_range ${fileRange}, but ${o.rgbRange} was asked for`);
  }
  const rgbRange = o.rgbRange ?? fileRange;
  if (rgbRange === undefined) throw new InteropError(`${o.file}: has no sub_mean / add_mean to read the rgb_range from; give it (255 for the EDSR-PyTorch family)`);
  const issues: string[] = [];
  const mapped = new Set(map.weights.map((w) => w.key));
  const unknown = [...tensors.keys()].filter((k) => !mapped.has(k) && !MEAN_KEYS.includes(k));
  if (unknown.length) issues.push(`keys the ${map.arch.toUpperCase()} graph does not have: ${list(unknown)}`);
  const missing = map.weights.filter((w) => !tensors.has(w.key)).map((w) => w.key);
  if (missing.length) issues.push(`keys the graph needs that the file lacks: ${list(missing)}`);
  const variables = new Set(map.weights.map((w) => w.variable));
  const unmapped = [...shapes.keys()].filter((v) => !variables.has(v));
  if (unmapped.length) issues.push(`graph weights with no reference key: ${list(unmapped)}`);
  const weights = new Map<string, HostTensor>();
  for (const w of map.weights) {
    const t = tensors.get(w.key), shape = shapes.get(w.variable);
    if (!t) continue;
    if (!shape) { issues.push(`${w.key}: the graph has no weight ${w.variable}`); continue; }
    const want = referenceShape(w.layout, shape);
    if (want.length !== t.shape.length || want.some((d, i) => d !== t.shape[i])) {
      if (!(w.layout === "scalar" && sizeOf(t.shape) === 1)) { issues.push(`${w.key} is ${shapeText(t.shape)}, the graph needs ${shapeText(want)} (${w.variable})`); continue; }
    }
    weights.set(w.variable, relayout(w.layout, t, shape, false, rgbRange ** w.rangePower));
  }
  if (issues.length) {
    const looks = fileArch(tensors);
    const hint = looks && looks !== map.arch ? `; the file looks like a reference ${looks.toUpperCase()}` : "";
    const graphShapes = new Map(map.weights.filter((w) => shapes.has(w.variable)).map((w) => [w.key, referenceShape(w.layout, shapes.get(w.variable)!)]));
    const sizes = `the file: ${describe(new Map([...tensors].map(([k, t]) => [k, t.shape])))}; the graph: ${describe(graphShapes)}`;
    throw new InteropError(`${o.file} does not fit the graph (a reference ${map.arch.toUpperCase()}${hint}):\n  ${sizes}\n  ${issues.join("\n  ")}`);
  }
  return { arch: map.arch, rgbRange, weights };
}

/** The reference state dict (keys in the reference module's order: sub_mean, add_mean, then the map's) of the graph's weights `values` (by variable path). */
export function toReference(values: ReadonlyMap<string, HostTensor>, generator: LayerNode, rgbRange = 255): { arch: ReferenceMap["arch"]; tensors: Map<string, HostTensor> } {
  const map = referenceMap(generator);
  const out = new Map<string, HostTensor>();
  const eye = Float32Array.from({ length: 9 }, (_, i) => (i % 4 === 0 ? 1 : 0));
  out.set("sub_mean.weight", { shape: [3, 3, 1, 1], values: eye });
  out.set("sub_mean.bias", { shape: [3], values: Float32Array.from(map.mean, (m) => -rgbRange * m) });
  out.set("add_mean.weight", { shape: [3, 3, 1, 1], values: eye.slice() });
  out.set("add_mean.bias", { shape: [3], values: Float32Array.from(map.mean, (m) => rgbRange * m) });
  for (const w of map.weights) {
    const t = values.get(w.variable);
    if (!t) throw new InteropError(`the checkpoint has no weight ${w.variable} (reference key ${w.key})`);
    out.set(w.key, relayout(w.layout, t, t.shape, true, rgbRange ** -w.rangePower));
  }
  return { arch: map.arch, tensors: out };
}

/** Which reference architecture a state dict's keys belong to, when they say. */
function fileArch(tensors: HostTensors): ReferenceMap["arch"] | undefined {
  const keys = [...tensors.keys()];
  if (keys.includes("la.gamma") || keys.includes("csa.conv.weight")) return "han";
  if (keys.some((k) => k.includes(".conv_du."))) return "rcan";
  if (keys.some((k) => /^body\.\d+\.body\.0\.weight$/.test(k))) return "edsr";
  return undefined;
}

/** "EDSR, 16 blocks x 64 channels, x4" from a state dict's keys and shapes (what can be read off them). */
function describe(shapes: ReadonlyMap<string, readonly number[]>): string {
  const keys = [...shapes.keys()];
  const count = (re: RegExp) => new Set(keys.map((k) => re.exec(k)?.[1]).filter((v) => v !== undefined)).size;
  const channels = shapes.get("head.0.weight")?.[0];
  const stages = keys.filter((k) => /^tail\.0\.\d+\.weight$/.test(k)).map((k) => shapes.get(k)![0]);
  const scale = channels === undefined || stages.length === 0 ? "?"
    : stages.length === 1 && stages[0] === 9 * channels ? "3" : stages.every((c) => c === 4 * channels) ? String(2 ** stages.length) : "?";
  const arch = fileArch(new Map(keys.map((k) => [k, { shape: [], values: new Float32Array() }])));
  const size = arch === "edsr" ? `${count(/^body\.(\d+)\.body\.0\.weight$/)} blocks`
    : arch ? `${count(/^body\.(\d+)\.body\.0\.body\.0\.weight$/)} groups x ${count(/^body\.0\.body\.(\d+)\.body\.0\.weight$/)} blocks` : "?";
  return `${arch?.toUpperCase() ?? "unknown"}, ${size} x ${channels ?? "?"} channels, x${scale}`;
}

const list = (keys: readonly string[]) => (keys.length > 12 ? `${keys.slice(0, 12).join(", ")}, ... (${keys.length} in all)` : keys.join(", "));
