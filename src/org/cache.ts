/**
 * A small TTL cache with in-flight de-duplication, used by the AWS reader.
 *
 * - `getOrLoad(key, loader)`: a fresh entry is returned as is (a hit); an identical call while a
 *   load is in flight shares that load's promise (also counted as a hit: it sent nothing);
 *   otherwise the loader runs (a miss).
 * - Failures are never cached: the next call loads again.
 * - TTL 0 disables caching but identical concurrent calls still share one load.
 * - `clear()` drops everything; loads already in flight finish for their callers but do not
 *   repopulate the cache, and later calls start new loads.
 * - `seed(key, value, epoch)` stores a value learned indirectly (a parent from a child listing, a
 *   target's policies from every policy's targets), unless the cache was cleared since `epoch`.
 */

export interface TtlCacheOptions {
  /** How long an entry stays fresh, in milliseconds. 0 disables caching (in-flight sharing remains). */
  ttlMs: number;
  /** Clock in milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /** Upper bound on stored entries; the oldest are evicted first. */
  maxEntries?: number;
}

export interface TtlCacheStats {
  hits: number;
  misses: number;
  /** Fresh entries currently held. */
  entries: number;
}

interface Entry {
  value: unknown;
  storedAt: number;
}

// Room for a 10,000-account organization fully loaded for both policy types (about 36,000 entries).
const DEFAULT_MAX_ENTRIES = 100_000;

export class TtlCache {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly maxEntries: number;
  /** Insertion order is storage order, so the first live entry is the oldest. */
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private generation = 0;
  private hits = 0;
  private misses = 0;

  constructor(options: TtlCacheOptions) {
    if (!Number.isFinite(options.ttlMs) || options.ttlMs < 0) {
      throw new RangeError(`cache TTL must be a non-negative number of milliseconds, got ${options.ttlMs}`);
    }
    this.ttlMs = options.ttlMs;
    this.now = options.now ?? Date.now;
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_MAX_ENTRIES);
  }

  getOrLoad<T>(key: string, loader: () => Promise<T>): Promise<T> {
    const entry = this.freshEntry(key);
    if (entry) {
      this.hits++;
      return Promise.resolve(entry.value as T);
    }
    const pending = this.inFlight.get(key);
    if (pending) {
      this.hits++;
      return pending as Promise<T>;
    }
    this.misses++;
    const generation = this.generation;
    let started: Promise<T>;
    try {
      started = loader();
    } catch (error) {
      started = Promise.reject(error);
    }
    const load: Promise<T> = started
      .then((value) => {
        if (this.ttlMs > 0 && generation === this.generation) this.store(key, value);
        return value;
      })
      .finally(() => {
        // Only remove our own promise: after clear() a newer load may hold the slot.
        if (this.inFlight.get(key) === load) this.inFlight.delete(key);
      });
    this.inFlight.set(key, load);
    return load;
  }

  /** Changes on every clear(): facts read before a clear must not be stored after it. */
  epoch(): number {
    return this.generation;
  }

  /** True when a fresh entry is held for `key` (no hit or miss is counted). */
  has(key: string): boolean {
    return this.freshEntry(key) !== undefined;
  }

  /** The fresh value for `key` without loading, or undefined; no hit or miss is counted. */
  peek<T>(key: string): T | undefined {
    return this.freshEntry(key)?.value as T | undefined;
  }

  /**
   * Stores a value derived from other reads made during `epoch`. An entry already held is kept:
   * it came from a direct read, which is never less accurate than a derivation.
   */
  seed(key: string, value: unknown, epoch: number): boolean {
    if (this.ttlMs <= 0 || epoch !== this.generation || this.freshEntry(key)) return false;
    this.store(key, value);
    return true;
  }

  /** Drops every entry; in-flight loads complete for their callers without being stored. */
  clear(): void {
    this.entries.clear();
    this.inFlight.clear();
    this.generation++;
  }

  stats(): TtlCacheStats {
    this.prune();
    return { hits: this.hits, misses: this.misses, entries: this.entries.size };
  }

  /** When the oldest fresh entry was stored (ms since the epoch), or null when nothing is held. */
  oldestEntryTime(): number | null {
    this.prune();
    let oldest: number | null = null;
    for (const entry of this.entries.values()) {
      if (oldest === null || entry.storedAt < oldest) oldest = entry.storedAt;
    }
    return oldest;
  }

  private isFresh(entry: Entry): boolean {
    return this.now() - entry.storedAt < this.ttlMs;
  }

  private freshEntry(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.isFresh(entry)) return entry;
    this.entries.delete(key);
    return undefined;
  }

  private store(key: string, value: unknown): void {
    this.entries.delete(key);
    this.entries.set(key, { value, storedAt: this.now() });
    while (this.entries.size > this.maxEntries) {
      const first = this.entries.keys().next();
      if (first.done) break;
      this.entries.delete(first.value);
    }
  }

  private prune(): void {
    for (const [key, entry] of this.entries) {
      if (!this.isFresh(entry)) this.entries.delete(key);
    }
  }
}
