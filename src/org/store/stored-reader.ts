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
import type { PolicyType } from "../../model/policy-type.js";
import type { Logger } from "../../logging/logger.js";
import type {
  CachedOperation,
  KnownOrganization,
  LearnedFact,
  OrganizationReader,
  ReaderStats,
} from "../types.js";
import type { EventLookup } from "./event-source.js";
import type { DataFreshness } from "./freshness.js";
import type { StoreLocation } from "./location.js";
import { StoreError, type ObjectStore } from "./object-store.js";
import type { ReadProgress } from "./progress.js";
import type { RefreshReport } from "./refresher.js";
import { StoreSession, type Held, type Route } from "./store-session.js";

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

const EMPTY: readonly never[] = Object.freeze([]);

export function createStoredReader(options: StoredReaderOptions): StoredReader {
  const { live, refreshReader } = options;
  const session = new StoreSession(options);
  const now = options.now ?? Date.now;
  let nextCheckAt = 0;

  /**
   * The snapshot's reader when one is held (the hot path: a whole-organization answer makes tens of
   * thousands of reader calls at XL, so no await of its own), else undefined.
   */
  const heldReader = (): OrganizationReader | undefined => {
    const held = session.held;
    if (!held || !session.opened) return undefined;
    if (now() >= nextCheckAt) {
      nextCheckAt = now() + 1000; // staleness needs no finer check than a second
      session.tend();
    }
    return held.reader;
  };
  const via =
    (kind: Route) =>
    <A extends unknown[], R>(call: (r: OrganizationReader, ...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      const direct = heldReader();
      return direct ? call(direct, ...args) : session.route(kind).then((r) => call(r, ...args));
    };
  const chain = via("chain");
  const whole = via("whole");

  const listChildrenWith = async <T>(
    parentId: string,
    fromHeld: (h: Held) => readonly T[],
    fromLive: ((id: string) => Promise<T[]>) | undefined,
  ): Promise<T[]> => {
    const target = heldReader() ?? (await session.route("whole"));
    const held = session.held;
    if (held && target === held.reader) {
      await held.reader.listChildren(parentId, "ACCOUNT"); // not_found for an unknown container
      return fromHeld(held) as T[];
    }
    if (!fromLive) throw new StoreError("unavailable", "the AWS reader cannot list children with names", "");
    return fromLive(parentId);
  };

  return {
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
      const first = heldReader() ?? (await session.route("chain"));
      if (first !== live) return first.listTargetsForPolicy(id);
      const policy = await live.describePolicy(id);
      return (policy.awsManaged ? await session.route("whole") : first).listTargetsForPolicy(id);
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
    peekName: (id) => (session.held ? session.held.names.get(id) : live.peekName?.(id)),
    peekOrganization: (): KnownOrganization => {
      const held = session.held;
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
      session.held ? true : (live.isCached?.(operation, args) ?? false),
    epoch: () => (session.held ? -1 - session.generation : (live.epoch?.() ?? 0)),
    learn: (facts: readonly LearnedFact[], epoch) => {
      if (!session.held) live.learn?.(facts, epoch);
    },

    stats: (): ReaderStats => {
      const a = live.stats();
      const b = refreshReader.stats();
      const apiCalls: Record<string, number> = { ...a.apiCalls };
      for (const [op, n] of Object.entries(b.apiCalls)) apiCalls[op] = (apiCalls[op] ?? 0) + n;
      return {
        ...a,
        apiCalls,
        dataAsOf: session.held ? session.held.stored.snapshot.capturedAt : a.dataAsOf,
        ...(a.httpRequests !== undefined ? { httpRequests: a.httpRequests + (b.httpRequests ?? 0) } : {}),
        ...(a.throttledResponses !== undefined
          ? { throttledResponses: a.throttledResponses + (b.throttledResponses ?? 0) }
          : {}),
      };
    },

    refresh: () => {
      live.refresh();
      session.refreshNow();
    },

    storeStatus: () => session.status(),
    freshness: () => session.freshness(),
    progress: () => session.progress(),
    prepare: () => {
      // Loads the S3 and CloudTrail clients' code ahead of the first question (nothing is read).
      session.backendsReady().catch(() => undefined);
    },
    settled: () => session.settled(),
  };
}
