/**
 * Acknowledgements in, batch indices out: the credit counter behind the pipeline's bounded prefetch.
 *
 * On subscription it emits `start, start + 1, ..., start + prefetch - 1`; after that, each value the
 * source emits (one acknowledgement: "I am done with a batch") lets one more index out. So index
 * `start + k` leaves only once `k - prefetch + 1` acknowledgements have arrived: at most `prefetch`
 * indices are ever out and unacknowledged. When the acknowledgements complete, so do the indices;
 * an error in them is passed on.
 *
 * ```ts
 * const done$ = new Subject<void>();
 * done$.pipe(batchIndices({ start: 0, prefetch: 2 })).subscribe(console.log); // 0, 1
 * done$.next();                                                                // 2
 * ```
 */
import { Observable, type OperatorFunction } from "rxjs";
import { nonNegativeInteger, positiveInteger } from "./errors.js";

export interface BatchIndicesOptions {
  /** First index. Default 0. */
  readonly start?: number;
  /** Indices allowed out before the first acknowledgement. Default 2. */
  readonly prefetch?: number;
}

export function batchIndices(options: BatchIndicesOptions = {}): OperatorFunction<unknown, number> {
  const start = nonNegativeInteger("startBatch", options.start ?? 0);
  const prefetch = positiveInteger("prefetch", options.prefetch ?? 2);
  return (acks) => new Observable<number>((subscriber) => {
    let next = start;
    let acked = 0;
    const release = (): void => {
      while (next < start + acked + prefetch && !subscriber.closed) subscriber.next(next++);
    };
    const subscription = acks.subscribe({
      next: () => { acked++; release(); },
      error: (err: unknown) => subscriber.error(err),
      complete: () => subscriber.complete(),
    });
    release();
    return subscription;
  });
}
