/** Feature-map shapes as the DSL sees them: one sample, [height, width, channels], concrete numbers. */
export type FeatureShape = readonly [height: number, width: number, channels: number];

/** `[h,w,c]`, as errors print shapes. */
export const shapeText = (s: FeatureShape): string => `[${s[0]},${s[1]},${s[2]}]`;

/** True when the two shapes are equal. */
export const sameShape = (a: FeatureShape, b: FeatureShape): boolean => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
