/**
 * The last `size` values made, by key: what warm calls show again and again (document views, lint
 * views). The oldest entry goes first when it is full.
 */
export class Recent<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly size: number) {}

  /** The value kept for `key`, else `make()`'s, kept. */
  get(key: string, make: () => V): V {
    const kept = this.entries.get(key);
    if (kept !== undefined) return kept;
    const value = make();
    if (this.entries.size >= this.size) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, value);
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
