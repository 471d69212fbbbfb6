/**
 * The organization reader of a server with a shared snapshot store: every session answers from one
 * snapshot of the organization on S3, read once when first needed, instead of reading the
 * organization itself (docs/architecture.md, "The shared snapshot store").
 *
 * - The first question of a session reads the object (one GetObject) and validates it; from then on
 *   every answer comes from memory. A snapshot older than maxAgeSeconds is still answered from at
 *   once, and refreshed in the background under the lease (by change, else whole).
 * - Without a usable object (missing, or refused: corrupt, truncated, a newer format, another
 *   organization), questions about one account's chain are read from the API at once, while the
 *   organization is read whole into the store in the background (under the lease: one session
 *   reads, the others wait for the object). Questions that need the whole organization (listings
 *   of the tree, of policies, of an AWS-managed policy's targets) wait for that read, so they cost
 *   no calls of their own; the tool deadline answers for them meanwhile.
 * - When the store cannot be used at all (AccessDenied, NoSuchBucket, ...), everything is read from
 *   the API as without a store, and get_server_status says what to fix. It tries the store again
 *   a minute later.
 */
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { errorMessage } from "../../errors.js";
import type { Logger } from "../../logging/logger.js";
import type { Account, OrganizationalUnit } from "../../model/organization.js";
import type { PolicyType } from "../../model/policy-type.js";
import type { CaptureProgress } from "../capture-snapshot.js";
import { createSnapshotReader } from "../snapshot-reader.js";
import type { Snapshot } from "../snapshot-schema.js";
import type {
  CachedOperation,
  KnownOrganization,
  LearnedFact,
  OrganizationReader,
  ReaderStats,
} from "../types.js";
import { StoredSnapshotRejected, decodeStoredSnapshot, type StoredSnapshot } from "./codec.js";
import { LOOK_BACK_MARGIN_SECONDS, type EventLookup } from "./event-source.js";
import type { DataFreshness } from "./freshness.js";
import { decodeLease, type LeaseRecord } from "./lease.js";
import { leaseKey, objectUri, snapshotKey, type StoreLocation } from "./location.js";
import { StoreError, type ObjectStore, type WriteCondition } from "./object-store.js";
import type { ReadProgress } from "./progress.js";
import {
  LEASE_SECONDS,
  estimateFullReadCalls,
  runRefresh,
  underLease,
  type RefreshReport,
} from "./refresher.js";

export interface StoreBackends {
  store: ObjectStore;
  lookup: EventLookup;
}

export interface StoredReaderOptions {
  /** Reads tool questions from the API when the store cannot answer them. */
  live: OrganizationReader;
  /** Reads for refreshes and whole reads (its own cache, the same pacer as `live`). */
  refreshReader: OrganizationReader;
  /** Creates the S3 and CloudTrail clients; called on first need, so they load only then. */
  openBackends: () => Promise<StoreBackends>;
  location: StoreLocation;
  organizationId?: string;
  maxAgeSeconds: number;
  /** The Organizations rate the readers are paced to. */
  organizationsRatePerSecond: number;
  logger: Logger;
  now?: () => number;
  /** Who holds the lease, as other sessions see it. */
  holder?: string;
  leaseSeconds?: number;
  /** How often a session waiting for another one's read looks at the store again. */
  pollSeconds?: number;
  /** How long after a failure the store, or a refresh, is tried again. */
  retrySeconds?: number;
  fullReadIntervalMs?: number;
}

export type StoreState = "not read yet" | "fresh" | "stale" | "missing" | "refused" | "unavailable";

export interface StoreProblem {
  code: string;
  message: string;
  fix: string;
  at: string;
}

export interface StoreStatus {
  uri: string;
  object: string | null;
  state: StoreState;
  capturedAt: string | null;
  ageSeconds: number | null;
  maxAgeSeconds: number;
  lookBackMarginSeconds: number;
  /** Who is refreshing now, or null. */
  refreshing: string | null;
  lastRefresh: RefreshReport | null;
  problem: StoreProblem | null;
  /** S3 requests this session made to the store (GetObject, PutObject, DeleteObject). */
  storeRequests: number;
}

