/**
 * One session's side of the shared snapshot store: it reads the object once when first needed,
 * keeps what it holds fresh (a refresh under the lease when it is stale, a whole read when there is
 * none), waits for another session's read, and says where things stand. The reader interface on
 * top of it is src/org/store/stored-reader.ts.
 */
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { errorMessage } from "../../errors.js";
import type { Account, OrganizationalUnit } from "../../model/organization.js";
import type { CaptureProgress } from "../capture-snapshot.js";
import { createSnapshotReader } from "../snapshot-reader.js";
import type { Snapshot } from "../snapshot-schema.js";
import type { OrganizationReader } from "../types.js";
import { StoredSnapshotRejected, decodeStoredSnapshot, type StoredSnapshot } from "./codec.js";
import { LOOK_BACK_MARGIN_SECONDS } from "./event-source.js";
import type { DataFreshness } from "./freshness.js";
import { decodeLease, type LeaseRecord } from "./lease.js";
import { leaseKey, objectUri, snapshotKey } from "./location.js";
import { StoreError, type ObjectStore, type WriteCondition } from "./object-store.js";
import { pacerProgress, type ReadProgress } from "./progress.js";
import {
  LEASE_SECONDS,
  estimateFullReadCalls,
  runRefresh,
  underLease,
  type RefreshOutcome,
  type RefreshReport,
} from "./refresher.js";
import type {
  StoreBackends,
  StoredReaderOptions,
  StoreProblem,
  StoreState,
  StoreStatus,
} from "./stored-reader.js";

/** The snapshot a session answers from, with the listings the reader interface needs. */
export interface Held {
  stored: StoredSnapshot;
  etag: string;
  reader: OrganizationReader;
  accountsOf: Map<string, Account[]>;
  ousOf: Map<string, OrganizationalUnit[]>;
  names: Map<string, string>;
}

/** Where a question goes: a chain (API at once when nothing is held) or the whole organization. */
export type Route = "chain" | "whole";

interface Work {
  promise: Promise<void>;
  purpose: "full read" | "refresh by change";
  startedAt: number;
  progress: CaptureProgress;
  base?: Snapshot;
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
    const account = {
      id: a.id,
      name: a.name,
      ...(a.email ? { email: a.email } : {}),
      status: a.status,
      ...(a.arn ? { arn: a.arn } : {}),
    };
    list.push(Object.freeze(account));
    accountsOf.set(a.parentId, list);
  }
  for (const list of [...accountsOf.values(), ...ousOf.values()]) Object.freeze(list);
  return { stored, etag, reader: createSnapshotReader(snapshot, "snapshot"), accountsOf, ousOf, names };
}

export class StoreSession {
  held: Held | undefined;
  /** Changes whenever another snapshot is installed. */
  generation = 0;
  opened = false;

  private readonly now: () => number;
  private readonly holder: string;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly retryMs: number;
  private backends: StoreBackends | undefined;
  private organizationId: string | undefined;
  private opening: Promise<void> | undefined;
  private state: StoreState = "not read yet";
  /** The ETag of an object that was refused: replaced by the next whole read. */
  private refusedEtag: string | undefined;
  private problem: StoreProblem | undefined;
  private storeUsable = true;
  private retryStoreAt = 0;
  private work: Work | undefined;
  /** Another session's lease, while it reads. */
  private remote: LeaseRecord | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private nextRefreshAt = 0;
  private forceRefresh = false;
  private lastRefresh: RefreshReport | undefined;
  private storeRequests = 0;
  private waiters: ((reader: OrganizationReader) => void)[] = [];

  constructor(private readonly options: StoredReaderOptions) {
    this.now = options.now ?? Date.now;
    this.holder = options.holder ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
    this.leaseMs = (options.leaseSeconds ?? LEASE_SECONDS) * 1000;
    this.pollMs = (options.pollSeconds ?? 10) * 1000;
    this.retryMs = (options.retrySeconds ?? 60) * 1000;
    this.organizationId = options.organizationId;
  }

  // --- Where questions go ---

  /** The reader a question goes to: the snapshot, the API, or (whole) the read under way. */
  async route(kind: Route): Promise<OrganizationReader> {
    await this.open();
    this.tend();
    if (this.held) return this.held.reader;
    if (kind === "whole" && this.storeUsable && this.someoneReading()) {
      return new Promise((resolve) => this.waiters.push(resolve));
    }
    return this.options.live;
  }

  /** Someone is reading the organization into the store (this session or another). */
  someoneReading(): boolean {
    return (
      this.work !== undefined || (this.remote !== undefined && Date.parse(this.remote.expiresAt) > this.now())
    );
  }

