/** The per-node summary `pcl-stream graph` prints: output shape, parameters, FLOPs per LR pixel. */
import type { NodeSummary } from "./infer.js";
import { specShapes, type PclSpec } from "./spec.js";
import type { FeatureShape } from "./shape.js";

/** One network's summary: parameters, FLOPs per LR pixel, input and output shapes, every node. */
export interface NetworkSummary {
  readonly params: number;
  /** FLOPs of one forward pass divided by the number of LR pixels (multiply-add = 2). */
  readonly flopsPerLrPixel: number;
  readonly inShape: FeatureShape;
  readonly outShape: FeatureShape;
  readonly nodes: readonly NodeSummary[];
}

/** A spec's summary: G's and E's (E with its taps and their shapes), at the training patch size. */
export interface GraphSummary {
  readonly name: string;
  readonly scale: number;
  readonly patch: number;
  readonly generator: NetworkSummary;
  readonly embedding: NetworkSummary & { readonly taps: readonly number[]; readonly tapShapes: readonly FeatureShape[] };
}

/**
 * Per-node output shapes, parameters and FLOPs of G and E (what `pcl-stream graph` prints).
 *
 * ```ts
 * const s = summarize(spec);
 * console.log(s.generator.params, s.generator.flopsPerLrPixel);
 * ```
 */
export function summarize(spec: PclSpec): GraphSummary {
  const s = specShapes(spec);
  const lrPixels = s.lr[0] * s.lr[1];
  const e = s.embedding;
  return {
    name: spec.name, scale: spec.scale, patch: spec.train.patch,
    generator: { params: s.generator.params, flopsPerLrPixel: s.generator.flops / lrPixels, inShape: s.lr, outShape: s.generator.outShape, nodes: s.generator.nodes },
    embedding: { params: e.params, flopsPerLrPixel: e.flops / lrPixels, inShape: s.hr, outShape: e.logitShape, nodes: e.nodes, taps: spec.embedding.taps, tapShapes: e.tapShapes },
  };
}
