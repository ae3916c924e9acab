/**
 * Shape inference, parameter and FLOP counting for a layer tree, at a concrete input shape.
 * Collects every issue (with the node's path and both shapes) instead of stopping at the first.
 */
import { match } from "ts-pattern";
import { childrenOf, joinPath } from "./children.js";
import type { GraphIssue } from "./graph-error.js";
import type { LayerNode } from "./layers.js";
import { sameShape, shapeText, type FeatureShape } from "./shape.js";

/** One row of a graph summary. */
export interface NodeSummary {
  readonly path: string;
  readonly kind: LayerNode["kind"];
  readonly depth: number;
  readonly inShape: FeatureShape;
  readonly outShape: FeatureShape;
  /** Trainable parameters of this node and everything under it. */
  readonly params: number;
  /** Floating-point operations of one sample through this node (multiply-add = 2). */
  readonly flops: number;
}

/** A layer tree inferred at one input shape: output shape, parameters, FLOPs, every node and every issue found. */
export interface Inference {
  readonly outShape: FeatureShape;
  readonly params: number;
  readonly flops: number;
  /** Every node, parents before children. */
  readonly nodes: readonly NodeSummary[];
  readonly issues: readonly GraphIssue[];
}

interface Acc { nodes: NodeSummary[]; issues: GraphIssue[] }

const elements = (s: FeatureShape) => s[0] * s[1] * s[2];

/** Infers `node` applied to one sample of shape `input`. */
export function inferLayer(node: LayerNode, input: FeatureShape, path = ""): Inference {
  const acc: Acc = { nodes: [], issues: [] };
  const r = visit(node, input, path, 0, acc);
  return { ...r, nodes: acc.nodes, issues: acc.issues };
}

interface Local { readonly outShape: FeatureShape; readonly params: number; readonly flops: number }

