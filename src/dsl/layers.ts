/**
 * The primitive layer nodes: plain, frozen data. A network is a tree of these; composites
 * (residual block, RCAB, upsampler, ...) are functions in blocks.ts that return trees of them.
 * Every node may carry a `name`, used as its path segment in summaries, errors and weight names.
 */

interface Named { readonly name?: string }

/** 2-D convolution, PyTorch-style symmetric padding of floor(kernel/2) (so stride-2 outputs align with PyTorch). */
export interface ConvNode extends Named {
  readonly kind: "conv";
  readonly out: number;
  /** Declared input channels: optional, checked when given. */
  readonly in?: number;
  readonly kernel: number;
  readonly stride: number;
  readonly bias: boolean;
}
/** 3-D convolution over (channels, height, width) of a one-channel volume, as HAN's channel-spatial attention uses. */
export interface Conv3dNode extends Named { readonly kind: "conv3d"; readonly kernel: number; readonly bias: boolean }
/** An element-wise activation: ReLU, LeakyReLU (slope `alpha`) or sigmoid. */
export interface ActivationNode extends Named { readonly kind: "activation"; readonly fn: "relu" | "leakyRelu" | "sigmoid"; readonly alpha: number }
/** Batch norm with batch statistics (the embedding network only ever runs in training). */
export interface BatchNormNode extends Named { readonly kind: "batchNorm"; readonly epsilon: number }
/** Average pooling: global (-> 1x1) or adaptive to a fixed `size` x `size` grid (PyTorch's AdaptiveAvgPool2d bins). */
export interface AvgPoolNode extends Named { readonly kind: "avgPool"; readonly size: number | "global" }
/** Depth to space: [H, W, C * f * f] -> [H * f, W * f, C] (PyTorch's PixelShuffle order). */
export interface PixelShuffleNode extends Named { readonly kind: "pixelShuffle"; readonly factor: number }
/** Adds sign * rgbRange * mean per RGB channel (fixed constants, not parameters). */
export interface MeanShiftNode extends Named { readonly kind: "meanShift"; readonly mean: readonly [number, number, number]; readonly sign: 1 | -1 }
/** A Haar band: `ll` the local average, `lh`, `hl`, `hh` the horizontal, vertical and diagonal details. */
export type HaarBand = "ll" | "lh" | "hl" | "hh";
/** One orthonormal Haar level per channel; the chosen bands stacked band-major along channels. */
export interface HaarNode extends Named { readonly kind: "haar"; readonly bands: readonly HaarBand[] }
/** HAN's layer attention over `groups` stacked feature maps (channels = groups * C), with a learned scale (init 0). */
export interface LayerAttentionNode extends Named { readonly kind: "layerAttention"; readonly groups: number }
/** Multiplies by one learned scalar (init `init`). */
export interface LearnedScaleNode extends Named { readonly kind: "learnedScale"; readonly init: number }
/** Its layers applied in order. */
export interface SequenceNode extends Named { readonly kind: "sequence"; readonly layers: readonly LayerNode[] }
/** x + scale * body(x): body must keep the shape. */
export interface SkipNode extends Named { readonly kind: "skip"; readonly body: LayerNode; readonly scale: number }
/** x * body(x): body's output broadcasts over x (1x1 spatial, or 1 channel, or the same shape). */
export interface GateNode extends Named { readonly kind: "gate"; readonly body: LayerNode }
/** Runs each branch on the same input and concatenates their outputs along channels. */
export interface BranchesNode extends Named { readonly kind: "branches"; readonly branches: readonly LayerNode[] }
/** Runs stages in order and outputs every stage's output concatenated along channels, newest first (HAN's order). */
export interface StackNode extends Named { readonly kind: "stack"; readonly stages: readonly LayerNode[] }
/** Channels [start, start + count) of the input. */
export interface ChannelsNode extends Named { readonly kind: "channels"; readonly start: number; readonly count: number }

/** Any layer node: the primitives above, composed into trees by `sequence`, `skip`, `gate`, `branches` and `stack`. */
export type LayerNode =
  | ConvNode | Conv3dNode | ActivationNode | BatchNormNode | AvgPoolNode | PixelShuffleNode | MeanShiftNode
  | HaarNode | LayerAttentionNode | LearnedScaleNode | SequenceNode | SkipNode | GateNode | BranchesNode
  | StackNode | ChannelsNode;

/** The `kind` tag of a layer node. */
export type LayerKind = LayerNode["kind"];

const freeze = <T extends LayerNode>(node: T): T => Object.freeze(node);

/** `conv`'s options: kernel size (default 3), stride (default 1), bias (default true), the input channels to check against, a name. */
export interface ConvOptions { readonly kernel?: number; readonly stride?: number; readonly bias?: boolean; readonly in?: number; readonly name?: string }

