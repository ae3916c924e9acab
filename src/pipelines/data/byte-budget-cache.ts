/**
 * A least-recently-used cache bounded by the bytes its values hold, not by their count.
 *
 * Holding an entry past the budget evicts the least recently used ones; a value larger than the whole
 * budget is not kept at all (so a budget of 0 turns caching off).
 *
 * ```ts
 * const cache = new ByteBudgetCache<Float32Array>(1 << 20, (a) => a.byteLength);
 * cache.set("a", new Float32Array(16));
 * cache.get("a"); // the array, now the most recently used
 * ```
 */
export class ByteBudgetCache<K, V> {
  private readonly entries = new Map<K, { readonly value: V; readonly bytes: number }>();
  private held = 0;

  constructor(readonly budgetBytes: number, private readonly sizeOf: (value: V) => number) {
    if (!(budgetBytes >= 0)) throw new RangeError(`ByteBudgetCache: budget must be >= 0 bytes, got ${budgetBytes}`);
  }

  /** Bytes held now (never more than the budget). */
  get bytes(): number { return this.held; }

  get size(): number { return this.entries.size; }

  /** The value, marked most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Keeps the value if it fits in the budget, evicting the least recently used entries to make room. */
  set(key: K, value: V): void {
    this.delete(key);
    const bytes = this.sizeOf(value);
    if (bytes > this.budgetBytes) return;
    for (const [oldKey, old] of this.entries) {
      if (this.held + bytes <= this.budgetBytes) break;
      this.entries.delete(oldKey);
      this.held -= old.bytes;
    }
    this.entries.set(key, { value, bytes });
    this.held += bytes;
  }

  delete(key: K): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.held -= entry.bytes;
  }
}