function visit(node: LayerNode, input: FeatureShape, path: string, depth: number, acc: Acc): Local {
  const index = acc.nodes.length;
  const issue = (message: string) => acc.issues.push({ path: path || "(root)", message: `${node.kind}: ${message}` });
  const [h, w, c] = input;
  const kids = childrenOf(node);
  const child = (i: number, x: FeatureShape) => visit(kids[i].node, x, joinPath(path, kids[i].segment), depth + 1, acc);
  acc.nodes.push(undefined as unknown as NodeSummary); // placeholder keeps parents before children

  const local: Local = match(node)
    .with({ kind: "conv" }, (n) => {
      if (n.in !== undefined && n.in !== c) issue(`declared ${n.in} input channels but the input is ${shapeText(input)}`);
      if (n.kernel < 1 || n.stride < 1 || n.out < 1) issue(`kernel, stride and out must be positive (kernel ${n.kernel}, stride ${n.stride}, out ${n.out})`);
      const pad = Math.floor(n.kernel / 2);
      const oh = Math.floor((h + 2 * pad - n.kernel) / n.stride) + 1;
      const ow = Math.floor((w + 2 * pad - n.kernel) / n.stride) + 1;
      const out: FeatureShape = [oh, ow, n.out];
      return { outShape: out, params: n.kernel * n.kernel * c * n.out + (n.bias ? n.out : 0), flops: 2 * n.kernel * n.kernel * c * elements(out) };
    })
    .with({ kind: "conv3d" }, (n) => ({ outShape: input, params: n.kernel ** 3 + (n.bias ? 1 : 0), flops: 2 * n.kernel ** 3 * elements(input) }))
    .with({ kind: "activation" }, () => ({ outShape: input, params: 0, flops: elements(input) }))
    .with({ kind: "batchNorm" }, () => ({ outShape: input, params: 2 * c, flops: 4 * elements(input) }))
    .with({ kind: "avgPool" }, (n) => {
      if (n.size === "global") return { outShape: [1, 1, c] as const, params: 0, flops: elements(input) };
      if (!Number.isInteger(n.size) || n.size < 1) issue(`size must be a positive integer or "global", got ${n.size}`);
      return { outShape: [n.size, n.size, c] as const, params: 0, flops: elements(input) };
    })
    .with({ kind: "pixelShuffle" }, (n) => {
      const r2 = n.factor * n.factor;
      if (c % r2 !== 0) issue(`input ${shapeText(input)} has ${c} channels, not a multiple of ${r2} (factor ${n.factor})`);
      return { outShape: [h * n.factor, w * n.factor, Math.floor(c / r2)] as const, params: 0, flops: 0 };
    })
    .with({ kind: "meanShift" }, () => {
      if (c !== 3) issue(`expects an RGB input [H,W,3], got ${shapeText(input)}`);
      return { outShape: input, params: 0, flops: elements(input) };
    })
    .with({ kind: "haar" }, (n) => {
      if (h % 2 !== 0 || w % 2 !== 0) issue(`input ${shapeText(input)} must have even height and width`);
      if (n.bands.length === 0) issue("choose at least one band");
      return { outShape: [Math.floor(h / 2), Math.floor(w / 2), c * n.bands.length] as const, params: 0, flops: 2 * elements(input) };
    })
    .with({ kind: "layerAttention" }, (n) => {
      if (c % n.groups !== 0) issue(`input ${shapeText(input)} has ${c} channels, not ${n.groups} groups of equal size`);
      const per = (elements(input) / n.groups);
      return { outShape: input, params: 1, flops: 4 * n.groups * n.groups * per };
    })
    .with({ kind: "learnedScale" }, () => ({ outShape: input, params: 1, flops: elements(input) }))
    .with({ kind: "sequence" }, () => {
      let shape = input, params = 0, flops = 0;
      kids.forEach((_, i) => { const r = child(i, shape); shape = r.outShape; params += r.params; flops += r.flops; });
      return { outShape: shape, params, flops };
    })
    .with({ kind: "skip" }, () => {
      const r = child(0, input);
      if (!sameShape(r.outShape, input)) issue(`body output ${shapeText(r.outShape)} does not match the input ${shapeText(input)} it is added to`);
      return { outShape: input, params: r.params, flops: r.flops + elements(input) * (node.kind === "skip" && node.scale !== 1 ? 2 : 1) };
    })
    .with({ kind: "gate" }, () => {
      const r = child(0, input);
      const [bh, bw, bc] = r.outShape;
      const fits = (bh === h || bh === 1) && (bw === w || bw === 1) && (bc === c || bc === 1);
      if (!fits) issue(`gate ${shapeText(r.outShape)} does not broadcast over the input ${shapeText(input)}`);
      return { outShape: input, params: r.params, flops: r.flops + elements(input) };
    })
    .with({ kind: "branches" }, () => {
      const outs = kids.map((_, i) => child(i, input));
      outs.forEach((o, i) => {
        if (o.outShape[0] !== outs[0].outShape[0] || o.outShape[1] !== outs[0].outShape[1]) {
          issue(`branch ${kids[i].segment} outputs ${shapeText(o.outShape)}, but branch ${kids[0].segment} outputs ${shapeText(outs[0].outShape)}: spatial sizes must match to concatenate`);
        }
      });
      const first = outs[0]?.outShape ?? input;
      return { outShape: [first[0], first[1], outs.reduce((s, o) => s + o.outShape[2], 0)] as const, params: outs.reduce((s, o) => s + o.params, 0), flops: outs.reduce((s, o) => s + o.flops, 0) };
    })
    .with({ kind: "stack" }, () => {
      let shape = input, params = 0, flops = 0, channels = 0;
      kids.forEach((_, i) => {
        const r = child(i, shape);
        if (r.outShape[0] !== input[0] || r.outShape[1] !== input[1]) issue(`stage ${kids[i].segment} outputs ${shapeText(r.outShape)}: every stage must keep the input's spatial size ${shapeText(input)}`);
        shape = r.outShape; params += r.params; flops += r.flops; channels += r.outShape[2];
      });
      return { outShape: [h, w, channels] as const, params, flops };
    })
    .with({ kind: "channels" }, (n) => {
      if (n.start < 0 || n.count < 1 || n.start + n.count > c) issue(`channels [${n.start}, ${n.start + n.count}) are not inside the input ${shapeText(input)}`);
      return { outShape: [h, w, n.count] as const, params: 0, flops: 0 };
    })
    .exhaustive();

  acc.nodes[index] = { path: path || "(root)", kind: node.kind, depth, inShape: input, outShape: local.outShape, params: local.params, flops: local.flops };
  return local;
}
