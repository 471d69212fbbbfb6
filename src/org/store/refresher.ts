/**
 * One refresh of the stored snapshot, under the lease: by change when the event history covers the
 * time since the capture, else a whole read (the existing capture, paced like every Organizations
 * call); then a conditional write, so a refresher that was slower than another never replaces the
 * newer snapshot. Shared by the server (src/org/store/stored-reader.ts) and `npm run snapshot --
 * --out s3://...`.
 */
import { POLICY_TYPES } from "../../model/policy-type.js";
import { captureSnapshot, enabledPolicyTypes, type CaptureProgress } from "../capture-snapshot.js";
import { parseSnapshot } from "../snapshot-reader.js";
import type { Snapshot } from "../snapshot-schema.js";
import type { OrganizationReader } from "../types.js";
import { ORGANIZATIONS_PAGE_SIZE } from "../types.js";
import { applyChanges } from "./apply-changes.js";
import { planChanges, type ChangePlan } from "./change-plan.js";
import { encodeStoredSnapshot, type StoredSnapshot, type StoreMeta } from "./codec.js";
import {
  EVENT_HISTORY_DAYS,
  LOOK_BACK_MARGIN_SECONDS,
  LookupRefused,
  type EventLookup,
} from "./event-source.js";
import { acquireLease, type HeldLease, type LeaseOptions, type LeaseRecord } from "./lease.js";
import { isStoreError, type ObjectStore, type StoreError, type WriteCondition } from "./object-store.js";

/**
 * A whole read at least this often, whatever the events say: some changes never reach the
 * management account's event history (an account leaving on its own, an invitation accepted in
 * the invited account), and this bounds how long such a change can go unseen.
 */
export const FULL_READ_INTERVAL_HOURS = 24;

/** LookupEvents is paced to 2 requests/s (CloudTrail quotas). */
const LOOKUP_RATE_PER_SECOND = 2;

export const SNAPSHOT_CONTENT_TYPE = "application/gzip";

export interface RefreshReport {
  mode: "full" | "by-change";
  /** Why a whole read, or what changed. */
  reason: string;
  /** Write events applied (by change). */
  changes: number;
  organizationsCalls: number;
  lookupPages: number;
  startedAt: string;
  durationMs: number;
  capturedAt: string;
}

export type RefreshOutcome =
  | { kind: "written"; stored: StoredSnapshot; etag: string; report: RefreshReport }
  /** Another refresher wrote the object meanwhile: ours is dropped, theirs is current. */
  | { kind: "superseded"; report: RefreshReport }
  | { kind: "unwritten"; stored: StoredSnapshot; error: StoreError; report: RefreshReport };

export interface RefreshDeps {
  store: ObjectStore;
  key: string;
  lookup: EventLookup;
  /** Reads the organization for the refresh: its cache is dropped first, so every read is new. */
  reader: OrganizationReader;
  now: () => number;
  /** The Organizations rate the reader is paced to (for the page budget). */
  organizationsRatePerSecond: number;
  fullReadIntervalMs?: number;
  marginSeconds?: number;
}

export interface RefreshRequest {
  /** The current snapshot, refreshed by change when the event history allows. */
  base?: StoredSnapshot;
  /** When the new object may be written: over the object read (If-Match), or only if there is none. */
  write: WriteCondition;
  /** Read the whole organization whatever the events say. */
  full?: boolean;
  /** Updated while a whole read runs. */
  progress?: CaptureProgress;
}