  isStale(): boolean {
    return (
      this.held !== undefined &&
      this.now() - Date.parse(this.held.stored.snapshot.capturedAt) > this.options.maxAgeSeconds * 1000
    );
  }

  // --- Reading the object ---

  /** The first read of the store: once per session, when a question first needs the organization. */
  async open(): Promise<void> {
    if (this.opened) return;
    this.opening ??= (async () => {
      try {
        this.organizationId ??= (await this.options.live.describeOrganization()).id;
      } catch (error) {
        // The question that needed it reports the same error; the next one tries again.
        this.opening = undefined;
        throw error;
      }
      try {
        const outcome = await this.readObject();
        if (outcome === "missing" || outcome === "refused") this.state = outcome;
      } catch (error) {
        this.storeFailed(error);
      }
      this.opened = true;
    })();
    await this.opening;
  }

  /** Loads the S3 and CloudTrail clients (their code, nothing read). */
  async backendsReady(): Promise<StoreBackends> {
    if (!this.backends) {
      const opened = await this.options.openBackends();
      this.backends = { store: this.counted(opened.store), lookup: opened.lookup };
    }
    return this.backends;
  }

  /** Counts the store's requests, for get_server_status and the benchmarks. */
  private counted(store: ObjectStore): ObjectStore {
    return {
      name: store.name,
      get: (k, etag) => (this.storeRequests++, store.get(k, etag)),
      put: (k, body, condition, type) => (this.storeRequests++, store.put(k, body, condition, type)),
      remove: (k, etag) => (this.storeRequests++, store.remove(k, etag)),
    };
  }

  private key(): string {
    return snapshotKey(this.options.location, this.organizationId ?? "");
  }

  private where(): string {
    return objectUri(this.options.location, this.key());
  }

  /** Reads and checks the object (StoreError when the store cannot be used). */
  private async readObject(ifNoneMatch?: string): Promise<"installed" | "missing" | "refused" | "unchanged"> {
    const started = performance.now();
    const { store } = await this.backendsReady();
    const loaded = performance.now();
    const got = await store.get(this.key(), ifNoneMatch);
    if (got === "not-modified") return "unchanged";
    if (got === "missing") return "missing";
    const fetched = performance.now();
    try {
      const stored = decodeStoredSnapshot(got.body, this.organizationId ?? "", this.where());
      this.install(stored, got.etag);
      this.options.logger.info("organization snapshot read from the store", {
        object: this.where(),
        capturedAt: stored.snapshot.capturedAt,
        bytes: got.body.length,
        clientsMs: Math.round(loaded - started),
        getMs: Math.round(fetched - loaded),
        decodeMs: Math.round(performance.now() - fetched),
      });
      return "installed";
    } catch (error) {
      if (!(error instanceof StoredSnapshotRejected)) throw error;
      if (this.refusedEtag !== got.etag) {
        this.options.logger.warn("stored organization snapshot refused; treated as missing", {
          object: this.where(),
          reason: error.reason,
          detail: error.message.slice(0, 500),
        });
      }
      this.refusedEtag = got.etag;
      return "refused";
    }
  }

  /** Serves `stored` from now on; whoever waited for it gets it. */
  private install(stored: StoredSnapshot, etag: string): void {
    this.held = hold(stored, etag);
    this.generation++;
    this.refusedEtag = undefined;
    this.state = this.isStale() ? "stale" : "fresh";
    this.releaseWaiters(this.held.reader);
  }

  private releaseWaiters(to: OrganizationReader): void {
    for (const resolve of this.waiters.splice(0)) resolve(to);
  }

  private setProblem(code: string, message: string, fix: string): void {
    this.problem = { code, message, fix, at: new Date(this.now()).toISOString() };
  }

  private storeFailed(error: unknown): void {
    const e =
      error instanceof StoreError
        ? error
        : new StoreError(
            "unavailable",
            `Reading ${this.where()} failed: ${errorMessage(error)}`,
            "Try again later.",
          );
    this.storeUsable = false;
    this.retryStoreAt = this.now() + this.retryMs;
    this.setProblem(e.code, e.message, e.fix);
    this.options.logger.warn("organization snapshot store unavailable; answering from the AWS API", {
      store: this.options.location.uri,
      error: e.message,
      fix: e.fix,
    });
    this.releaseWaiters(this.held?.reader ?? this.options.live);
  }

  /** A minute after the store failed, one read in the background tells whether it works again. */
  private async retryStore(): Promise<void> {
    try {
      const outcome = await this.readObject(this.held?.etag ?? this.refusedEtag);
      this.storeUsable = true;
      this.problem = undefined;
      if (!this.held && (outcome === "missing" || outcome === "refused")) this.state = outcome;
      this.tend();
    } catch (error) {
      this.storeFailed(error);
    }
  }

