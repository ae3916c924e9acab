/**
 * HAN: "Single Image Super-Resolution via a Holistic Attention Network", Niu et al., ECCV 2020
 * (reference: github.com/wwlCape/HAN, src/model/han.py).
 * RCAN's body, whose every stage output (10 groups + the body conv, newest first) feeds the layer
 * attention module and a conv back to C channels; the last stage feeds the channel-spatial
 * attention; both are concatenated and fused by a conv, inside the long skip.
 */
import { addMean, channelSpatialAttention, residualGroup, subtractMean, upsampler } from "../blocks.js";
import { branches, channels as takeChannels, conv, layerAttention, sequence, skip, stack, type SequenceNode } from "../layers.js";

/** HAN's size: RCAN's body (the paper's: 10 groups x 20 blocks, 64 channels, reduction 16). */
export interface HanOptions {
  readonly groups: number;
  readonly blocksPerGroup: number;
  readonly channels: number;
  readonly reduction: number;
  readonly scale: number;
}

/**
 * HAN (Niu et al., 2020) as a layer tree: RCAN's body with layer attention and channel-spatial attention.
 *
 * ```ts
 * han({ groups: 10, blocksPerGroup: 20, channels: 64, reduction: 16, scale: 4 })   // 16,071,745 parameters
 * ```
 */
export function han({ groups, blocksPerGroup, channels, reduction, scale }: HanOptions): SequenceNode {
  const stages = [...Array.from({ length: groups }, () => residualGroup(channels, blocksPerGroup, reduction)), conv(channels)];
  return sequence([
    subtractMean(),
    conv(channels, { name: "head" }),
    skip(sequence([
      stack(stages, "body"),
      branches([
        sequence([takeChannels(0, channels), channelSpatialAttention()], "csa"),
        sequence([layerAttention(stages.length), conv(channels)], "layerAttention"),
      ], "attention"),
      conv(channels, { name: "fuse" }),
    ]), { name: "trunk" }),
    upsampler(channels, scale),
    conv(3, { name: "tail" }),
    addMean(),
  ], "han");
}
