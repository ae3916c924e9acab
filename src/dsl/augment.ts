/**
 * How positives and negatives are made from the ground truth (method.md, Parts 3 and 4).
 * Plain data; the trainer draws the random parameters per sample with its seeded RNG.
 */

/** PIL-style sharpness: smooth3x3 + f * (HR - smooth3x3), f ~ U[min, max) per sample. */
export interface SharpenAugment { readonly kind: "sharpen"; readonly min: number; readonly max: number }
/** Gaussian blur at HR size: kernel size from `sizes`, sigma_x, sigma_y ~ U[sigmaMin, sigmaMax). */
export interface BlurAugment { readonly kind: "blur"; readonly sizes: readonly number[]; readonly sigmaMin: number; readonly sigmaMax: number }

/** How positives are sharpened: PIL's ImageEnhance.Sharpness with a factor drawn from [min, max) (default [0.5, 3)) per sample. */
export const sharpen = (o: { min?: number; max?: number } = {}): SharpenAugment => Object.freeze({ kind: "sharpen", min: o.min ?? 0.5, max: o.max ?? 3.0 });
/** How negatives are blurred: a Gaussian kernel of a size from `sizes` (default 3 to 11), sigma_x and sigma_y from [sigmaMin, sigmaMax) (default [0.1, 2)). */
export const blur = (o: { sizes?: readonly number[]; sigmaMin?: number; sigmaMax?: number } = {}): BlurAugment =>
  Object.freeze({ kind: "blur", sizes: Object.freeze([...(o.sizes ?? [3, 5, 7, 9, 11])]), sigmaMin: o.sigmaMin ?? 0.1, sigmaMax: o.sigmaMax ?? 2.0 });

/** PCL's positives: what E pulls the SR image towards. */
export interface PositivesSpec {
  /** K_P: how many positives per sample. */
  readonly count: number;
  /** Positive #0 is HR itself (the release's choice), the rest sharpened copies. */
  readonly includeHr: boolean;
  readonly augment: SharpenAugment;
}

/**
 * Where hard negatives come from (the paper's Table 4 ablation):
 * "blur" - blurred copies of HR (default); "lr" - the bicubic-upsampled LR input only;
 * "batch" - the HR images of other samples in the batch.
 */
export type NegativeSource = "blur" | "lr" | "batch";

/** PCL's hard negatives: what E pushes the SR image away from. */
export interface NegativesSpec {
  /** K_N: how many negatives per sample ("lr" always has exactly 1). */
  readonly count: number;
  readonly source: NegativeSource;
  /** With "blur": negative #0 is the bicubic-upsampled LR input (the release's choice). */
  readonly includeLr: boolean;
  readonly augment: BlurAugment;
}

/** The positives (defaults: 4, HR as #0, the rest sharpened copies of HR). */
export const positives = (o: Partial<PositivesSpec> = {}): PositivesSpec =>
  Object.freeze({ count: o.count ?? 4, includeHr: o.includeHr ?? true, augment: o.augment ?? sharpen() });
/** The negatives (defaults: 4 blurred copies of HR; `source: "lr"` always has exactly 1). */
export const negatives = (o: Partial<NegativesSpec> = {}): NegativesSpec =>
  Object.freeze({ count: o.source === "lr" ? 1 : o.count ?? 4, source: o.source ?? "blur", includeLr: o.includeLr ?? false, augment: o.augment ?? blur() });
