/** Serves the organization from a snapshot document held in memory (snapshot files and the demo). */
import { readFile } from "node:fs/promises";
import { ConfigError, errorMessage, notFound } from "../errors.js";
import { describeIssues } from "../errors.js";
import { deepFreeze } from "./freeze.js";
import { targetKindOf } from "../model/ids.js";
import { snapshotSchema, type Snapshot } from "./snapshot-schema.js";
import type {
  Account,
  OrganizationalUnit,
  Policy,
  PolicySummary,
  PolicyTarget,
  TargetRef,
} from "../model/organization.js";
import type { OrganizationReader, ReaderStats } from "./types.js";
import type { PolicyType } from "../model/policy-type.js";

/** Validates a snapshot document: the schema, then the references between its parts. */
export function parseSnapshot(raw: unknown, origin: string): Snapshot {
  const parsed = snapshotSchema.safeParse(raw);
  if (!parsed.success)
    throw new ConfigError(`Invalid organization snapshot ${origin}: ${describeIssues(parsed.error)}`);
  const snapshot = parsed.data;
  const problems: string[] = [];
  const ids = new Set<string>();
  const addId = (id: string, where: string): void => {
    if (ids.has(id)) problems.push(`${where}: duplicate id ${id}`);
    ids.add(id);
  };
  snapshot.roots.forEach((r, i) => addId(r.id, `roots.${i}`));
  snapshot.organizationalUnits.forEach((o, i) => addId(o.id, `organizationalUnits.${i}`));
  snapshot.accounts.forEach((a, i) => addId(a.id, `accounts.${i}`));
  const containers = new Set([
    ...snapshot.roots.map((r) => r.id),
    ...snapshot.organizationalUnits.map((o) => o.id),
  ]);
  snapshot.organizationalUnits.forEach((o, i) => {
    if (!containers.has(o.parentId))
      problems.push(`organizationalUnits.${i}.parentId: ${o.parentId} does not exist`);
  });
  snapshot.accounts.forEach((a, i) => {
    if (!containers.has(a.parentId)) problems.push(`accounts.${i}.parentId: ${a.parentId} does not exist`);
  });
  const policyIds = new Set<string>();
  snapshot.policies.forEach((p, i) => {
    if (policyIds.has(p.id)) problems.push(`policies.${i}.id: duplicate policy id ${p.id}`);
    policyIds.add(p.id);
    p.targetIds.forEach((t, j) => {
      if (!ids.has(t))
        problems.push(`policies.${i}.targetIds.${j}: ${t} is not a root, OU or account of the snapshot`);
    });
  });
  // Every OU must reach a root: a cycle would make chains endless.
  const parentOf = new Map(snapshot.organizationalUnits.map((o) => [o.id, o.parentId]));
  for (const ou of snapshot.organizationalUnits) {
    const seen = new Set<string>();
    let cursor: string | undefined = ou.id;
    while (cursor && parentOf.has(cursor)) {
      if (seen.has(cursor)) {
        problems.push(`organizationalUnits: ${ou.id} is part of a parent cycle`);
        break;
      }
      seen.add(cursor);
      cursor = parentOf.get(cursor);
    }
  }
  if (!snapshot.accounts.some((a) => a.id === snapshot.organization.managementAccountId)) {
    problems.push(
      `organization.managementAccountId: ${snapshot.organization.managementAccountId} is not among the accounts`,
    );
  }
  if (problems.length) {
    const shown = problems.slice(0, 10).join("; ");
    const more = problems.length > 10 ? ` (and ${problems.length - 10} more)` : "";
    throw new ConfigError(`Invalid organization snapshot ${origin}: ${shown}${more}`);
  }
  return snapshot;
}

export async function loadSnapshotFile(
  path: string,
  readText: (path: string) => Promise<string> = (p) => readFile(p, "utf8"),
): Promise<Snapshot> {
  let text: string;
  try {
    text = await readText(path);
  } catch (error) {
    throw new ConfigError(`Cannot read organization snapshot file ${path}: ${errorMessage(error)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Organization snapshot file ${path} is not valid JSON: ${errorMessage(error)}`);
  }
  return parseSnapshot(raw, `file ${path}`);
}

