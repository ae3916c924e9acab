/**
 * RCAN: "Image Super-Resolution Using Very Deep Residual Channel Attention Networks", Zhang et al., ECCV 2018
 * (reference: github.com/yulunzhang/RCAN, RCAN_TrainCode/code/model/rcan.py).
 * head conv -> [residual groups of RCABs, conv] with a long skip -> upsampler -> tail conv, inside a mean shift.
 */
import { addMean, residualGroup, subtractMean, upsampler } from "../blocks.js";
import { conv, sequence, skip, type SequenceNode } from "../layers.js";

/** RCAN's size: the paper's is 10 groups x 20 blocks, 64 channels, reduction 16. */
export interface RcanOptions {
  readonly groups: number;
  readonly blocksPerGroup: number;
  readonly channels: number;
  /** Channel-attention squeeze ratio. */
  readonly reduction: number;
  readonly scale: number;
}

/**
 * RCAN (Zhang et al., 2018) as a layer tree.
 *
 * ```ts
 * rcan({ groups: 10, blocksPerGroup: 20, channels: 64, reduction: 16, scale: 4 })   // 15,592,355 parameters
 * ```
 */
export const rcan = ({ groups, blocksPerGroup, channels, reduction, scale }: RcanOptions): SequenceNode =>
  sequence([
    subtractMean(),
    conv(channels, { name: "head" }),
    skip(sequence([...Array.from({ length: groups }, () => residualGroup(channels, blocksPerGroup, reduction)), conv(channels)]), { name: "body" }),
    upsampler(channels, scale),
    conv(3, { name: "tail" }),
    addMean(),
  ], "rcan");
