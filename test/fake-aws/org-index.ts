/**
 * Indexes over a snapshot document, shared by the fake Organizations service and the lower-bound
 * arithmetic of the tests and benchmarks (what a perfect reader would have to call).
 */
import type { Snapshot } from "../../src/org/snapshot-schema.js";

export type SnapshotPolicy = Snapshot["policies"][number];
export type SnapshotAccount = Snapshot["accounts"][number];
export type SnapshotOu = Snapshot["organizationalUnits"][number];
export type PolicyTypeName = SnapshotPolicy["type"];

/** The largest page every Organizations list operation serves (MaxResults 1..20). */
export const AWS_PAGE_SIZE = 20;

export class OrgIndex {
  readonly rootIds: Set<string>;
  readonly ous = new Map<string, SnapshotOu>();
  readonly accounts = new Map<string, SnapshotAccount>();
  readonly policies = new Map<string, SnapshotPolicy>();
  readonly parentOf = new Map<string, string>();
  /** Children of each root or OU, in snapshot order. */
  readonly childOus = new Map<string, SnapshotOu[]>();
  readonly childAccounts = new Map<string, SnapshotAccount[]>();
  /** Policies attached to each target, in snapshot order. */
  readonly policiesOf = new Map<string, SnapshotPolicy[]>();

  constructor(readonly snapshot: Snapshot) {
    this.rootIds = new Set(snapshot.roots.map((r) => r.id));
    for (const id of this.rootIds) {
      this.childOus.set(id, []);
      this.childAccounts.set(id, []);
    }
    for (const ou of snapshot.organizationalUnits) {
      this.ous.set(ou.id, ou);
      this.childOus.set(ou.id, []);
      this.childAccounts.set(ou.id, []);
    }
    for (const ou of snapshot.organizationalUnits) {
      this.parentOf.set(ou.id, ou.parentId);
      this.childOus.get(ou.parentId)?.push(ou);
    }
    for (const a of snapshot.accounts) {
      this.accounts.set(a.id, a);
      this.parentOf.set(a.id, a.parentId);
      this.childAccounts.get(a.parentId)?.push(a);
    }
    for (const p of snapshot.policies) {
      this.policies.set(p.id, p);
      for (const t of p.targetIds) {
        const list = this.policiesOf.get(t) ?? [];
        list.push(p);
        this.policiesOf.set(t, list);
      }
    }
  }

  exists(id: string): boolean {
    return this.rootIds.has(id) || this.ous.has(id) || this.accounts.has(id);
  }

  nameOf(id: string): string {
    return (
      this.snapshot.roots.find((r) => r.id === id)?.name ??
      this.ous.get(id)?.name ??
      this.accounts.get(id)?.name ??
      id
    );
  }

  /** Root first, down to the target itself. */
  lineage(id: string): string[] {
    const path = [id];
    for (let cursor = this.parentOf.get(id); cursor !== undefined; cursor = this.parentOf.get(cursor)) {
      path.unshift(cursor);
    }
    return path;
  }

  /** The account deepest in the tree (ties: the one whose chain has the most distinct policies). */
  deepestAccount(type: PolicyTypeName = "SERVICE_CONTROL_POLICY"): string {
    let best: { id: string; depth: number; policies: number } | undefined;
    for (const a of this.accounts.values()) {
      const lineage = this.lineage(a.id);
      const policies = new Set(
        lineage.flatMap((t) => (this.policiesOf.get(t) ?? []).filter((p) => p.type === type)),
      ).size;
      if (
        !best ||
        lineage.length > best.depth ||
        (lineage.length === best.depth && policies > best.policies)
      ) {
        best = { id: a.id, depth: lineage.length, policies };
      }
    }
    if (!best) throw new Error("the organization has no accounts");
    return best.id;
  }
}

const pages = (items: number): number => Math.max(1, Math.ceil(items / AWS_PAGE_SIZE));

// A type alias, not an interface: it is used as a Record<string, number> of per-operation counts.
export type ChainBound = {
  ListParents: number;
  ListPoliciesForTarget: number;
  DescribePolicy: number;
  DescribeOrganization: number;
  total: number;
};

/**
 * The fewest calls that can answer one cold effective chain: ListParents per level above the
 * target, ListPoliciesForTarget per level, DescribePolicy per distinct policy, and (accounts only)
 * DescribeOrganization unless a customer-managed policy in the chain names the management account
 * and it is not the target (docs/performance.md).
 */
export function chainLowerBound(index: OrgIndex, targetId: string, type: PolicyTypeName): ChainBound {
  const lineage = index.lineage(targetId);
  const attached = lineage.flatMap((t) => (index.policiesOf.get(t) ?? []).filter((p) => p.type === type));
  const distinct = new Map(attached.map((p) => [p.id, p]));
  const isAccount = index.accounts.has(targetId);
  const namesManagement = [...distinct.values()].some((p) => !p.awsManaged);
  const management = index.snapshot.organization.managementAccountId;
  const describeOrganization = isAccount && (!namesManagement || targetId === management) ? 1 : 0;
  const bound = {
    ListParents: lineage.length - 1,
    ListPoliciesForTarget: lineage.length,
    DescribePolicy: distinct.size,
    DescribeOrganization: describeOrganization,
  };
  return { ...bound, total: Object.values(bound).reduce((a, b) => a + b, 0) };
}

export interface OrganizationBound {
  tree: number;
  ListPolicies: number;
  DescribePolicy: number;
  attachments: number;
  attachmentPlan: "per-policy" | "per-target";
  total: number;
}

/**
 * The fewest calls that load the whole organization for one policy type: per root and OU, one
 * page of child OUs and of child accounts (pages of 20); the policy list; every document; and the
 * cheaper of per-policy (ListTargetsForPolicy pages) and per-target (ListPoliciesForTarget) reads.
 */
export function organizationLowerBound(index: OrgIndex, type: PolicyTypeName): OrganizationBound {
  let tree = 0;
  for (const id of [...index.rootIds, ...index.ous.keys()]) {
    tree += pages(index.childOus.get(id)?.length ?? 0) + pages(index.childAccounts.get(id)?.length ?? 0);
  }
  const policies = [...index.policies.values()].filter((p) => p.type === type);
  const perPolicy = policies.reduce((n, p) => n + pages(p.targetIds.length), 0);
  const perTarget = index.rootIds.size + index.ous.size + index.accounts.size;
  const bound = {
    tree,
    ListPolicies: pages(policies.length),
    DescribePolicy: policies.length,
    attachments: Math.min(perPolicy, perTarget),
  };
  return {
    ...bound,
    attachmentPlan: perPolicy <= perTarget ? "per-policy" : "per-target",
    total: Object.values(bound).reduce((a, b) => a + b, 0),
  };
}
