/**
 * EDSR: "Enhanced Deep Residual Networks for Single Image Super-Resolution", Lim et al., CVPRW 2017
 * (reference: github.com/sanghyun-son/EDSR-PyTorch, model/edsr.py).
 * head conv -> [res blocks, conv] with a long skip -> upsampler -> tail conv, inside a mean shift.
 */
import { addMean, resBlock, subtractMean, upsampler } from "../blocks.js";
import { conv, sequence, skip, type SequenceNode } from "../layers.js";

/** EDSR's size: the baseline is 16 blocks x 64 channels, the large model 32 x 256 with resScale 0.1. */
export interface EdsrOptions {
  /** Residual blocks (baseline 16, large 32). */
  readonly blocks: number;
  /** Feature channels (baseline 64, large 256). */
  readonly channels: number;
  readonly scale: number;
  /** Residual scaling inside each block (large: 0.1). */
  readonly resScale?: number;
}

/**
 * EDSR (Lim et al., 2017) as a layer tree.
 *
 * ```ts
 * edsr({ blocks: 16, channels: 64, scale: 4 })   // the baseline: 1,517,571 parameters at x4
 * ```
 */
export const edsr = ({ blocks, channels, scale, resScale = 1 }: EdsrOptions): SequenceNode =>
  sequence([
    subtractMean(),
    conv(channels, { name: "head" }),
    skip(sequence([...Array.from({ length: blocks }, () => resBlock(channels, { resScale })), conv(channels)]), { name: "body" }),
    upsampler(channels, scale),
    conv(3, { name: "tail" }),
    addMean(),
  ], "edsr");
