/** The request pacer (token bucket + concurrency bound) and the cache's derived entries. */
import { describe, expect, it } from "vitest";
import { TtlCache } from "../src/org/cache.js";
import { Pacer } from "../src/org/pacer.js";

/** A clock that only moves when something sleeps on it. */
function virtualTime(): { now: () => number; sleep: (ms: number) => Promise<void>; sleeps: number[] } {
  let t = 0;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

describe("Pacer", () => {
  it("admits a burst at once, then one request per 1/rate seconds", async () => {
    const clock = virtualTime();
    const pacer = new Pacer({ ratePerSecond: 10, burst: 3, maxConcurrency: 100, ...clock });
    const started: number[] = [];
    for (let i = 0; i < 6; i++) await pacer.run(async () => started.push(clock.now()));
    expect(started).toEqual([0, 0, 0, 100, 200, 300]);
    expect(pacer.stats()).toMatchObject({ admitted: 6, delayed: 3, waitedMs: 300 });
  });

  it("queues concurrent callers behind each other instead of waking them together", async () => {
    // All four arrive at the same instant (the clock does not move while they sleep).
    const sleeps: number[] = [];
    const pacer = new Pacer({
      ratePerSecond: 4,
      burst: 1,
      maxConcurrency: 100,
      now: () => 0,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    await Promise.all(Array.from({ length: 4 }, () => pacer.run(async () => undefined)));
    // Each waiter reserved its own token: 0, 250, 500, 750 ms.
    expect(sleeps).toEqual([250, 500, 750]);
  });

  it("refills while idle, up to the burst", async () => {
    const clock = virtualTime();
    const pacer = new Pacer({ ratePerSecond: 10, burst: 2, maxConcurrency: 100, ...clock });
    await pacer.run(async () => undefined);
    await pacer.run(async () => undefined);
    await clock.sleep(10_000);
    clock.sleeps.length = 0;
    for (let i = 0; i < 3; i++) await pacer.run(async () => undefined);
    expect(clock.sleeps).toEqual([100]);
  });

  it("never runs more than maxConcurrency tasks at once, and releases slots on failure", async () => {
    const pacer = new Pacer({ ratePerSecond: Infinity, burst: 1, maxConcurrency: 2 });
    let running = 0;
    let most = 0;
    const task = (fail: boolean) => async (): Promise<void> => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (fail) throw new Error("boom");
    };
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => pacer.run(task(i % 3 === 0))),
    );
    expect(most).toBe(2);
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(3);
    expect(pacer.stats()).toMatchObject({ inFlight: 0, queued: 0, admitted: 8 });
  });

  it("rejects nonsense settings", () => {
    expect(() => new Pacer({ ratePerSecond: 0, burst: 1, maxConcurrency: 1 })).toThrow(RangeError);
    expect(() => new Pacer({ ratePerSecond: 1, burst: 1, maxConcurrency: 0 })).toThrow(RangeError);
  });
});

describe("TtlCache derived entries", () => {
  it("stores a derived value only in the epoch it was derived in, and never over a direct read", async () => {
    const cache = new TtlCache({ ttlMs: 1000 });
    const epoch = cache.epoch();
    expect(cache.seed("a", 1, epoch)).toBe(true);
    expect(cache.peek("a")).toBe(1);
    expect(await cache.getOrLoad("a", async () => 2)).toBe(1);

    await cache.getOrLoad("b", async () => "direct");
    expect(cache.seed("b", "derived", epoch)).toBe(false);
    expect(cache.peek("b")).toBe("direct");

    cache.clear();
    expect(cache.seed("c", 3, epoch)).toBe(false);
    expect(cache.has("c")).toBe(false);
    expect(cache.seed("c", 3, cache.epoch())).toBe(true);
  });

  it("stores nothing derived when caching is off", () => {
    const cache = new TtlCache({ ttlMs: 0 });
    expect(cache.seed("a", 1, cache.epoch())).toBe(false);
  });
});
