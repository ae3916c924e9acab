/**
 * EDSR: "Enhanced Deep Residual Networks for Single Image Super-Resolution", Lim et al., CVPRW 2017
 * (reference: github.com/sanghyun-son/EDSR-PyTorch, model/edsr.py).
 * head conv -> [res blocks, conv] with a long skip -> upsampler -> tail conv, inside a mean shift.
 */
import { addMean, resBlock, subtractMean, upsampler } from "../blocks.js";
import { conv, sequence, skip, type SequenceNode } from "../layers.js";

export interface EdsrOptions {
  /** Residual blocks (baseline 16, large 32). */
  readonly blocks: number;
  /** Feature channels (baseline 64, large 256). */
  readonly channels: number;
  readonly scale: number;
  /** Residual scaling inside each block (large: 0.1). */
  readonly resScale?: number;
}

export const edsr = ({ blocks, channels, scale, resScale = 1 }: EdsrOptions): SequenceNode =>
  sequence([
    subtractMean(),
    conv(channels, { name: "head" }),
    skip(sequence([...Array.from({ length: blocks }, () => resBlock(channels, { resScale })), conv(channels)]), { name: "body" }),
    upsampler(channels, scale),
    conv(3, { name: "tail" }),
    addMean(),
  ], "edsr");
