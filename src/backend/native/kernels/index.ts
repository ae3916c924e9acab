/** Every kernel the native backend implements itself (each falls back to cpu for cases it declines). */
import type { KernelConfig } from "@tensorflow/tfjs-core";
import { adamUpdateConfig } from "./AdamUpdate.js";
import { batchMatMulConfig, fusedMatMulConfig } from "./BatchMatMul.js";
import { batchNormConfig } from "./BatchNorm.js";
import { channelwiseConfigs } from "./Channelwise.js";
import { conv2DConfig } from "./Conv2D.js";
import { cosineSimilaritiesConfigs } from "./CosineSimilarities.js";
import { conv2DBackpropFilterConfig } from "./Conv2DBackpropFilter.js";
import { conv2DBackpropInputConfig } from "./Conv2DBackpropInput.js";
import { depthwiseConv2dNativeConfig } from "./DepthwiseConv2dNative.js";
import { depthwiseConv2dNativeBackpropFilterConfig } from "./DepthwiseConv2dNativeBackpropFilter.js";
import { depthwiseConv2dNativeBackpropInputConfig } from "./DepthwiseConv2dNativeBackpropInput.js";
import { fusedConv2DConfig } from "./FusedConv2D.js";
import { haarBandsConfigs } from "./HaarBands.js";
import { binaryConfigs } from "./binary.js";
import { concatConfig, packConfig } from "./Concat.js";
import { compareConfigs } from "./compare.js";
import { mirrorPadConfig, padV2Config } from "./Pad.js";
import { reduceConfigs } from "./reduce.js";
import { reflectSeparableFilterConfig } from "./ReflectSeparableFilter.js";
import { selectConfig } from "./Select.js";
import { sliceConfig, splitVConfig } from "./Slice.js";
import { tileConfig } from "./Tile.js";
import { transposeConfig } from "./Transpose.js";
import { unaryConfigs } from "./unary.js";

export const nativeKernelConfigs: KernelConfig[] = [
  conv2DConfig,
  fusedConv2DConfig,
  conv2DBackpropInputConfig,
  conv2DBackpropFilterConfig,
  depthwiseConv2dNativeConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  batchMatMulConfig,
  fusedMatMulConfig,
  ...binaryConfigs,
  ...compareConfigs,
  ...unaryConfigs,
  ...reduceConfigs,
  transposeConfig,
  mirrorPadConfig,
  padV2Config,
  selectConfig,
  concatConfig,
  packConfig,
  tileConfig,
  sliceConfig,
  splitVConfig,
  batchNormConfig,
  adamUpdateConfig,
  ...channelwiseConfigs,
  reflectSeparableFilterConfig,
  ...cosineSimilaritiesConfigs,
  ...haarBandsConfigs,
];
