/**
 * Compiled networks: readonly weights plus pure forward functions (Equinox's "models are data").
 * Variables change only in the optimizer step (src/pipelines).
 */
import * as tf from "@tensorflow/tfjs-core";
import { childrenOf, type EmbeddingNode, type LayerNode } from "../dsl/index.js";
import { compileLayer, type CompileOptions, type LayerFn } from "./layer.js";
import { createWeightStore } from "./weights.js";

export interface Network {
  /** Weights by owner path, in a stable order (the order they were declared). */
  readonly variables: ReadonlyMap<string, tf.Variable>;
  dispose(): void;
}

export interface Generator extends Network {
  /** [N,h,w,3] -> [N,h*s,w*s,3]. Call inside tf.tidy. */
  readonly apply: LayerFn;
}

export interface EmbeddingOutput {
  /** Outputs of the tapped blocks, in the order of the embedding's `taps`. */
  readonly taps: readonly tf.Tensor4D[];
  /** Patch logits [N, h, w, 1]. */
  readonly logits: tf.Tensor4D;
}

export interface Embedding extends Network {
  readonly taps: readonly number[];
  /** True when samples do not interact (no batch norm): several image sets may share one pass. */
  readonly batchIndependent: boolean;
  /** Call inside tf.tidy. */
  readonly apply: (x: tf.Tensor4D) => EmbeddingOutput;
}

const disposer = (variables: ReadonlyMap<string, tf.Variable>) => () => { for (const v of variables.values()) v.dispose(); };

/** `options.recompute` trades a second forward of each residual block or group for its activations (training only). */
export function compileGenerator(node: LayerNode, seed: number, prefix = "generator", options?: CompileOptions): Generator {
  const store = createWeightStore(seed);
  const { fn, outChannels } = compileLayer(node, 3, prefix, store, options);
  if (outChannels !== 3) throw new Error(`${prefix}: outputs ${outChannels} channels, expected 3 (RGB)`);
  return { variables: store.variables, apply: fn, dispose: disposer(store.variables) };
}

export function compileEmbedding(node: EmbeddingNode, seed: number, prefix = "embedding"): Embedding {
  const store = createWeightStore(seed);
  let c = 3;
  const input = node.input ? compileLayer(node.input, c, `${prefix}/input`, store) : undefined;
  if (input) c = input.outChannels;
  const blocks = node.blocks.map((b, i) => { const r = compileLayer(b, c, `${prefix}/blocks/${i}`, store); c = r.outChannels; return r.fn; });
  const head = compileLayer(node.head, c, `${prefix}/head`, store).fn;
  const tapIndex = new Map(node.taps.map((t, i) => [t, i]));
  const apply = (x: tf.Tensor4D): EmbeddingOutput => {
    const taps: tf.Tensor4D[] = new Array(node.taps.length);
    let y = input ? input.fn(x) : x;
    blocks.forEach((f, i) => {
      y = f(y);
      const t = tapIndex.get(i);
      if (t !== undefined) taps[t] = y;
    });
    return { taps, logits: head(y) };
  };
  const batchIndependent = ![node.input, ...node.blocks, node.head].some((n) => n !== undefined && usesBatchStatistics(n));
  return { variables: store.variables, taps: node.taps, batchIndependent, apply, dispose: disposer(store.variables) };
}

function usesBatchStatistics(node: LayerNode): boolean {
  return node.kind === "batchNorm" || childrenOf(node).some((c) => usesBatchStatistics(c.node));
}