/** The Organizations calls a whole read of `snapshot` costs (tree pages, policy lists, documents, targets). */
export function estimateFullReadCalls(snapshot: Snapshot): number {
  const pages = (n: number): number => Math.max(1, Math.ceil(n / ORGANIZATIONS_PAGE_SIZE));
  const children = new Map<string, { ous: number; accounts: number }>();
  for (const id of [...snapshot.roots.map((r) => r.id), ...snapshot.organizationalUnits.map((o) => o.id)]) {
    children.set(id, { ous: 0, accounts: 0 });
  }
  for (const o of snapshot.organizationalUnits) {
    const c = children.get(o.parentId);
    if (c) c.ous++;
  }
  for (const a of snapshot.accounts) {
    const c = children.get(a.parentId);
    if (c) c.accounts++;
  }
  let calls = 2; // DescribeOrganization, ListRoots
  for (const c of children.values()) calls += pages(c.ous) + pages(c.accounts);
  for (const type of enabledPolicyTypes(snapshot.roots)) {
    const policies = snapshot.policies.filter((p) => p.type === type);
    calls += pages(policies.length);
    for (const p of policies) calls += 1 + pages(p.targetIds.length);
  }
  return calls;
}

/**
 * Pages of events worth reading before a whole read is cheaper: half the time a whole read takes
 * at the Organizations rate, at LookupEvents' 2 pages a second (at least 20). Never fewer than a
 * whole read's own read events fill (50 a page, with room to spare), or with a fast Organizations
 * rate every refresh after a whole read would find too many pages and read whole again.
 */
export function pageBudget(snapshot: Snapshot, organizationsRatePerSecond: number): number {
  const calls = estimateFullReadCalls(snapshot);
  const seconds = calls / organizationsRatePerSecond;
  return Math.max(20, Math.ceil((calls / 50) * 1.5), Math.floor((seconds / 2) * LOOKUP_RATE_PER_SECOND));
}

const totalCalls = (reader: OrganizationReader): number =>
  Object.values(reader.stats().apiCalls).reduce((a, b) => a + b, 0);

/** Reads what changed (or everything) and writes the new object conditionally. */
export async function runRefresh(deps: RefreshDeps, request: RefreshRequest): Promise<RefreshOutcome> {
  const { now, reader } = deps;
  const started = now();
  reader.refresh();
  const callsBefore = totalCalls(reader);
  let lookupPages = 0;
  let made: { stored: StoredSnapshot; mode: "full" | "by-change"; reason: string; changes: number };

  const byChange =
    request.base && !request.full ? await refreshByChange(deps, request.base, started) : undefined;
  if (byChange && "stored" in byChange) {
    made = { stored: byChange.stored, mode: "by-change", reason: byChange.reason, changes: byChange.changes };
    lookupPages = byChange.pages;
  } else {
    lookupPages = byChange?.pages ?? 0;
    const reason = request.full
      ? "a whole read was asked for"
      : !request.base
        ? "there was no usable stored snapshot"
        : (byChange?.full ?? "a whole read is due");
    made = { stored: await readWhole(reader, started, request.progress), mode: "full", reason, changes: 0 };
  }

  const report = (): RefreshReport => ({
    mode: made.mode,
    reason: made.reason,
    changes: made.changes,
    organizationsCalls: totalCalls(reader) - callsBefore,
    lookupPages,
    startedAt: new Date(started).toISOString(),
    durationMs: Math.round(now() - started),
    capturedAt: made.stored.snapshot.capturedAt,
  });
  try {
    const etag = await deps.store.put(
      deps.key,
      encodeStoredSnapshot(made.stored),
      request.write,
      SNAPSHOT_CONTENT_TYPE,
    );
    return { kind: "written", stored: made.stored, etag, report: report() };
  } catch (error) {
    if (isStoreError(error, "precondition_failed", "conflict"))
      return { kind: "superseded", report: report() };
    // Read but not written (the store refused the write): the caller may still answer from it.
    if (isStoreError(error)) return { kind: "unwritten", stored: made.stored, error, report: report() };
    throw error;
  }
}

type ByChange =
  | { stored: StoredSnapshot; reason: string; changes: number; pages: number }
  | { full: string; pages: number };

