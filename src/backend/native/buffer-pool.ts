/**
 * Recycled Float32Array storage for the native kernels' outputs.
 *
 * One PCL training iteration writes about 2.5 GB of kernel outputs. Each fresh Float32Array is
 * zeroed by the allocator (calloc or fresh pages) before the kernel overwrites it, and the
 * external memory it adds makes V8 collect garbage often: together a large share of an
 * iteration. Training repeats the same shapes every step, so the storage of a disposed output
 * is kept here, by length, and handed to the next kernel output of that length.
 *
 * A buffer is recycled only when nothing else can still see it:
 * - it was made here (`take`), never a user's array that tf.tensor() adopted;
 * - every tensor data entry holding it has been disposed (`attach` / `detach` count them: a cpu
 *   kernel may give a second data id the same array);
 * - it never escaped: read out by dataSync()/data() (the caller keeps the array), or shared as a
 *   view (tfjs-backend-cpu's simple slice returns a subarray of its input).
 *
 * Only lengths asked for more than once are kept: a training step repeats its shapes every
 * iteration, while a tiled upscale's edge tiles and final image come in one-off sizes that would
 * otherwise sit in the pool unused (up to its capacity, on top of the working set).
 *
 * A recycled buffer holds stale values: a kernel that takes one must write every element, or
 * ask for `take(n, true)` (zeroed). `setPoison(true)` fills recycled buffers with NaN so tests
 * catch a kernel that relies on zeros it did not write.
 */

/** Arrays shorter than this are left to V8 (cheap to allocate; not worth the bookkeeping). */
const MIN_POOLED_LENGTH = 4096;
/** Distinct lengths remembered before the request counts start over (a long watch run sees many sizes). */
const MAX_LENGTHS_SEEN = 4096;

interface Owned {
  /** Live tensor data entries that hold this array. */
  attached: number;
  /** Read out or shared as a view: never recycled. */
  escaped: boolean;
}

export class Float32BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private readonly owned = new WeakMap<ArrayBufferLike, Owned>();
  /** How many times each length was asked for (forgotten wholesale past MAX_LENGTHS_SEEN). */
  private readonly asked = new Map<number, number>();
  private freeBytes = 0;
  private poison = false;

  /** @param capacityBytes the most free storage kept; beyond it, disposed buffers go to the GC (0: keep none). */
  constructor(private capacityBytes: number) {}

  /** Changes the capacity; free buffers beyond it are dropped. */
  setCapacity(bytes: number): void {
    this.capacityBytes = Math.max(0, bytes);
    for (const [length, list] of this.free) {
      while (list.length > 0 && this.freeBytes > this.capacityBytes) this.freeBytes -= list.pop()!.byteLength;
      if (list.length === 0) this.free.delete(length);
    }
  }

  /** A buffer of `length` floats: recycled when one is free (stale contents unless `zeroed`), else new (zeros). */
  take(length: number, zeroed = false): Float32Array {
    if (length < MIN_POOLED_LENGTH || this.capacityBytes === 0) return new Float32Array(length);
    if (this.asked.size >= MAX_LENGTHS_SEEN) this.asked.clear();
    this.asked.set(length, (this.asked.get(length) ?? 0) + 1);
    const list = this.free.get(length);
    const reused = list?.pop();
    if (reused) {
      this.freeBytes -= reused.byteLength;
      if (zeroed) reused.fill(0);
      else if (this.poison) reused.fill(Number.NaN);
      this.owned.set(reused.buffer, { attached: 0, escaped: false });
      return reused;
    }
    const fresh = new Float32Array(length);
    this.owned.set(fresh.buffer, { attached: 0, escaped: false });
    return fresh;
  }

  /** A tensor data entry now holds `values` (the backend's write). */
  attach(values: unknown): void {
    const o = this.ownerOf(values);
    if (!o) return;
    if (values instanceof Float32Array && values.byteOffset === 0 && values.byteLength === values.buffer.byteLength) o.attached++;
    else o.escaped = true; // a view on a pooled buffer: the buffer must outlive it
  }

  /** The caller keeps a reference to `values` (readSync): never recycle it. */
  escape(values: unknown): void {
    const o = this.ownerOf(values);
    if (o) o.escaped = true;
  }

  /** A tensor data entry holding `values` was freed; recycles the buffer when nothing holds it. */
  detach(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    const o = this.owned.get(values.buffer);
    if (!o || o.escaped || values.byteOffset !== 0 || values.byteLength !== values.buffer.byteLength) return;
    if (--o.attached > 0) return;
    this.owned.delete(values.buffer);
    if ((this.asked.get(values.length) ?? 0) < 2 || this.freeBytes + values.byteLength > this.capacityBytes) return;
    const list = this.free.get(values.length);
    if (list) list.push(values);
    else this.free.set(values.length, [values]);
    this.freeBytes += values.byteLength;
  }

  /** Drops every free buffer (the GC reclaims them). */
  clear(): void {
    this.free.clear();
    this.asked.clear();
    this.freeBytes = 0;
  }

  /** Bytes held in free buffers now. */
  get heldBytes(): number {
    return this.freeBytes;
  }

  /** Fill recycled buffers with NaN (tests: a kernel must write what it returns). */
  setPoison(on: boolean): void {
    this.poison = on;
  }

  private ownerOf(values: unknown): Owned | undefined {
    return ArrayBuffer.isView(values) ? this.owned.get(values.buffer) : undefined;
  }
}
