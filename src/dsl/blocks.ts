/**
 * The blocks SR papers are written in, composed from the primitive layers:
 * EDSR's residual block, RCAN's channel attention / RCAB / residual group, the pixel-shuffle
 * upsampler, HAN's channel-spatial attention.
 */
import {
  avgPool, conv, conv3d, gate, learnedScale, meanShift, pixelShuffle, relu, sequence, sigmoid, skip,
  type LayerNode, type MeanShiftNode, type SequenceNode, type SkipNode,
} from "./layers.js";

/** The DIV2K RGB mean every EDSR-family network subtracts at the input and adds back at the output. */
export const DIV2K_RGB_MEAN = Object.freeze([0.4488, 0.4371, 0.404] as const);

/** EDSR's input mean shift: subtracts `mean` (default the DIV2K RGB mean) per channel. */
export const subtractMean = (mean: readonly [number, number, number] = DIV2K_RGB_MEAN): MeanShiftNode => meanShift(mean, -1, "subMean");
/** EDSR's output mean shift: adds `mean` (default the DIV2K RGB mean) back per channel. */
export const addMean = (mean: readonly [number, number, number] = DIV2K_RGB_MEAN): MeanShiftNode => meanShift(mean, 1, "addMean");

/** EDSR's residual block: x + resScale * conv(relu(conv(x))), no batch norm. */
export const resBlock = (channels: number, o: { resScale?: number; kernel?: number } = {}): SkipNode =>
  skip(sequence([conv(channels, { kernel: o.kernel ?? 3 }), relu(), conv(channels, { kernel: o.kernel ?? 3 })]), { scale: o.resScale ?? 1, name: "resBlock" });

/** RCAN's channel attention: x * sigmoid(conv1x1(relu(conv1x1(globalAvgPool(x))))), squeezing by `reduction`. */
export const channelAttention = (channels: number, reduction = 16) =>
  gate(sequence([avgPool("global"), conv(Math.floor(channels / reduction), { kernel: 1 }), relu(), conv(channels, { kernel: 1 }), sigmoid()]), "channelAttention");

/** RCAN's residual channel-attention block: x + CA(conv(relu(conv(x)))). */
export const rcab = (channels: number, reduction = 16): SkipNode =>
  skip(sequence([conv(channels), relu(), conv(channels), channelAttention(channels, reduction)]), { name: "rcab" });

/** RCAN's residual group: x + conv(RCAB^n(x)). */
export const residualGroup = (channels: number, blocks: number, reduction = 16): SkipNode =>
  skip(sequence([...Array.from({ length: blocks }, () => rcab(channels, reduction)), conv(channels)]), { name: "residualGroup" });

/** log2(scale) x [conv C->4C, pixel shuffle 2], or for x3 [conv C->9C, pixel shuffle 3]. */
export function upsampler(channels: number, scale: number): SequenceNode {
  const steps: LayerNode[] = [];
  if (scale === 3) steps.push(conv(9 * channels), pixelShuffle(3));
  else if (Number.isInteger(Math.log2(scale)) && scale >= 2) {
    for (let s = scale; s > 1; s /= 2) steps.push(conv(4 * channels), pixelShuffle(2));
  } else throw new RangeError(`upsampler: scale must be 2, 3, 4 or 8 (a power of 2 or 3), got ${scale}`);
  return sequence(steps, "upsampler");
}

/** HAN's channel-spatial attention: x + x * gamma * sigmoid(conv3d(x)), gamma learned from 0. */
export const channelSpatialAttention = (): SkipNode =>
  skip(gate(sequence([conv3d(), sigmoid(), learnedScale(0, "gamma")])), { name: "channelSpatialAttention" });