async function refreshByChange(deps: RefreshDeps, base: StoredSnapshot, started: number): Promise<ByChange> {
  const { snapshot, meta } = base;
  const margin = (deps.marginSeconds ?? LOOK_BACK_MARGIN_SECONDS) * 1000;
  const since = Date.parse(snapshot.capturedAt) - margin;
  if (started - since > EVENT_HISTORY_DAYS * 86_400_000) {
    return {
      full: `the snapshot is older than the ${EVENT_HISTORY_DAYS} days of CloudTrail event history`,
      pages: 0,
    };
  }
  const interval = deps.fullReadIntervalMs ?? FULL_READ_INTERVAL_HOURS * 3_600_000;
  if (started - Date.parse(meta.lastFullReadAt) > interval) {
    return { full: `the last whole read is more than ${Math.round(interval / 3_600_000)} h old`, pages: 0 };
  }
  let events;
  try {
    events = await deps.lookup({
      start: new Date(since),
      end: new Date(started),
      maxPages: pageBudget(snapshot, deps.organizationsRatePerSecond),
    });
  } catch (error) {
    if (error instanceof LookupRefused) return { full: error.message, pages: error.pages };
    throw error;
  }
  // The look-back lists again what the last refresh already applied: those are not read twice.
  const applied = new Set(meta.appliedEvents ?? []);
  const plan: ChangePlan = planChanges(events.events.filter((e) => !applied.has(e.id)));
  if (plan.full !== undefined) return { full: plan.full, pages: events.pages };
  const until = [
    plan.rootAccountsUntil?.getTime(),
    meta.rootAccountsUntil ? Date.parse(meta.rootAccountsUntil) : undefined,
  ]
    .filter((t): t is number => t !== undefined && t > started)
    .sort((a, b) => b - a)[0];
  const capturedAt = new Date(started).toISOString();
  const result = await applyChanges(
    snapshot,
    plan,
    deps.reader,
    capturedAt,
    plan.relistRootAccounts || until !== undefined,
  );
  if ("full" in result) return { full: result.full, pages: events.pages };
  const overlap = started - margin;
  const appliedEvents = events.events
    .filter((e) => !e.readOnly && e.errorCode === undefined && e.time.getTime() >= overlap)
    .map((e) => e.id);
  const nextMeta: StoreMeta = {
    lastFullReadAt: meta.lastFullReadAt,
    refresh: "by-change",
    ...(until !== undefined ? { rootAccountsUntil: new Date(until).toISOString() } : {}),
    ...(appliedEvents.length > 0 ? { appliedEvents } : {}),
  };
  const reason = plan.changes === 0 ? "no change" : `${plan.changes} change${plan.changes === 1 ? "" : "s"}`;
  return {
    stored: { snapshot: result.snapshot, meta: nextMeta },
    reason,
    changes: plan.changes,
    pages: events.pages,
  };
}

async function readWhole(
  reader: OrganizationReader,
  started: number,
  progress?: CaptureProgress,
): Promise<StoredSnapshot> {
  // capturedAt is when the read began: a change made while it ran is in the next look-back.
  const snapshot = await captureSnapshot(reader, {
    policyTypes: POLICY_TYPES,
    now: () => new Date(started),
    ...(progress ? { progress } : {}),
  });
  return {
    snapshot: parseSnapshot(snapshot, "read whole"),
    meta: { lastFullReadAt: snapshot.capturedAt, refresh: "full" },
  };
}

/** How long a lease lasts without renewal; renewed every third of it while the holder works. */
export const LEASE_SECONDS = 120;

export type LeasedOutcome<T> = { ran: T } | { heldBy: LeaseRecord };

/**
 * Runs `work` while holding the lease, renewing it (with `progress()` published in the record for
 * other sessions) until the work ends, then releasing it.
 */
export async function underLease<T>(
  options: LeaseOptions,
  purpose: string,
  work: (lease: HeldLease) => Promise<T>,
  progress?: () => LeaseRecord["progress"],
): Promise<LeasedOutcome<T>> {
  const attempt = await acquireLease(options, purpose);
  if ("heldBy" in attempt) return attempt;
  const lease = attempt.held;
  const timer = setInterval(() => void lease.renew(progress?.()), Math.max(1000, options.ttlMs / 3));
  timer.unref();
  try {
    return { ran: await work(lease) };
  } finally {
    clearInterval(timer);
    await lease.release();
  }
}
