/** The reader interface: one API over the organization, whichever source (AWS, snapshot, demo) answers. */
import type * as Model from "../model/organization.js";

// The organization's parts the interface speaks of, for its implementations to import with it.
export type {
  OrganizationInfo,
  OrganizationalUnit,
  Account,
  Policy,
  PolicySummary,
  PolicyTarget,
  Root,
  TargetRef,
} from "../model/organization.js";
import type { PolicyType } from "../model/policy-type.js";
import type { PacerStats } from "./pacer.js";
import type { DataFreshness } from "./store/freshness.js";
import type { ReadProgress } from "./store/progress.js";

/** Counts the readers keep, reported by get_server_status. */
export interface ReaderStats {
  /** Logical API calls per operation: one per page requested (SDK retries are not counted again). */
  apiCalls: Record<string, number>;
  cacheHits: number;
  cacheMisses: number;
  cacheEntries: number;
  /** When the oldest cached entry was read, or the snapshot captured; null when nothing is held. */
  dataAsOf: string | null;
  /** HTTP requests sent, SDK retries included (AWS reader). */
  httpRequests?: number;
  /** Requests AWS answered with a throttling error (each was retried by the SDK or failed the call). */
  throttledResponses?: number;
  /** Answers stored without a call because other answers implied them (parents, policies per target). */
  derivedEntries?: number;
  /** Explicit refreshes since start-up. */
  refreshes?: number;
  /** The request pacer (AWS reader). */
  pacing?: PacerStats;
}

/** What a reader knows about the organization without another call; fields are absent when unknown. */
export interface KnownOrganization {
  id?: string;
  managementAccountId?: string;
  /** Where managementAccountId came from: DescribeOrganization, or the ARN of a customer-managed policy. */
  managementAccountSource?: "DescribeOrganization" | "policy ARN";
}

/** Answers implied by other answers, stored so later calls need no request (see OrganizationReader.learn). */
export type LearnedFact =
  | { kind: "policiesForTarget"; targetId: string; policyType: PolicyType; policies: Model.PolicySummary[] }
  | { kind: "targetsForPolicy"; policyId: string; targets: Model.PolicyTarget[] };

/** The operations whose cached answers a planner may ask about (OrganizationReader.isCached). */
export type CachedOperation = "ListPoliciesForTarget" | "ListTargetsForPolicy" | "DescribePolicy";

/**
 * One interface, several readers (AWS, snapshot, demo). It mirrors the Organizations read API
 * so the AWS reader stays a thin, cached mapping and callers can count calls against it.
 * Every method either returns complete data or throws: never a partial page. Answers are frozen
 * and may be shared between callers: copy one before changing it.
 */
export interface OrganizationReader {
  readonly kind: "aws" | "snapshot" | "demo";
  describeOrganization(): Promise<Model.OrganizationInfo>;
  listRoots(): Promise<Model.Root[]>;
  /** The single parent of an OU or account (ListParents). */
  getParent(childId: string): Promise<Model.TargetRef>;
  /** Direct children of a root or OU (ListChildren). */
  listChildren(parentId: string, childType: "ACCOUNT" | "ORGANIZATIONAL_UNIT"): Promise<Model.TargetRef[]>;
  describeAccount(accountId: string): Promise<Model.Account>;
  describeOrganizationalUnit(ouId: string): Promise<Model.OrganizationalUnit>;
  listPolicies(type: PolicyType): Promise<Model.PolicySummary[]>;
  describePolicy(policyId: string): Promise<Model.Policy>;
  listTargetsForPolicy(policyId: string): Promise<Model.PolicyTarget[]>;
  listPoliciesForTarget(targetId: string, type: PolicyType): Promise<Model.PolicySummary[]>;
  stats(): ReaderStats;
  /** Drops cached data so the next calls read afresh. */
  refresh(): void;

  // Optional: readers that hold the organization in memory (snapshot, demo) leave these out, and
  // callers then use the methods above, which cost them nothing.

  /** Accounts directly under a root or OU, with names (ListAccountsForParent). */
  listAccountsForParent?(parentId: string): Promise<Model.Account[]>;
  /** OUs directly under a root or OU, with names (ListOrganizationalUnitsForParent). */
  listOrganizationalUnitsForParent?(parentId: string): Promise<Model.OrganizationalUnit[]>;
  /** A root, OU or account name already known from an earlier answer, without a call. */
  peekName?(id: string): string | undefined;
  /** The organization id and management account, as far as known without a call. */
  peekOrganization?(): KnownOrganization;
  /** Whether the answer of `operation` for `args` is held fresh (a planner's "what is known"). */
  isCached?(operation: CachedOperation, args: readonly string[]): boolean;
  /** Changes whenever cached data is dropped; pass it back to learn(). */
  epoch?(): number;
  /** Stores implied answers, unless the data was refreshed since `epoch` (they would mix two reads). */
  learn?(facts: readonly LearnedFact[], epoch: number): void;
  /** How old the data is and where it comes from, for every answer (the snapshot store's reader). */
  freshness?(): DataFreshness;
  /** What a long read has done and has left (the snapshot store's reader). */
  progress?(): ReadProgress | undefined;
}

/** The largest MaxResults every Organizations list operation accepts (and the page size it returns). */
export const ORGANIZATIONS_PAGE_SIZE = 20;
