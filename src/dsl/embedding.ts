/**
 * The embedding network E (PCL's discriminator): an input transform (the Haar high bands), a chain
 * of blocks whose outputs can be tapped by index, and a head giving patch logits.
 * The tap indices are part of the type, so a loss that names a tap E does not expose fails to compile.
 */
import { avgPool, batchNorm, conv, haar, leakyRelu, sequence, type HaarBand, type LayerNode } from "./layers.js";

/** The embedding network E. `Tap` is the union of its tap indices, so losses on other blocks do not compile. */
export interface EmbeddingNode<Tap extends number = number> {
  readonly kind: "embedding";
  readonly name?: string;
  /** Applied to the image before the blocks (the Haar split), or undefined to feed RGB directly. */
  readonly input?: LayerNode;
  readonly blocks: readonly LayerNode[];
  /** Indices of the blocks whose outputs are feature taps for the contrastive loss. */
  readonly taps: readonly Tap[];
  /** Turns the last block's output into logits (each spatial position one patch logit). */
  readonly head: LayerNode;
}

/**
 * An embedding network from its parts; `taps` (`as const`) become part of its type.
 *
 * ```ts
 * embedding({ input: haar(), blocks: [sequence([conv(32), leakyRelu()]), sequence([conv(64, { stride: 2 }), leakyRelu()])], taps: [0, 1] as const, head: sequence([avgPool("global"), conv(1, { kernel: 1 })]) })
 * ```
 */
export function embedding<const Taps extends readonly number[]>(o: {
  readonly input?: LayerNode;
  readonly blocks: readonly LayerNode[];
  readonly taps: Taps;
  readonly head: LayerNode;
  readonly name?: string;
}): EmbeddingNode<Taps[number]> {
  return Object.freeze({
    kind: "embedding" as const,
    ...(o.name ? { name: o.name } : {}),
    ...(o.input ? { input: o.input } : {}),
    blocks: Object.freeze([...o.blocks]),
    taps: Object.freeze([...o.taps]) as readonly Taps[number][],
    head: o.head,
  });
}

/** `vggEmbedding`'s options: one block (conv, optional batch norm, LeakyReLU 0.2) per channel count. */
export interface VggEmbeddingOptions<Taps extends readonly number[]> {
  /** Output channels of each block (conv3x3 -> [batch norm] -> LeakyReLU 0.2). */
  readonly channels: readonly number[];
  /** Stride of each block's conv. */
  readonly strides: readonly number[];
  readonly taps: Taps;
  readonly batchNorm?: boolean;
  /** Haar bands fed to E (default the three high bands); `false` feeds RGB (the no-wavelet ablation). */
  readonly bands?: readonly HaarBand[] | false;
  /** Head: average-pool to a `pool` x `pool` grid (or globally), then a 1x1 conv to one logit per cell. */
  readonly pool?: number | "global";
}

/** The paper's VGG-style embedding network, sized by `channels`/`strides`. */
export function vggEmbedding<const Taps extends readonly number[]>(o: VggEmbeddingOptions<Taps>): EmbeddingNode<Taps[number]> {
  if (o.channels.length !== o.strides.length) throw new RangeError(`vggEmbedding: ${o.channels.length} channel counts but ${o.strides.length} strides`);
  const blocks = o.channels.map((c, i) =>
    sequence([conv(c, { stride: o.strides[i] }), ...(o.batchNorm ?? true ? [batchNorm()] : []), leakyRelu(0.2)], `block${i}`));
  const bands = o.bands === undefined ? (["lh", "hl", "hh"] as const) : o.bands;
  return embedding({
    ...(bands === false ? {} : { input: haar(bands) }),
    blocks,
    taps: o.taps,
    head: sequence([avgPool(o.pool ?? 4), conv(1, { kernel: 1 })], "head"),
  });
}
