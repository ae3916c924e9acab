/**
 * Type tests for the DSL, checked by `tsc --noEmit` (part of `npm test`): each @ts-expect-error
 * line must fail to compile, or tsc reports the directive as unused.
 */
import { dualContrastive, embedding, infoNce, sequence, conv, leakyRelu, avgPool, vggEmbedding, weightedSum, l1, type EmbeddingNode } from "../../src/dsl/index.js";

const e = vggEmbedding({ channels: [8, 8, 16, 16], strides: [1, 2, 1, 2], taps: [0, 2] as const, batchNorm: false, pool: "global" });

// The taps are part of E's type.
export const tapsAreTyped: EmbeddingNode<0 | 2> = e;

// A loss on taps E exposes compiles.
export const ok = infoNce({ embed: e, taps: [0, 2], tau: 0.5 });
export const okSubset = infoNce({ embed: e, taps: [2] });

// @ts-expect-error 7 is not a tap of e
export const unknownTap = infoNce({ embed: e, taps: [7] });

// @ts-expect-error 1 is a block of e, but not one of its taps
export const untappedBlock = infoNce({ embed: e, taps: [0, 1] });

const custom = embedding({ blocks: [sequence([conv(8), leakyRelu()]), sequence([conv(8, { stride: 2 }), leakyRelu()])], taps: [1] as const, head: sequence([avgPool("global"), conv(1, { kernel: 1 })]) });
// @ts-expect-error custom exposes tap 1 only
export const wrongCustomTap = infoNce({ embed: custom, taps: [0] });

// Only generator terms (L1, InfoNCE) go into the generator's weighted sum.
// @ts-expect-error the discriminator's loss is not a generator term
export const wrongTerm = weightedSum([[1, l1()], [1, dualContrastive({ embed: e })]]);

// @ts-expect-error conv's output channels are a number
export const wrongConv = conv("64");