export function createSnapshotReader(
  snapshot: Snapshot,
  kind: "snapshot" | "demo" = "snapshot",
): OrganizationReader {
  const apiCalls: Record<string, number> = {};
  const count = (op: string): void => {
    apiCalls[op] = (apiCalls[op] ?? 0) + 1;
  };
  const parents = new Map<string, TargetRef>();
  const children = new Map<string, TargetRef[]>();
  const addChild = (parentId: string, child: TargetRef): void => {
    parents.set(child.id, { id: parentId, type: targetKindOf(parentId) ?? "ROOT" });
    const list = children.get(parentId) ?? [];
    list.push(child);
    children.set(parentId, list);
  };
  for (const ou of snapshot.organizationalUnits)
    addChild(ou.parentId, { id: ou.id, type: "ORGANIZATIONAL_UNIT" });
  for (const account of snapshot.accounts) addChild(account.parentId, { id: account.id, type: "ACCOUNT" });
  const ous = new Map(snapshot.organizationalUnits.map((o) => [o.id, o]));
  const accounts = new Map(snapshot.accounts.map((a) => [a.id, a]));
  const roots = new Map(snapshot.roots.map((r) => [r.id, r]));
  const policies = new Map(snapshot.policies.map((p) => [p.id, p]));
  const nameOf = (id: string): string =>
    roots.get(id)?.name ?? ous.get(id)?.name ?? accounts.get(id)?.name ?? id;
  const summary = (p: Snapshot["policies"][number]): PolicySummary => ({
    id: p.id,
    name: p.name,
    description: p.description,
    type: p.type,
    awsManaged: p.awsManaged,
    ...(p.arn ? { arn: p.arn } : {}),
  });
  const policiesByTarget = new Map<string, Snapshot["policies"][number][]>();
  for (const p of snapshot.policies) {
    for (const t of p.targetIds) {
      const list = policiesByTarget.get(t) ?? [];
      list.push(p);
      policiesByTarget.set(t, list);
    }
  }
  const exists = (id: string): boolean => roots.has(id) || ous.has(id) || accounts.has(id);
  // A snapshot never changes: each answer is built and frozen once, then shared, as the AWS reader
  // shares its cached ones, so code that would change an answer fails here too. Building and
  // freezing per call cost most of a warm chain, and a FullAWSAccess target list is one object per
  // root, OU and account.
  const answers = new Map<string, unknown>();
  const once = <T>(key: string, build: () => T): T => {
    let answer = answers.get(key) as T | undefined;
    if (answer === undefined) {
      answer = deepFreeze(build());
      answers.set(key, answer);
    }
    return answer;
  };

  return {
    kind,
    describeOrganization: async () => {
      count("DescribeOrganization");
      const o = snapshot.organization;
      return once("DescribeOrganization", () => ({
        id: o.id,
        managementAccountId: o.managementAccountId,
        ...(o.arn ? { arn: o.arn } : {}),
        ...(o.featureSet ? { featureSet: o.featureSet } : {}),
      }));
    },
    listRoots: async () => {
      count("ListRoots");
      return once("ListRoots", () =>
        snapshot.roots.map((r) => ({
          id: r.id,
          name: r.name,
          policyTypes: r.policyTypes.map((t) => ({ type: t.type, status: t.status })),
          ...(r.arn ? { arn: r.arn } : {}),
        })),
      );
    },
    getParent: async (childId) => {
      count("ListParents");
      const parent = parents.get(childId);
      if (!parent) throw notFound(`No OU or account with id ${childId} exists in this organization.`);
      return once(`ListParents:${childId}`, () => parent);
    },
    listChildren: async (parentId, childType) => {
      count("ListChildren");
      if (!roots.has(parentId) && !ous.has(parentId))
        throw notFound(`No root or OU with id ${parentId} exists in this organization.`);
      return once(`ListChildren:${parentId}:${childType}`, () =>
        (children.get(parentId) ?? []).filter((c) => c.type === childType),
      );
    },
    describeAccount: async (accountId): Promise<Account> => {
      count("DescribeAccount");
      const a = accounts.get(accountId);
      if (!a) throw notFound(`No account with id ${accountId} exists in this organization.`);
      return once(`DescribeAccount:${accountId}`, () => ({
        id: a.id,
        name: a.name,
        ...(a.email ? { email: a.email } : {}),
        status: a.status,
        ...(a.arn ? { arn: a.arn } : {}),
      }));
    },
    describeOrganizationalUnit: async (ouId): Promise<OrganizationalUnit> => {
      count("DescribeOrganizationalUnit");
      const o = ous.get(ouId);
      if (!o) throw notFound(`No OU with id ${ouId} exists in this organization.`);
      return once(`DescribeOrganizationalUnit:${ouId}`, () => ({
        id: o.id,
        name: o.name,
        ...(o.arn ? { arn: o.arn } : {}),
      }));
    },
    listPolicies: async (type: PolicyType) => {
      count("ListPolicies");
      return once(`ListPolicies:${type}`, () =>
        snapshot.policies.filter((p) => p.type === type).map(summary),
      );
    },
    describePolicy: async (policyId): Promise<Policy> => {
      count("DescribePolicy");
      const p = policies.get(policyId);
      if (!p) throw notFound(`No policy with id ${policyId} exists in this organization.`);
      return once(`DescribePolicy:${policyId}`, () => ({ ...summary(p), content: p.content }));
    },
    listTargetsForPolicy: async (policyId): Promise<PolicyTarget[]> => {
      count("ListTargetsForPolicy");
      const p = policies.get(policyId);
      if (!p) throw notFound(`No policy with id ${policyId} exists in this organization.`);
      return once(`ListTargetsForPolicy:${policyId}`, () =>
        p.targetIds.map((id) => ({ id, type: targetKindOf(id) ?? "ROOT", name: nameOf(id) })),
      );
    },
    listPoliciesForTarget: async (targetId, type) => {
      count("ListPoliciesForTarget");
      if (!exists(targetId))
        throw notFound(`No root, OU or account with id ${targetId} exists in this organization.`);
      return once(`ListPoliciesForTarget:${targetId}:${type}`, () =>
        (policiesByTarget.get(targetId) ?? []).filter((p) => p.type === type).map(summary),
      );
    },
    stats: (): ReaderStats => ({
      apiCalls: { ...apiCalls },
      cacheHits: 0,
      cacheMisses: 0,
      cacheEntries: 0,
      dataAsOf: snapshot.capturedAt,
    }),
    refresh: () => undefined,
  };
}
