/**
 * The top-level PCL spec: generator, embedding network, positives, negatives, losses, training
 * options. `pcl()` checks the whole graph at the training patch size and freezes it; any issue
 * throws a GraphError naming the node's path and the shapes involved.
 */
import type { NegativesSpec, PositivesSpec } from "./augment.js";
import type { EmbeddingNode } from "./embedding.js";
import { GraphError, type GraphIssue } from "./graph-error.js";
import { inferLayer, type NodeSummary } from "./infer.js";
import type { LayerNode } from "./layers.js";
import type { DiscriminatorLoss, GeneratorTerm, WeightedSum } from "./loss.js";
import { shapeText, type FeatureShape } from "./shape.js";
import { isMetricName, METRIC_NAMES } from "./metrics.js";
import { RECOMPUTE_MODES, type TrainOptions } from "./train-options.js";

/** A complete PCL recipe, as `pcl()` builds and checks it: plain, frozen data (it is saved as JSON in checkpoints). `Tap` is E's tap union. */
export interface PclSpec<Tap extends number = number> {
  readonly kind: "pcl";
  readonly name: string;
  readonly scale: 2 | 3 | 4 | 8;
  readonly generator: LayerNode;
  readonly embedding: EmbeddingNode<Tap>;
  readonly positives: PositivesSpec;
  readonly negatives: NegativesSpec;
  readonly losses: {
    readonly generator: WeightedSum;
    /** null: E is not trained (L1-only recipes). */
    readonly discriminator: DiscriminatorLoss | null;
  };
  readonly train: TrainOptions;
}

/** What `pcl()` takes: a spec without its `kind` tag. */
export type PclSpecInput<Tap extends number> = Omit<PclSpec<Tap>, "kind">;

/** Builds and checks a spec. Throws GraphError listing every issue. */
export function pcl<Tap extends number>(spec: PclSpecInput<Tap>): PclSpec<Tap> {
  const built: PclSpec<Tap> = Object.freeze({ kind: "pcl" as const, ...spec });
  const issues = checkSpec(built);
  if (issues.length > 0) throw new GraphError(issues);
  return built;
}

/** Shapes of one sample through G and E at the training patch size. */
export interface SpecShapes {
  readonly lr: FeatureShape;
  readonly hr: FeatureShape;
  readonly generator: ReturnType<typeof inferLayer>;
  readonly embedding: EmbeddingInference;
}

/** E inferred at one input shape: its nodes, parameters, FLOPs, the shapes of its taps and logits, and any issues. */
export interface EmbeddingInference {
  readonly nodes: readonly NodeSummary[];
  readonly params: number;
  readonly flops: number;
  readonly tapShapes: readonly FeatureShape[];
  readonly logitShape: FeatureShape;
  readonly issues: readonly GraphIssue[];
}

/** Infers E on an image of shape `input`; taps are checked against the blocks. */
export function inferEmbedding(e: EmbeddingNode, input: FeatureShape, path = "embedding"): EmbeddingInference {
  const nodes: NodeSummary[] = [];
  const issues: GraphIssue[] = [];
  let shape = input, params = 0, flops = 0;
  const run = (node: LayerNode, p: string) => {
    const r = inferLayer(node, shape, p);
    nodes.push(...r.nodes); issues.push(...r.issues);
    shape = r.outShape; params += r.params; flops += r.flops;
    return r.outShape;
  };
  if (e.input) run(e.input, `${path}/input`);
  const blockShapes = e.blocks.map((b, i) => run(b, `${path}/blocks/${i}`));
  const logitShape = run(e.head, `${path}/head`);
  if (logitShape[2] !== 1) issues.push({ path: `${path}/head`, message: `head must give one logit per position, got ${shapeText(logitShape)}` });
  const tapShapes: FeatureShape[] = [];
  for (const t of e.taps) {
    if (!Number.isInteger(t) || t < 0 || t >= e.blocks.length) issues.push({ path: `${path}/taps`, message: `tap ${t} is not a block index (E has blocks 0..${e.blocks.length - 1})` });
    else tapShapes.push(blockShapes[t]);
  }
  return { nodes, params, flops, tapShapes, logitShape, issues };
}

