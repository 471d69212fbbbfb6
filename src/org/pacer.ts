/**
 * Request pacing for the Organizations API: a token bucket (sustained rate plus a burst) and a
 * concurrency bound. Organizations throttles per account with TooManyRequestsException; retrying
 * into the throttle wastes calls and time, so whole-organization work is spread to just under it.
 */

export interface PacerOptions {
  /** Sustained requests per second. Infinity disables pacing. */
  ratePerSecond: number;
  /** Requests that may go at once after a quiet period (bucket capacity, at least 1). */
  burst: number;
  /** Requests in flight at once. */
  maxConcurrency: number;
  /** Monotonic clock in milliseconds; injectable for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface PacerStats {
  ratePerSecond: number;
  burst: number;
  maxConcurrency: number;
  /** Requests admitted so far. */
  admitted: number;
  /** Requests that had to wait for a token, and the total time they waited. */
  delayed: number;
  waitedMs: number;
  inFlight: number;
  queued: number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class Pacer {
  private readonly rate: number;
  private readonly burst: number;
  private readonly maxConcurrency: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private tokens: number;
  private updatedAt: number;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private admitted = 0;
  private delayed = 0;
  private waitedMs = 0;

  constructor(options: PacerOptions) {
    if (!(options.ratePerSecond > 0))
      throw new RangeError(`rate must be positive, got ${options.ratePerSecond}`);
    if (!Number.isInteger(options.maxConcurrency) || options.maxConcurrency < 1)
      throw new RangeError(`maxConcurrency must be a positive integer, got ${options.maxConcurrency}`);
    this.rate = options.ratePerSecond;
    this.burst = Math.max(1, options.burst);
    this.maxConcurrency = options.maxConcurrency;
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? defaultSleep;
    this.tokens = this.burst;
    this.updatedAt = this.now();
  }

  /** Runs `task` once a concurrency slot and a token are available; slots are granted in order. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquireSlot();
    try {
      await this.takeToken();
      return await task();
    } finally {
      this.releaseSlot();
    }
  }

  stats(): PacerStats {
    return {
      ratePerSecond: this.rate,
      burst: this.burst,
      maxConcurrency: this.maxConcurrency,
      admitted: this.admitted,
      delayed: this.delayed,
      waitedMs: Math.round(this.waitedMs),
      inFlight: this.inFlight,
      queued: this.waiting.length,
    };
  }

  private acquireSlot(): Promise<void> {
    if (this.inFlight < this.maxConcurrency) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private releaseSlot(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so inFlight stays the same.
    if (next) next();
    else this.inFlight--;
  }

  /**
   * Takes one token, waiting when the bucket is empty. A token is reserved before sleeping (the
   * count may go negative), so concurrent callers queue behind each other instead of all waking
   * at the same refill.
   */
  private async takeToken(): Promise<void> {
    this.admitted++;
    if (!Number.isFinite(this.rate)) return;
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) * this.rate) / 1000);
    this.updatedAt = now;
    this.tokens -= 1;
    if (this.tokens >= 0) return;
    const waitMs = (-this.tokens * 1000) / this.rate;
    this.delayed++;
    this.waitedMs += waitMs;
    await this.sleep(waitMs);
  }
}