  // --- Keeping it fresh ---

  /** Starts whatever background work the store needs now: a first read, a refresh, a retry. */
  tend(): void {
    if (!this.opened) return;
    if (!this.storeUsable) {
      if (this.now() >= this.retryStoreAt) {
        this.retryStoreAt = this.now() + this.retryMs;
        void this.retryStore();
      }
      return;
    }
    if (this.work || this.remote) return;
    if (this.now() < this.nextRefreshAt && !this.forceRefresh) return;
    if (this.held && !this.isStale() && !this.forceRefresh) return;
    this.startWork();
  }

  /** Refreshes now (get_server_status refresh: true), whatever the snapshot's age. */
  refreshNow(): void {
    this.forceRefresh = true;
    this.nextRefreshAt = 0;
    this.tend();
  }

  private startWork(): void {
    const purpose = this.held ? "refresh by change" : "full read";
    const progress: CaptureProgress = { queued: 0, done: 0 };
    const forced = this.forceRefresh;
    this.forceRefresh = false;
    const promise = this.runWork(purpose, progress, forced)
      .catch((error: unknown) => this.workFailed(purpose, error))
      .finally(() => {
        this.work = undefined;
      });
    this.work = {
      promise,
      purpose,
      startedAt: this.now(),
      progress,
      ...(this.held ? { base: this.held.stored.snapshot } : {}),
    };
  }

  /** Under the lease: read the object again, refresh it if still needed, and install the result. */
  private async runWork(purpose: Work["purpose"], progress: CaptureProgress, forced: boolean): Promise<void> {
    const { store, lookup } = await this.backendsReady();
    const leased = await underLease(
      {
        store,
        key: leaseKey(this.options.location, this.organizationId ?? ""),
        holder: this.holder,
        ttlMs: this.leaseMs,
        now: this.now,
      },
      purpose,
      async (): Promise<RefreshOutcome | undefined> => {
        // The object may have changed since it was read (another session refreshed it and
        // released the lease just before we took it): read it again first, cheaply.
        const found = await this.readObject(this.held?.etag || this.refusedEtag);
        if (found === "installed" && !this.isStale() && !forced) return undefined;
        return runRefresh(
          {
            store,
            key: this.key(),
            lookup,
            reader: this.options.refreshReader,
            now: this.now,
            organizationsRatePerSecond: this.options.organizationsRatePerSecond,
            ...(this.options.fullReadIntervalMs !== undefined
              ? { fullReadIntervalMs: this.options.fullReadIntervalMs }
              : {}),
          },
          { ...(this.held ? { base: this.held.stored } : {}), write: this.writeCondition(found), progress },
        );
      },
      () => this.leaseProgress(),
    );
    if ("heldBy" in leased) {
      this.remote = leased.heldBy;
      this.schedulePoll();
      return;
    }
    const outcome = leased.ran;
    if (outcome) await this.settleWork(outcome);
  }

  /** Where a new object may be written: over the one read (If-Match), or only where there is none. */
  private writeCondition(found: string): WriteCondition {
    if (found === "missing") return { ifNoneMatch: "*" };
    const etag = this.held?.etag || this.refusedEtag;
    return etag ? { ifMatch: etag } : { ifNoneMatch: "*" };
  }

  private async settleWork(outcome: RefreshOutcome): Promise<void> {
    this.lastRefresh = outcome.report;
    this.options.logger.info("organization snapshot store refreshed", {
      object: this.where(),
      ...outcome.report,
      outcome: outcome.kind,
    });
    if (outcome.kind === "written") this.install(outcome.stored, outcome.etag);
    else if (outcome.kind === "superseded") await this.readObject(this.held?.etag);
    else {
      // Read but the store refused the write: answer from it here, and say what to fix.
      this.install(outcome.stored, this.held?.etag ?? "");
      this.storeFailed(outcome.error);
      return;
    }
    if (this.problem?.code === "refresh_failed" || this.problem?.code === "organization_read_failed") {
      this.problem = undefined;
    }
    this.nextRefreshAt = 0;
  }

  private workFailed(purpose: Work["purpose"], error: unknown): void {
    this.nextRefreshAt = this.now() + this.retryMs;
    if (error instanceof StoreError) this.storeFailed(error);
    else {
      this.setProblem(
        this.held ? "refresh_failed" : "organization_read_failed",
        `The ${purpose} of the organization failed: ${errorMessage(error)}`,
        this.held
          ? "The snapshot in the store is kept and still answered from; the refresh is tried again in a minute."
          : "Questions are answered from the AWS API meanwhile; the read is tried again in a minute.",
      );
      this.options.logger.warn("organization snapshot refresh failed", {
        object: this.where(),
        purpose,
        error: errorMessage(error),
      });
    }
    // Whoever waited for this read gets the API instead.
    if (!this.held) this.releaseWaiters(this.options.live);
  }

