/**
 * RCAN: "Image Super-Resolution Using Very Deep Residual Channel Attention Networks", Zhang et al., ECCV 2018
 * (reference: github.com/yulunzhang/RCAN, RCAN_TrainCode/code/model/rcan.py).
 * head conv -> [residual groups of RCABs, conv] with a long skip -> upsampler -> tail conv, inside a mean shift.
 */
import { addMean, residualGroup, subtractMean, upsampler } from "../blocks.js";
import { conv, sequence, skip, type SequenceNode } from "../layers.js";

export interface RcanOptions {
  readonly groups: number;
  readonly blocksPerGroup: number;
  readonly channels: number;
  /** Channel-attention squeeze ratio. */
  readonly reduction: number;
  readonly scale: number;
}

export const rcan = ({ groups, blocksPerGroup, channels, reduction, scale }: RcanOptions): SequenceNode =>
  sequence([
    subtractMean(),
    conv(channels, { name: "head" }),
    skip(sequence([...Array.from({ length: groups }, () => residualGroup(channels, blocksPerGroup, reduction)), conv(channels)]), { name: "body" }),
    upsampler(channels, scale),
    conv(3, { name: "tail" }),
    addMean(),
  ], "rcan");
