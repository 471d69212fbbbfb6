/**
 * One refresher at a time, across every session: a lease object beside the snapshot, taken with
 * S3 conditional writes. Created with If-None-Match: * (only one creator wins); a lease past its
 * expiry (its holder died, or stalled) is taken over with If-Match on the ETag just read (only one
 * taker wins); renewed and released with If-Match on the holder's own ETag, so a holder whose
 * lease was taken over can neither renew nor delete the new holder's.
 */
import { z } from "zod";
import { isStoreError, type ObjectStore } from "./object-store.js";

export interface LeaseRecord {
  holder: string;
  /** What the holder is doing: "full read" or "refresh by change", with progress while it works. */
  purpose: string;
  acquiredAt: string;
  expiresAt: string;
  progress?: { done: number; left: number; etaSeconds: number | null };
}

const leaseSchema = z.looseObject({
  holder: z.string(),
  purpose: z.string(),
  acquiredAt: z.string(),
  expiresAt: z.iso.datetime({ offset: true }),
  progress: z
    .object({ done: z.number(), left: z.number(), etaSeconds: z.number().nullable() })
    .optional()
    .catch(undefined),
});

export interface LeaseOptions {
  store: ObjectStore;
  key: string;
  holder: string;
  /** How long a lease lasts without renewal. */
  ttlMs: number;
  now: () => number;
}

export interface HeldLease {
  readonly record: LeaseRecord;
  /** Extends the lease (and publishes progress); false when it was lost to another holder. */
  renew(progress?: LeaseRecord["progress"]): Promise<boolean>;
  /** Gives the lease up; never throws. */
  release(): Promise<void>;
}

export type LeaseAttempt = { held: HeldLease } | { heldBy: LeaseRecord };

const CONTENT_TYPE = "application/json";

function encode(record: LeaseRecord): Uint8Array {
  return Buffer.from(JSON.stringify(record));
}

/** The lease record in `body`, or undefined when it cannot be read (then it is treated as expired). */
export function decodeLease(body: Uint8Array): LeaseRecord | undefined {
  try {
    const parsed = leaseSchema.safeParse(JSON.parse(Buffer.from(body).toString("utf8")));
    if (!parsed.success) return undefined;
    const { holder, purpose, acquiredAt, expiresAt, progress } = parsed.data;
    return { holder, purpose, acquiredAt, expiresAt, ...(progress ? { progress } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * Tries to take the lease once. Returns the lease, or the record of whoever holds it. A lease
 * that cannot be read (corrupt, written by hand) counts as expired, or nobody could ever take it.
 */
export async function acquireLease(options: LeaseOptions, purpose: string): Promise<LeaseAttempt> {
  const { store, key, now } = options;
  const record = (): LeaseRecord => ({
    holder: options.holder,
    purpose,
    acquiredAt: new Date(now()).toISOString(),
    expiresAt: new Date(now() + options.ttlMs).toISOString(),
  });
  // Two rounds: a lease released between our create and our read is simply created again.
  for (let round = 0; round < 2; round++) {
    const mine = record();
    try {
      const etag = await store.put(key, encode(mine), { ifNoneMatch: "*" }, CONTENT_TYPE);
      return { held: holdLease(options, mine, etag) };
    } catch (error) {
      if (!isStoreError(error, "precondition_failed", "conflict")) throw error;
    }
    const current = await store.get(key);
    if (current === "missing" || current === "not-modified") continue;
    const existing = decodeLease(current.body);
    if (existing && Date.parse(existing.expiresAt) > now()) return { heldBy: existing };
    try {
      const etag = await store.put(key, encode(mine), { ifMatch: current.etag }, CONTENT_TYPE);
      return { held: holdLease(options, mine, etag) };
    } catch (error) {
      if (!isStoreError(error, "precondition_failed", "conflict")) throw error;
      // Someone else took it over first: report them.
      const winner = await store.get(key);
      if (winner !== "missing" && winner !== "not-modified") {
        const theirs = decodeLease(winner.body);
        if (theirs) return { heldBy: theirs };
      }
    }
  }
  return {
    heldBy: {
      holder: "unknown",
      purpose: "unknown",
      acquiredAt: "",
      expiresAt: new Date(now()).toISOString(),
    },
  };
}

function holdLease(options: LeaseOptions, first: LeaseRecord, firstEtag: string): HeldLease {
  let record = first;
  let etag = firstEtag;
  let lost = false;
  return {
    get record() {
      return record;
    },
    async renew(progress) {
      if (lost) return false;
      const next: LeaseRecord = {
        ...record,
        expiresAt: new Date(options.now() + options.ttlMs).toISOString(),
        ...(progress ? { progress } : {}),
      };
      try {
        etag = await options.store.put(options.key, encode(next), { ifMatch: etag }, CONTENT_TYPE);
        record = next;
        return true;
      } catch (error) {
        if (isStoreError(error, "precondition_failed")) lost = true;
        return !lost; // a transient failure keeps the lease until it expires
      }
    },
    async release() {
      if (lost) return;
      lost = true;
      await options.store.remove(options.key, etag).catch(() => undefined);
    },
  };
}