/** The extra surface of the stored reader: get_server_status, the answers' data age, the deadline. */
export interface StoredReader extends OrganizationReader {
  storeStatus(): StoreStatus;
  freshness(): DataFreshness;
  progress(): ReadProgress | undefined;
  /** Loads the store's clients' code in the background, once start-up is done; reads nothing. */
  prepare(): void;
  /** Resolves once no background work of this session is running (tests, benchmarks). */
  settled(): Promise<void>;
}

interface Held {
  stored: StoredSnapshot;
  etag: string;
  reader: OrganizationReader;
  accountsOf: Map<string, Account[]>;
  ousOf: Map<string, OrganizationalUnit[]>;
  names: Map<string, string>;
}

type Route = "chain" | "whole";

/** A promise with its resolver, for callers waiting on the store. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function hold(stored: StoredSnapshot, etag: string): Held {
  const snapshot: Snapshot = stored.snapshot;
  const accountsOf = new Map<string, Account[]>();
  const ousOf = new Map<string, OrganizationalUnit[]>();
  const names = new Map<string, string>();
  for (const r of snapshot.roots) names.set(r.id, r.name);
  for (const o of snapshot.organizationalUnits) {
    names.set(o.id, o.name);
    const list = ousOf.get(o.parentId) ?? [];
    list.push(Object.freeze({ id: o.id, name: o.name, ...(o.arn ? { arn: o.arn } : {}) }));
    ousOf.set(o.parentId, list);
  }
  for (const a of snapshot.accounts) {
    names.set(a.id, a.name);
    const list = accountsOf.get(a.parentId) ?? [];
    list.push(
      Object.freeze({
        id: a.id,
        name: a.name,
        ...(a.email ? { email: a.email } : {}),
        status: a.status,
        ...(a.arn ? { arn: a.arn } : {}),
      }),
    );
    accountsOf.set(a.parentId, list);
  }
  for (const list of [...accountsOf.values(), ...ousOf.values()]) Object.freeze(list);
  return { stored, etag, reader: createSnapshotReader(snapshot, "snapshot"), accountsOf, ousOf, names };
}

const EMPTY: readonly never[] = Object.freeze([]);

export function createStoredReader(options: StoredReaderOptions): StoredReader {
  const { live, refreshReader, logger, location } = options;
  const now = options.now ?? Date.now;
  const holder = options.holder ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  const leaseMs = (options.leaseSeconds ?? LEASE_SECONDS) * 1000;
  const pollMs = (options.pollSeconds ?? 10) * 1000;
  const retryMs = (options.retrySeconds ?? 60) * 1000;
  const maxAgeMs = options.maxAgeSeconds * 1000;

  let backends: StoreBackends | undefined;
  let organizationId = options.organizationId;
  let opening: Promise<void> | undefined;
  let opened = false;
  let held: Held | undefined;
  let state: StoreState = "not read yet";
  /** The ETag of an object that was refused: replaced by the next whole read. */
  let refusedEtag: string | undefined;
  let problem: StoreProblem | undefined;
  let storeUsable = true;
  let retryStoreAt = 0;
  let work:
    | {
        promise: Promise<void>;
        purpose: string;
        startedAt: number;
        progress: CaptureProgress;
        base?: Snapshot;
      }
    | undefined;
  let remote: LeaseRecord | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let nextRefreshAt = 0;
  let forceRefresh = false;
  let lastRefresh: RefreshReport | undefined;
  let storeRequests = 0;
  let generation = 0;
  let waiting = deferred<OrganizationReader>();
  let hasWaiters = false;

  const key = (): string => snapshotKey(location, organizationId ?? "");
  const lease = (): string => leaseKey(location, organizationId ?? "");
  const where = (): string => objectUri(location, key());

  const setProblem = (code: string, message: string, fix: string): void => {
    problem = { code, message, fix, at: new Date(now()).toISOString() };
  };

  /** Counts the store's requests, for get_server_status and the benchmarks. */
  const counted = (store: ObjectStore): ObjectStore => ({
    name: store.name,
    get: (k, etag) => (storeRequests++, store.get(k, etag)),
    put: (k, body, condition, type) => (storeRequests++, store.put(k, body, condition, type)),
    remove: (k, etag) => (storeRequests++, store.remove(k, etag)),
  });

  async function storeBackends(): Promise<StoreBackends> {
    if (!backends) {
      const opened = await options.openBackends();
      backends = { store: counted(opened.store), lookup: opened.lookup };
    }
    return backends;
  }

  /** Serves `stored` from now on; whoever waited for it gets it. */
  function install(stored: StoredSnapshot, etag: string): void {
    held = hold(stored, etag);
    generation++;
    refusedEtag = undefined;
    state = isStale() ? "stale" : "fresh";
    releaseWaiters(held.reader);
  }

  function releaseWaiters(to: OrganizationReader): void {
    if (!hasWaiters) return;
    hasWaiters = false;
    const done = waiting;
    waiting = deferred<OrganizationReader>();
    done.resolve(to);
  }

  function isStale(): boolean {
    return held !== undefined && now() - Date.parse(held.stored.snapshot.capturedAt) > maxAgeMs;
  }

  /** Reads and checks the object (StoreError when the store cannot be used). */
  async function readObject(
    ifNoneMatch?: string,
  ): Promise<"installed" | "missing" | "refused" | "unchanged"> {
    const started = performance.now();
    const { store } = await storeBackends();
    const loaded = performance.now();
    const got = await store.get(key(), ifNoneMatch);
    if (got === "not-modified") return "unchanged";
    if (got === "missing") return "missing";
    const fetched = performance.now();
    try {
      const stored = decodeStoredSnapshot(got.body, organizationId ?? "", where());
      install(stored, got.etag);
      logger.info("organization snapshot read from the store", {
        object: where(),
        capturedAt: stored.snapshot.capturedAt,
        bytes: got.body.length,
        clientsMs: Math.round(loaded - started),
        getMs: Math.round(fetched - loaded),
        decodeMs: Math.round(performance.now() - fetched),
      });
      return "installed";
    } catch (error) {
      if (!(error instanceof StoredSnapshotRejected)) throw error;
      if (refusedEtag !== got.etag) {
        logger.warn("stored organization snapshot refused; treated as missing", {
          object: where(),
          reason: error.reason,
          detail: error.message.slice(0, 500),
        });
      }
      refusedEtag = got.etag;
      return "refused";
    }
  }

  /** The first read of the store: once per session, when a question first needs the organization. */
  async function open(): Promise<void> {
    if (opened) return;
    opening ??= (async () => {
      try {
        organizationId ??= (await live.describeOrganization()).id;
      } catch (error) {
        // The question that needed it reports the same error; the next one tries again.
        opening = undefined;
        throw error;
      }
      try {
        const outcome = await readObject();
        if (outcome === "missing" || outcome === "refused") state = outcome;
      } catch (error) {
        storeFailed(error);
      }
      opened = true;
    })();
    await opening;
  }

  function storeFailed(error: unknown): void {
    const e =
      error instanceof StoreError
        ? error
        : new StoreError(
            "unavailable",
            `Reading ${where()} failed: ${errorMessage(error)}`,
            "Try again later.",
          );
    storeUsable = false;
    retryStoreAt = now() + retryMs;
    setProblem(e.code, e.message, e.fix);
    logger.warn("organization snapshot store unavailable; answering from the AWS API", {
      store: location.uri,
      error: e.message,
      fix: e.fix,
    });
    releaseWaiters(held?.reader ?? live);
  }

  /** A minute after the store failed, one read in the background tells whether it works again. */
  async function retryStore(): Promise<void> {
    try {
      const outcome = await readObject(held?.etag ?? refusedEtag);
      storeUsable = true;
      problem = undefined;
      if (!held && (outcome === "missing" || outcome === "refused")) state = outcome;
      tend();
    } catch (error) {
      storeFailed(error);
    }
  }

  /** Starts whatever background work the store needs now: a first read, a refresh, a retry. */
  function tend(): void {
    if (!opened) return;
    if (!storeUsable) {
      if (now() >= retryStoreAt) {
        retryStoreAt = now() + retryMs;
        void retryStore();
      }
      return;
    }
    if (work || remote) return;
    if (now() < nextRefreshAt && !forceRefresh) return;
    if (held && !isStale() && !forceRefresh) return;
    startWork();
  }

  /** Where a new object may be written: over the one read (If-Match), or only where there is none. */
  function writeCondition(found: string): WriteCondition {
    if (found === "missing") return { ifNoneMatch: "*" };
    const etag = held?.etag || refusedEtag;
    return etag ? { ifMatch: etag } : { ifNoneMatch: "*" };
  }

  function startWork(): void {
    const purpose = held ? "refresh by change" : "full read";
    const progress: CaptureProgress = { queued: 0, done: 0 };
    const startedAt = now();
    const forced = forceRefresh;
    forceRefresh = false;
    const promise = (async () => {
      const { store, lookup } = await storeBackends();
      const leased = await underLease(
        { store, key: lease(), holder, ttlMs: leaseMs, now },
        purpose,
        async () => {
          // The object may have changed since it was read (another session refreshed it and
          // released the lease just before we took it): read it again first, cheaply.
          const found = await readObject(held?.etag || refusedEtag);
          if (found === "installed" && !isStale() && !forced) return undefined;
          return runRefresh(
            {
              store,
              key: key(),
              lookup,
              reader: refreshReader,
              now,
              organizationsRatePerSecond: options.organizationsRatePerSecond,
              ...(options.fullReadIntervalMs !== undefined
                ? { fullReadIntervalMs: options.fullReadIntervalMs }
                : {}),
            },
            { ...(held ? { base: held.stored } : {}), write: writeCondition(found), progress },
          );
        },
        () => leaseProgress(),
      );
      if ("heldBy" in leased) {
        remote = leased.heldBy;
        schedulePoll();
        return;
      }
      const outcome = leased.ran;
      if (!outcome) return;
      lastRefresh = outcome.report;
      logger.info("organization snapshot store refreshed", {
        object: where(),
        ...outcome.report,
        outcome: outcome.kind,
      });
      if (outcome.kind === "written") install(outcome.stored, outcome.etag);
      else if (outcome.kind === "superseded") await readObject(held?.etag);
      else {
        // Read but the store refused the write: answer from it here, and say what to fix.
        install(outcome.stored, held?.etag ?? "");
        storeFailed(outcome.error);
        return;
      }
      if (problem?.code === "refresh_failed" || problem?.code === "organization_read_failed")
        problem = undefined;
      nextRefreshAt = 0;
    })()
      .catch((error: unknown) => {
        nextRefreshAt = now() + retryMs;
        if (error instanceof StoreError) storeFailed(error);
        else {
          setProblem(
            held ? "refresh_failed" : "organization_read_failed",
            `The ${purpose} of the organization failed: ${errorMessage(error)}`,
            held
              ? "The snapshot in the store is kept and still answered from; the refresh is tried again in a minute."
              : "Questions are answered from the AWS API meanwhile; the read is tried again in a minute.",
          );
          logger.warn("organization snapshot refresh failed", {
            object: where(),
            purpose,
            error: errorMessage(error),
          });
        }
        // Whoever waited for this read gets the API instead.
        if (!held) releaseWaiters(live);
      })
      .finally(() => {
        work = undefined;
      });
    work = { promise, purpose, startedAt, progress, ...(held ? { base: held.stored.snapshot } : {}) };
  }

  function leaseProgress(): LeaseRecord["progress"] {
    const p = progress();
    return p ? { done: p.done, left: p.left ?? 0, etaSeconds: p.etaSeconds } : undefined;
  }

  /** Another session holds the lease: look at the store again until its object appears or the lease lapses. */
  function schedulePoll(): void {
    if (pollTimer) return;
    pollTimer = setTimeout(() => {
      pollTimer = undefined;
      void poll();
    }, pollMs);
    pollTimer.unref();
  }

  async function poll(): Promise<void> {
    try {
      const { store } = await storeBackends();
      const outcome = await readObject(held?.etag ?? refusedEtag);
      if (outcome === "installed" && !isStale()) {
        remote = undefined;
        return;
      }
      const current = await store.get(lease());
      const record =
        current === "missing" || current === "not-modified" ? undefined : decodeLease(current.body);
      if (record && Date.parse(record.expiresAt) > now()) {
        remote = record;
        schedulePoll();
        return;
      }
      remote = undefined; // released or lapsed: take it ourselves
      tend();
      if (!work && !held) releaseWaiters(live);
    } catch (error) {
      remote = undefined;
      storeFailed(error);
      if (!held) releaseWaiters(live);
    }
  }

  /** Someone is reading the organization into the store (this session or another). */
  const someoneReading = (): boolean =>
    work !== undefined || (remote !== undefined && Date.parse(remote.expiresAt) > now());

  /** The reader a question goes to. */
  async function route(kind: Route): Promise<OrganizationReader> {
    await open();
    tend();
    if (held) return held.reader;
    if (kind === "whole" && storeUsable && someoneReading()) {
      hasWaiters = true;
      return waiting.promise;
    }
    return live;
  }

  function progress(): ReadProgress | undefined {
    if (work) {
      const done = work.progress.done;
      const estimate = work.base ? estimateFullReadCalls(work.base) : undefined;
      const left =
        work.purpose === "full read"
          ? Math.max(work.progress.queued, estimate !== undefined ? estimate - done : 0)
          : work.progress.queued;
      return {
        activity:
          work.purpose === "full read"
            ? "this session is reading the whole organization into the shared snapshot store"
            : "this session is refreshing the shared snapshot",
        done,
        left,
        etaSeconds: Math.ceil(left / options.organizationsRatePerSecond),
      };
    }
    if (remote && Date.parse(remote.expiresAt) > now()) {
      return {
        activity: `another session (${remote.holder}) is reading the organization into the shared snapshot store (its ${remote.purpose})`,
        done: remote.progress?.done ?? 0,
        left: remote.progress?.left ?? null,
        etaSeconds: remote.progress?.etaSeconds ?? null,
      };
    }
    const pacing = live.stats().pacing;
    if (pacing && pacing.queued + pacing.inFlight > 0) {
      const left = pacing.queued + pacing.inFlight;
      return {
        activity: "reading from AWS Organizations",
        done: Object.values(live.stats().apiCalls).reduce((a, b) => a + b, 0),
        left,
        etaSeconds: Math.ceil(left / pacing.ratePerSecond),
      };
    }
    return undefined;
  }

  // --- The reader interface: each method goes where its answer is. ---

  /**
   * The snapshot's reader when one is held (the hot path: a whole-organization answer makes tens of
   * thousands of reader calls at XL, so no await of its own), else the route's promise.
   */
  const heldReader = (): OrganizationReader | undefined => {
    if (!held || !opened) return undefined;
    if (now() >= nextCheckAt) {
      nextCheckAt = now() + 1000; // staleness needs no finer check than a second
      tend();
    }
    return held.reader;
  };
  let nextCheckAt = 0;
  const chain =
    <A extends unknown[], R>(call: (r: OrganizationReader, ...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      const direct = heldReader();
      return direct ? call(direct, ...args) : route("chain").then((r) => call(r, ...args));
    };
  const whole =
    <A extends unknown[], R>(call: (r: OrganizationReader, ...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      const direct = heldReader();
      return direct ? call(direct, ...args) : route("whole").then((r) => call(r, ...args));
    };

  const listChildrenWith = async <T>(
    parentId: string,
    fromHeld: (h: Held) => readonly T[],
    fromLive: ((id: string) => Promise<T[]>) | undefined,
  ): Promise<T[]> => {
    const target = heldReader() ?? (await route("whole"));
    if (held && target === held.reader) {
      await held.reader.listChildren(parentId, "ACCOUNT"); // not_found for an unknown container
      return fromHeld(held) as T[];
    }
    if (!fromLive) throw new StoreError("unavailable", "the AWS reader cannot list children with names", "");
    return fromLive(parentId);
  };

  const reader: StoredReader = {
    kind: "aws",
    describeOrganization: chain((r) => r.describeOrganization()),
    listRoots: chain((r) => r.listRoots()),
    getParent: chain((r, id: string) => r.getParent(id)),
    listChildren: whole((r, id: string, type: "ACCOUNT" | "ORGANIZATIONAL_UNIT") => r.listChildren(id, type)),
    describeAccount: chain((r, id: string) => r.describeAccount(id)),
    describeOrganizationalUnit: chain((r, id: string) => r.describeOrganizationalUnit(id)),
    listPolicies: whole((r, type: PolicyType) => r.listPolicies(type)),
    describePolicy: chain((r, id: string) => r.describePolicy(id)),
    listPoliciesForTarget: chain((r, id: string, type: PolicyType) => r.listPoliciesForTarget(id, type)),
    // A customer policy's targets are a page or two; an AWS-managed one (FullAWSAccess) is attached
    // everywhere, a whole-organization read of its own.
    listTargetsForPolicy: async (id) => {
      const first = heldReader() ?? (await route("chain"));
      if (first !== live) return first.listTargetsForPolicy(id);
      const policy = await live.describePolicy(id);
      return (policy.awsManaged ? await route("whole") : first).listTargetsForPolicy(id);
    },
    listAccountsForParent: (parentId) =>
      listChildrenWith(
        parentId,
        (h) => h.accountsOf.get(parentId) ?? EMPTY,
        live.listAccountsForParent?.bind(live),
      ),
    listOrganizationalUnitsForParent: (parentId) =>
      listChildrenWith(
        parentId,
        (h) => h.ousOf.get(parentId) ?? EMPTY,
        live.listOrganizationalUnitsForParent?.bind(live),
      ),
    peekName: (id) => (held ? held.names.get(id) : live.peekName?.(id)),
    peekOrganization: (): KnownOrganization => {
      if (!held) return live.peekOrganization?.() ?? {};
      const o = held.stored.snapshot.organization;
      // The snapshot's organization came from DescribeOrganization itself.
      return {
        id: o.id,
        managementAccountId: o.managementAccountId,
        managementAccountSource: "DescribeOrganization",
      };
    },
    isCached: (operation: CachedOperation, args) =>
      held ? true : (live.isCached?.(operation, args) ?? false),
    epoch: () => (held ? -1 - generation : (live.epoch?.() ?? 0)),
    learn: (facts: readonly LearnedFact[], epoch) => {
      if (!held) live.learn?.(facts, epoch);
    },

    stats: (): ReaderStats => {
      const a = live.stats();
      const b = refreshReader.stats();
      const apiCalls: Record<string, number> = { ...a.apiCalls };
      for (const [op, n] of Object.entries(b.apiCalls)) apiCalls[op] = (apiCalls[op] ?? 0) + n;
      return {
        ...a,
        apiCalls,
        dataAsOf: held ? held.stored.snapshot.capturedAt : a.dataAsOf,
        ...(a.httpRequests !== undefined ? { httpRequests: a.httpRequests + (b.httpRequests ?? 0) } : {}),
        ...(a.throttledResponses !== undefined
          ? { throttledResponses: a.throttledResponses + (b.throttledResponses ?? 0) }
          : {}),
      };
    },

    refresh: () => {
      live.refresh();
      forceRefresh = true;
      nextRefreshAt = 0;
      tend();
    },

    storeStatus: (): StoreStatus => {
      if (held && state !== "unavailable") state = isStale() ? "stale" : "fresh";
      const capturedAt = held?.stored.snapshot.capturedAt ?? null;
      const refreshing = work
        ? `this session: ${work.purpose} since ${new Date(work.startedAt).toISOString()}`
        : remote && Date.parse(remote.expiresAt) > now()
          ? `another session (${remote.holder}): ${remote.purpose}, lease until ${remote.expiresAt}`
          : null;
      return {
        uri: location.uri,
        object: organizationId ? where() : null,
        state: storeUsable ? state : "unavailable",
        capturedAt,
        ageSeconds: capturedAt ? Math.max(0, Math.round((now() - Date.parse(capturedAt)) / 1000)) : null,
        maxAgeSeconds: options.maxAgeSeconds,
        lookBackMarginSeconds: LOOK_BACK_MARGIN_SECONDS,
        refreshing,
        lastRefresh: lastRefresh ?? null,
        problem: problem ?? null,
        storeRequests,
      };
    },

    freshness: (): DataFreshness => {
      const common = {
        maxAgeSeconds: options.maxAgeSeconds,
        lookBackMarginSeconds: LOOK_BACK_MARGIN_SECONDS,
        refreshing: someoneReading(),
      };
      if (held) {
        const asOf = held.stored.snapshot.capturedAt;
        return {
          ...common,
          source: "store",
          asOf,
          ageSeconds: Math.max(0, Math.round((now() - Date.parse(asOf)) / 1000)),
          stale: isStale(),
        };
      }
      const asOf = live.stats().dataAsOf;
      return {
        ...common,
        source: "api",
        asOf,
        ageSeconds: asOf ? Math.max(0, Math.round((now() - Date.parse(asOf)) / 1000)) : null,
        stale: false,
        ...(problem && !storeUsable ? { storeProblem: `${problem.message} ${problem.fix}` } : {}),
      };
    },

    progress,

    prepare: () => {
      // Loads the S3 and CloudTrail clients' code ahead of the first question (nothing is read).
      storeBackends().catch(() => undefined);
    },

    settled: async () => {
      for (;;) {
        if (opening) await opening;
        const current = work?.promise;
        if (!current) return;
        await current;
      }
    },
  };
  return reader;
}
