/** The organization as the tools see it, whichever reader produced it. */
import type { TargetKind } from "./ids.js";

export type PolicyType = "SERVICE_CONTROL_POLICY" | "RESOURCE_CONTROL_POLICY";
export const POLICY_TYPES: readonly PolicyType[] = ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"];

export interface OrganizationInfo {
  id: string;
  managementAccountId: string;
  arn?: string;
  featureSet?: string;
}

export interface PolicyTypeStatus {
  type: string;
  status: string;
}

export interface Root {
  id: string;
  name: string;
  arn?: string;
  policyTypes: PolicyTypeStatus[];
}

export interface OrganizationalUnit {
  id: string;
  name: string;
  arn?: string;
}

export interface Account {
  id: string;
  name: string;
  email?: string;
  status?: string;
  arn?: string;
}

export interface PolicySummary {
  id: string;
  name: string;
  description: string;
  type: PolicyType;
  awsManaged: boolean;
  arn?: string;
}

export interface Policy extends PolicySummary {
  /** The policy document as stored by Organizations: a JSON string. */
  content: string;
}

export interface TargetRef {
  id: string;
  type: TargetKind;
}

export interface PolicyTarget extends TargetRef {
  name: string;
}

/** Counts the readers keep, reported by get_server_status. */
export interface ReaderStats {
  apiCalls: Record<string, number>;
  cacheHits: number;
  cacheMisses: number;
  cacheEntries: number;
  /** When the oldest cached entry was read, or the snapshot captured; null when nothing is held. */
  dataAsOf: string | null;
}

/**
 * One interface, several readers (AWS, snapshot, demo). It mirrors the Organizations read API
 * so the AWS reader stays a thin, cached mapping and callers can count calls against it.
 * Every method either returns complete data or throws: never a partial page.
 */
export interface OrganizationReader {
  readonly kind: "aws" | "snapshot" | "demo";
  describeOrganization(): Promise<OrganizationInfo>;
  listRoots(): Promise<Root[]>;
  /** The single parent of an OU or account (ListParents). */
  getParent(childId: string): Promise<TargetRef>;
  /** Direct children of a root or OU (ListChildren). */
  listChildren(parentId: string, childType: "ACCOUNT" | "ORGANIZATIONAL_UNIT"): Promise<TargetRef[]>;
  describeAccount(accountId: string): Promise<Account>;
  describeOrganizationalUnit(ouId: string): Promise<OrganizationalUnit>;
  listPolicies(type: PolicyType): Promise<PolicySummary[]>;
  describePolicy(policyId: string): Promise<Policy>;
  listTargetsForPolicy(policyId: string): Promise<PolicyTarget[]>;
  listPoliciesForTarget(targetId: string, type: PolicyType): Promise<PolicySummary[]>;
  stats(): ReaderStats;
  /** Drops cached data so the next calls read afresh. */
  refresh(): void;
}