  private leaseProgress(): LeaseRecord["progress"] {
    const p = this.progress();
    return p ? { done: p.done, left: p.left ?? 0, etaSeconds: p.etaSeconds } : undefined;
  }

  // --- Another session's read ---

  /** Another session holds the lease: look at the store again until its object appears or the lease lapses. */
  private schedulePoll(): void {
    if (this.pollTimer) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      void this.poll();
    }, this.pollMs);
    this.pollTimer.unref();
  }

  private async poll(): Promise<void> {
    try {
      const { store } = await this.backendsReady();
      const outcome = await this.readObject(this.held?.etag ?? this.refusedEtag);
      if (outcome === "installed" && !this.isStale()) {
        this.remote = undefined;
        return;
      }
      const current = await store.get(leaseKey(this.options.location, this.organizationId ?? ""));
      const record =
        current === "missing" || current === "not-modified" ? undefined : decodeLease(current.body);
      if (record && Date.parse(record.expiresAt) > this.now()) {
        this.remote = record;
        this.schedulePoll();
        return;
      }
      this.remote = undefined; // released or lapsed: take it ourselves
      this.tend();
      if (!this.work && !this.held) this.releaseWaiters(this.options.live);
    } catch (error) {
      this.remote = undefined;
      this.storeFailed(error);
    }
  }

  // --- Where things stand ---

  progress(): ReadProgress | undefined {
    const work = this.work;
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
        etaSeconds: Math.ceil(left / this.options.organizationsRatePerSecond),
      };
    }
    const remote = this.remote;
    if (remote && Date.parse(remote.expiresAt) > this.now()) {
      return {
        activity: `another session (${remote.holder}) is reading the organization into the shared snapshot store (its ${remote.purpose})`,
        done: remote.progress?.done ?? 0,
        left: remote.progress?.left ?? null,
        etaSeconds: remote.progress?.etaSeconds ?? null,
      };
    }
    return pacerProgress(this.options.live.stats());
  }

  status(): StoreStatus {
    const { held, work, remote } = this;
    if (held && this.state !== "unavailable") this.state = this.isStale() ? "stale" : "fresh";
    const capturedAt = held?.stored.snapshot.capturedAt ?? null;
    const refreshing = work
      ? `this session: ${work.purpose} since ${new Date(work.startedAt).toISOString()}`
      : remote && Date.parse(remote.expiresAt) > this.now()
        ? `another session (${remote.holder}): ${remote.purpose}, lease until ${remote.expiresAt}`
        : null;
    return {
      uri: this.options.location.uri,
      object: this.organizationId ? this.where() : null,
      state: this.storeUsable ? this.state : "unavailable",
      capturedAt,
      ageSeconds: capturedAt ? Math.max(0, Math.round((this.now() - Date.parse(capturedAt)) / 1000)) : null,
      maxAgeSeconds: this.options.maxAgeSeconds,
      lookBackMarginSeconds: LOOK_BACK_MARGIN_SECONDS,
      refreshing,
      lastRefresh: this.lastRefresh ?? null,
      problem: this.problem ?? null,
      storeRequests: this.storeRequests,
    };
  }

  freshness(): DataFreshness {
    const common = {
      maxAgeSeconds: this.options.maxAgeSeconds,
      lookBackMarginSeconds: LOOK_BACK_MARGIN_SECONDS,
      refreshing: this.someoneReading(),
    };
    const age = (asOf: string | null): number | null =>
      asOf ? Math.max(0, Math.round((this.now() - Date.parse(asOf)) / 1000)) : null;
    if (this.held) {
      const asOf = this.held.stored.snapshot.capturedAt;
      return { ...common, source: "store", asOf, ageSeconds: age(asOf), stale: this.isStale() };
    }
    const asOf = this.options.live.stats().dataAsOf;
    const problem = this.problem;
    return {
      ...common,
      source: "api",
      asOf,
      ageSeconds: age(asOf),
      stale: false,
      ...(problem && !this.storeUsable ? { storeProblem: `${problem.message} ${problem.fix}` } : {}),
    };
  }

  /** Resolves once no background work of this session is running (tests, benchmarks). */
  async settled(): Promise<void> {
    for (;;) {
      if (this.opening) await this.opening.catch(() => undefined);
      const current = this.work?.promise;
      if (!current) return;
      await current;
    }
  }
}
