/**
 * Training batches from a folder of HR images, seeded, with bounded prefetch.
 *
 * `demand.pipe(batchIndices, assembleBatches)` over the images of `openTrainingImages`: HR images
 * (recursive, every format sharp reads) cropped to a multiple of `scale`, LR made by `makeLr` or read
 * from `lrDir`, decoded lazily into a byte-bounded cache; batch k is B uniform draws with replacement,
 * each one aligned random crop (LR p x p at (y, x), HR ps x ps at (ys, xs)) with the same random
 * hflip / vflip / transpose on both (see assemble-batches.ts for the exact draws).
 *
 * Backpressure contract: the consumer emits on `demand` once for each batch it has finished with
 * (e.g. after the optimizer step that used it). Batches `startBatch .. startBatch + prefetch - 1` are
 * built right away; batch `startBatch + k` is only started after the k - prefetch + 1-th emission.
 * So at most `prefetch` batches are ever built (or being built) and not yet acknowledged, and memory
 * is the cache budget plus `prefetch` batches plus the (at most batchSize) images being decoded for
 * the batch in progress, whatever the dataset size. A consumer that never emits
 * on `demand` gets `prefetch` batches and then waits; extra emissions ask for extra batches. The stream
 * completes when `demand` completes (after delivering batches already started) and never otherwise.
 *
 * Determinism: batch k depends only on (seed, k, the files), so the same seed gives the same batches
 * whatever the prefetch or timing, and `startBatch: k` continues a run exactly at its batch k.
 *
 * Errors: bad options throw DataOptionsError when `trainBatches` is called. Unusable files go to
 * `onSkip(file, reason)` once each and are left out; the stream errors with NoReadableImagesError
 * (naming the folder) only when no image at all is usable.
 *
 * ```ts
 * const done$ = new Subject<void>();
 * trainBatches({ hrDir: "data/t91", makeLr: imresizeDown, scale: 4, patch: 48, batchSize: 16, seed: 1, demand: done$ })
 *   .pipe(concatMap(async (batch) => { await trainStep(batch); done$.next(); }))
 *   .subscribe();
 * ```
 */
import { defer, mergeMap, type Observable } from "rxjs";
import { assembleBatches, checkAssembleOptions, type AssembleBatchesOptions, type TrainBatch } from "./assemble-batches.js";
import { batchIndices } from "./batch-indices.js";
import { DataOptionsError, nonNegativeInteger, positiveInteger } from "./errors.js";
import { warnOnSkip, type OnSkip } from "./list-images.js";
import { openTrainingImages, type LrSource } from "./training-images.js";

/** Default byte budget of the decoded-image cache: 1 GiB. */
export const DEFAULT_CACHE_BYTES = 1 << 30;

export type TrainBatchesOptions = LrSource & AssembleBatchesOptions & {
  /** Folder of HR images, searched recursively. */
  readonly hrDir: string;
  /** One emission per batch the consumer is done with (see the backpressure contract). */
  readonly demand: Observable<unknown>;
  /** Batches built ahead of the acknowledged ones. Default 2. */
  readonly prefetch?: number;
  /** Index of the first batch (a resumed run's iteration). Default 0. */
  readonly startBatch?: number;
  /** Byte budget of the decoded (HR, LR) cache, LRU. Default 1 GiB. */
  readonly cacheBytes?: number;
  /** Told about each file left out, once. Default: a line on stderr. */
  readonly onSkip?: OnSkip;
};

export function trainBatches(options: TrainBatchesOptions): Observable<TrainBatch> {
  const assemble = checkAssembleOptions(options);
  const hrDir = nonEmptyString("hrDir", options.hrDir);
  const lrDir = options.lrDir === undefined ? undefined : nonEmptyString("lrDir", options.lrDir);
  const makeLr = options.makeLr;
  if ((makeLr === undefined) === (lrDir === undefined)) throw new DataOptionsError("makeLr / lrDir", "exactly one of makeLr (make LR from HR) or lrDir (paired mode)", "both or neither");
  if (makeLr !== undefined && typeof makeLr !== "function") throw new DataOptionsError("makeLr", "a function (hr, scale) => lr", makeLr);
  const indices = batchIndices({ start: options.startBatch ?? 0, prefetch: options.prefetch ?? 2 });
  const cacheBytes = nonNegativeInteger("cacheBytes", options.cacheBytes ?? DEFAULT_CACHE_BYTES);
  if (typeof options.demand?.subscribe !== "function") throw new DataOptionsError("demand", "an Observable that emits once per consumed batch", options.demand);
  const onSkip = options.onSkip ?? warnOnSkip;
  const source: LrSource = lrDir !== undefined ? { lrDir } : { makeLr: makeLr! };
  return defer(() => openTrainingImages({ ...source, hrDir, scale: assemble.scale, minLrSize: assemble.patch, cacheBytes, onSkip })).pipe(
    mergeMap((images) => options.demand.pipe(indices, assembleBatches(images, assemble))),
  );
}

function nonEmptyString(option: string, value: unknown): string {
  if (typeof value !== "string" || value === "") throw new DataOptionsError(option, "a folder path", value);
  return value;
}
