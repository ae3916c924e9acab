/**
 * Batch indices in, training batches out: a stage that turns batch number k into its random crops.
 *
 * Like `concatMap(k => assembleBatch(images, k, options))`: batches are built one at a time, in the
 * order their indices arrive, so decoding never runs ahead of the indices asked for. Within a batch
 * the images are decoded in parallel (sharp works off the main thread).
 *
 * Sampling (uniform, with replacement): batch k draws everything from its own generator,
 * `createRng(deriveSeed(seed, k))`, so its content depends only on (seed, k, the files), never on
 * timing, prefetch or where a run was resumed. For each of the B samples, in order: an image index
 * `rng.int(count)` (drawn again while it lands on an unusable image, which is deterministic since
 * unusability is a property of the file), then the LR crop row `rng.int(lrH - p + 1)` and column
 * `rng.int(lrW - p + 1)`, then hflip, vflip and transpose (`rng.next() < 0.5` each; drawn even when
 * `augment` is off so the crops stay the same).
 *
 * ```ts
 * indices$.pipe(assembleBatches(images, { batchSize: 16, patch: 48, scale: 4, seed: 1 }))
 * ```
 */
import { concatMap, type OperatorFunction } from "rxjs";
import { copyAlignedPatches, IDENTITY } from "./aligned-crop.js";
import { NoReadableImagesError, positiveInteger, safeInteger } from "./errors.js";
import { createRng, deriveSeed, restoreRng } from "./rng.js";
import type { TrainingImages, TrainPair } from "./training-images.js";

/** B aligned LR/HR patch pairs as plain NHWC float32 arrays (values in [0, 1]). */
export interface TrainBatch {
  /** [batchSize, patch, patch, 3] */
  readonly lr: Float32Array;
  /** [batchSize, patch * scale, patch * scale, 3] */
  readonly hr: Float32Array;
  readonly batchSize: number;
  /** LR patch side. */
  readonly patch: number;
  readonly scale: number;
  /** Batch number (0 for the first batch of a run that starts at the beginning). */
  readonly index: number;
  /** The HR file of each sample, in batch order. */
  readonly files: readonly string[];
}

export interface AssembleBatchesOptions {
  readonly batchSize: number;
  /** LR patch side p (HR patch is p * scale). */
  readonly patch: number;
  readonly scale: number;
  readonly seed: number;
  /** Random hflip / vflip / transpose. Default true. */
  readonly augment?: boolean;
}

/** Checks the options (throws DataOptionsError) and fills in defaults. */
export function checkAssembleOptions(options: AssembleBatchesOptions): Required<AssembleBatchesOptions> {
  return {
    batchSize: positiveInteger("batchSize", options.batchSize),
    patch: positiveInteger("patch", options.patch),
    scale: positiveInteger("scale", options.scale),
    seed: safeInteger("seed", options.seed),
    augment: options.augment ?? true,
  };
}

/** Builds batch `index` (see the sampling rules above). */
export async function assembleBatch(images: TrainingImages, index: number, options: Required<AssembleBatchesOptions>): Promise<TrainBatch> {
  const { batchSize, patch, scale, seed, augment } = options;
  const hrPatch = patch * scale;
  const lr = new Float32Array(batchSize * patch * patch * 3);
  const hr = new Float32Array(batchSize * hrPatch * hrPatch * 3);
  const files: string[] = [];
  const rng = createRng(deriveSeed(seed, index));
  const early = startLoads(images, rng.state(), batchSize);
  for (let b = 0; b < batchSize; b++) {
    let pair;
    while (pair === undefined) {
      if (images.excluded === images.count) throw new NoReadableImagesError(images.dir, images.count, images.rejected);
      const i = rng.int(images.count);
      pair = await (early.get(i) ?? images.load(i));
    }
    // Exactly DRAWS_PER_SAMPLE draws per sample (with the index above): startLoads relies on it.
    const y = rng.int(pair.lr.height - patch + 1);
    const x = rng.int(pair.lr.width - patch + 1);
    const hflip = rng.next() < 0.5;
    const vflip = rng.next() < 0.5;
    const transpose = rng.next() < 0.5;
    const t = augment ? { hflip, vflip, transpose } : IDENTITY;
    copyAlignedPatches(pair, scale, patch, y, x, t, lr, b * patch * patch * 3, hr, b * hrPatch * hrPatch * 3);
    files.push(pair.file);
  }
  return { lr, hr, batchSize, patch, scale, index, files };
}

/**
 * Starts decoding, all at once, the images the batch will most likely use, so sharp decodes them in
 * parallel: each sample takes exactly DRAWS_PER_SAMPLE draws unless it lands on an unusable image, so
 * the image index of sample b is draw b * DRAWS_PER_SAMPLE of a copy of the batch's generator. A guess
 * made wrong by such a redraw only costs a wasted decode; the batch itself is decided by the sequential
 * loop. The promises are held until the batch is built, so a small cache cannot make them decode twice.
 */
function startLoads(images: TrainingImages, state: number[], batchSize: number): Map<number, Promise<TrainPair | undefined>> {
  const peek = restoreRng(state);
  const loads = new Map<number, Promise<TrainPair | undefined>>();
  for (let b = 0; b < batchSize; b++) {
    const i = peek.int(images.count);
    for (let d = 1; d < DRAWS_PER_SAMPLE; d++) peek.next();
    if (loads.has(i) || images.isExcluded(i)) continue;
    const load = images.load(i);
    load.catch(() => {}); // awaited (and its error raised) by the loop, or not needed
    loads.set(i, load);
  }
  return loads;
}

/** Draws per sample: image index, crop row, crop column, hflip, vflip, transpose. */
const DRAWS_PER_SAMPLE = 6;

/** The stage: each batch index becomes its batch, in order, one at a time. */
export function assembleBatches(images: TrainingImages, options: AssembleBatchesOptions): OperatorFunction<number, TrainBatch> {
  const checked = checkAssembleOptions(options);
  return concatMap((index) => assembleBatch(images, index, checked));
}