/** The shapes of one sample through G and E at the spec's training patch size (what `pcl()` checks). */
export function specShapes(spec: PclSpec): SpecShapes {
  const p = spec.train.patch;
  const lr: FeatureShape = [p, p, 3];
  const hr: FeatureShape = [p * spec.scale, p * spec.scale, 3];
  return { lr, hr, generator: inferLayer(spec.generator, lr, "generator"), embedding: inferEmbedding(spec.embedding, hr) };
}

function checkSpec(spec: PclSpec): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const t = spec.train;
  if (![2, 3, 4, 8].includes(spec.scale)) issues.push({ path: "scale", message: `must be 2, 3, 4 or 8, got ${spec.scale}` });
  for (const [k, v] of [["patch", t.patch], ["batch", t.batch], ["iterations", t.iterations], ["validateEvery", t.validateEvery], ["logEvery", t.logEvery]] as const) {
    if (!Number.isInteger(v) || v < 1) issues.push({ path: `train/${k}`, message: `must be a positive integer, got ${v}` });
  }
  if (!Number.isInteger(t.warmup) || t.warmup < 0) issues.push({ path: "train/warmup", message: `must be a non-negative integer, got ${t.warmup}` });
  if (!["auto", ...RECOMPUTE_MODES].includes(t.recompute)) issues.push({ path: "train/recompute", message: `must be one of auto, ${RECOMPUTE_MODES.join(", ")}, got ${JSON.stringify(t.recompute)}` });
  if (!Array.isArray(t.validateMetrics) || !t.validateMetrics.every((m) => typeof m === "string" && isMetricName(m))) {
    issues.push({ path: "train/validateMetrics", message: `must list metrics among ${METRIC_NAMES.join(", ")}, got ${JSON.stringify(t.validateMetrics)}` });
  }
  if (issues.length) return issues;
  const shapes = specShapes(spec);
  issues.push(...shapes.generator.issues, ...shapes.embedding.issues);
  const out = shapes.generator.outShape;
  if (out[0] !== shapes.hr[0] || out[1] !== shapes.hr[1] || out[2] !== 3) {
    issues.push({ path: "generator", message: `maps LR ${shapeText(shapes.lr)} to ${shapeText(out)}, expected HR ${shapeText(shapes.hr)} at scale ${spec.scale}` });
  }
  const embeds: [string, EmbeddingNode][] = [];
  spec.losses.generator.terms.forEach((term, i) => {
    if (term.loss.kind === "infoNce") {
      embeds.push([`losses/generator/terms/${i}`, term.loss.embed]);
      if (term.loss.tapWeights.length !== term.loss.taps.length) issues.push({ path: `losses/generator/terms/${i}`, message: `${term.loss.tapWeights.length} tap weights for ${term.loss.taps.length} taps` });
      for (const tap of term.loss.taps) if (!term.loss.embed.taps.includes(tap)) issues.push({ path: `losses/generator/terms/${i}`, message: `tap ${tap} is not one of E's taps [${term.loss.embed.taps.join(", ")}]` });
      if (!(term.loss.tau > 0)) issues.push({ path: `losses/generator/terms/${i}`, message: `tau must be positive, got ${term.loss.tau}` });
    }
  });
  if (spec.losses.discriminator) embeds.push(["losses/discriminator", spec.losses.discriminator.embed]);
  for (const [path, e] of embeds) if (e !== spec.embedding) issues.push({ path, message: "uses an embedding network other than the spec's `embedding`" });
  if (spec.positives.count < 1) issues.push({ path: "positives/count", message: `must be at least 1, got ${spec.positives.count}` });
  if (spec.negatives.count < 1) issues.push({ path: "negatives/count", message: `must be at least 1, got ${spec.negatives.count}` });
  if (spec.negatives.source === "batch" && spec.negatives.count > t.batch - 1) {
    issues.push({ path: "negatives/count", message: `${spec.negatives.count} negatives from other images of the batch need a batch of at least ${spec.negatives.count + 1}, got ${t.batch}` });
  }
  return issues;
}

/** True when the generator's loss has a contrastive term with non-zero weight. */
export const hasContrastiveTerm = (spec: PclSpec): boolean => spec.losses.generator.terms.some((t) => t.loss.kind === "infoNce" && t.weight !== 0);

export type { GeneratorTerm };