/** conv(out) is the SR default: 3x3, stride 1, with bias. */
export const conv = (out: number, o: ConvOptions = {}): ConvNode =>
  freeze({ kind: "conv", out, kernel: o.kernel ?? 3, stride: o.stride ?? 1, bias: o.bias ?? true, ...(o.in !== undefined ? { in: o.in } : {}), ...(o.name ? { name: o.name } : {}) });
/** HAN's 3-D convolution over (channels, height, width) of a one-channel volume (default 3x3x3, with bias). */
export const conv3d = (o: { kernel?: number; bias?: boolean; name?: string } = {}): Conv3dNode =>
  freeze({ kind: "conv3d", kernel: o.kernel ?? 3, bias: o.bias ?? true, ...(o.name ? { name: o.name } : {}) });
/** ReLU. */
export const relu = (): ActivationNode => freeze({ kind: "activation", fn: "relu", alpha: 0 });
/** LeakyReLU with negative slope `alpha` (default 0.2, the paper's E). */
export const leakyRelu = (alpha = 0.2): ActivationNode => freeze({ kind: "activation", fn: "leakyRelu", alpha });
/** The logistic sigmoid. */
export const sigmoid = (): ActivationNode => freeze({ kind: "activation", fn: "sigmoid", alpha: 0 });
/** Batch norm with batch statistics and a learned scale and offset (`epsilon` default 1e-5). */
export const batchNorm = (epsilon = 1e-5): BatchNormNode => freeze({ kind: "batchNorm", epsilon });
/** Average pooling to `size` x `size` cells (PyTorch's AdaptiveAvgPool2d bins), or `"global"` to 1x1. */
export const avgPool = (size: number | "global"): AvgPoolNode => freeze({ kind: "avgPool", size });
/** Depth to space by `factor` (see PixelShuffleNode). */
export const pixelShuffle = (factor: number): PixelShuffleNode => freeze({ kind: "pixelShuffle", factor });
/** Adds `sign * mean` per RGB channel: EDSR's input and output mean shift (see `subtractMean`, `addMean`). */
export const meanShift = (mean: readonly [number, number, number], sign: 1 | -1, name?: string): MeanShiftNode =>
  freeze({ kind: "meanShift", mean, sign, ...(name ? { name } : {}) });
/** One orthonormal Haar level per channel, keeping `bands` (default the three high bands, what PCL's E sees). */
export const haar = (bands: readonly HaarBand[] = ["lh", "hl", "hh"]): HaarNode => freeze({ kind: "haar", bands: Object.freeze([...bands]) });
/** HAN's layer attention over `groups` stacked feature maps (the channels are groups * C). */
export const layerAttention = (groups: number, name?: string): LayerAttentionNode => freeze({ kind: "layerAttention", groups, ...(name ? { name } : {}) });
/** Multiplies by one learned scalar, initialized to `init` (default 0). */
export const learnedScale = (init = 0, name?: string): LearnedScaleNode => freeze({ kind: "learnedScale", init, ...(name ? { name } : {}) });
/** Applies `layers` in order. */
export const sequence = (layers: readonly LayerNode[], name?: string): SequenceNode =>
  freeze({ kind: "sequence", layers: Object.freeze([...layers]), ...(name ? { name } : {}) });
/** A residual connection: x + scale * body(x) (`scale` default 1); body must keep the shape. */
export const skip = (body: LayerNode, o: { scale?: number; name?: string } = {}): SkipNode =>
  freeze({ kind: "skip", body, scale: o.scale ?? 1, ...(o.name ? { name: o.name } : {}) });
/** x * body(x), body's output broadcasting over x: attention (RCAN's channel attention, HAN's spatial one). */
export const gate = (body: LayerNode, name?: string): GateNode => freeze({ kind: "gate", body, ...(name ? { name } : {}) });
/** Runs each of `list` on the same input and concatenates the outputs along channels. */
export const branches = (list: readonly LayerNode[], name?: string): BranchesNode =>
  freeze({ kind: "branches", branches: Object.freeze([...list]), ...(name ? { name } : {}) });
/** Runs `stages` in order and outputs all their outputs concatenated along channels, newest first (HAN's order). */
export const stack = (stages: readonly LayerNode[], name?: string): StackNode =>
  freeze({ kind: "stack", stages: Object.freeze([...stages]), ...(name ? { name } : {}) });
/** Channels [start, start + count) of the input. */
export const channels = (start: number, count: number, name?: string): ChannelsNode => freeze({ kind: "channels", start, count, ...(name ? { name } : {}) });

/** Gives a node a name (its path segment) without changing anything else. */
export const named = <T extends LayerNode>(name: string, node: T): T => Object.freeze({ ...node, name }) as unknown as T;
