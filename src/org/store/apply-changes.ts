/**
 * A refresh by change: the stored snapshot plus the reads a change plan asks for (change-plan.ts),
 * through the ordinary reader interface, so each re-read costs what the same question costs a tool.
 * The result is validated like any stored snapshot; anything that does not add up asks for a whole
 * read instead of being stored.
 */
import { UserError } from "../../errors.js";
import { POLICY_TYPES, type PolicyType } from "../../model/policy-type.js";
import { enabledPolicyTypes, snapshotPolicyFields, type SnapshotPolicyFields } from "../capture-snapshot.js";
import { parseSnapshot } from "../snapshot-reader.js";
import type { Snapshot } from "../snapshot-schema.js";
import type { OrganizationReader } from "../types.js";
import type { ChangePlan } from "./change-plan.js";

type SnapshotOu = Snapshot["organizationalUnits"][number];
type SnapshotAccount = Snapshot["accounts"][number];
interface SnapshotPolicy extends SnapshotPolicyFields {
  targetIds: Set<string>;
}

export type ApplyResult = { snapshot: Snapshot } | { full: string };

const isNotFound = (error: unknown): boolean => error instanceof UserError && error.code === "not_found";

/** `read()`, or undefined when the thing read no longer exists. */
async function unlessGone<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The organization being changed: the snapshot's parts, keyed, with attachments as sets. */
class Draft {
  readonly ous: Map<string, SnapshotOu>;
  readonly accounts: Map<string, SnapshotAccount>;
  readonly policies: Map<string, SnapshotPolicy>;
  roots: Snapshot["roots"];
  readonly types: PolicyType[];
  /** Roots, OUs and accounts added by this refresh: their attachments are read. */
  readonly newTargets = new Set<string>();

  constructor(readonly base: Snapshot) {
    this.roots = base.roots;
    this.types = enabledPolicyTypes(base.roots);
    this.ous = new Map(base.organizationalUnits.map((o) => [o.id, { ...o }]));
    this.accounts = new Map(base.accounts.map((a) => [a.id, { ...a }]));
    this.policies = new Map(
      base.policies.map((p) => [
        p.id,
        {
          id: p.id,
          name: p.name,
          type: p.type,
          awsManaged: p.awsManaged,
          description: p.description,
          ...(p.arn !== undefined ? { arn: p.arn } : {}),
          content: p.content,
          targetIds: new Set(p.targetIds),
        },
      ]),
    );
  }

  exists(id: string): boolean {
    return this.roots.some((r) => r.id === id) || this.ous.has(id) || this.accounts.has(id);
  }

  removeTarget(id: string): void {
    this.ous.delete(id);
    this.accounts.delete(id);
    for (const p of this.policies.values()) p.targetIds.delete(id);
  }

  build(capturedAt: string): Snapshot {
    const policies = [...this.policies.values()]
      .map((p) => ({ ...p, targetIds: [...p.targetIds].sort() }))
      .sort((a, b) => POLICY_TYPES.indexOf(a.type) - POLICY_TYPES.indexOf(b.type) || byId(a, b));
    return {
      ...this.base,
      capturedAt,
      roots: this.roots,
      organizationalUnits: [...this.ous.values()].sort(byId),
      accounts: [...this.accounts.values()].sort(byId),
      policies,
    };
  }
}

/**
 * Applies `plan` to `base` with the reads it needs. `relistRootAccounts` also lists the root's
 * accounts again (an invitation may have been accepted since).
 */
export async function applyChanges(
  base: Snapshot,
  plan: ChangePlan,
  reader: OrganizationReader,
  capturedAt: string,
  relistRootAccounts = plan.relistRootAccounts,
): Promise<ApplyResult> {
  if (plan.full !== undefined) return { full: plan.full };
  const draft = new Draft(base);

  if (plan.listRoots) {
    const roots = await reader.listRoots();
    const types = enabledPolicyTypes(roots);
    if (types.join() !== draft.types.join()) return { full: "the enabled policy types changed" };
    draft.roots = roots.map((r) => ({
      id: r.id,
      name: r.name,
      ...(r.arn !== undefined ? { arn: r.arn } : {}),
      policyTypes: r.policyTypes.map((t) => ({ type: t.type, status: t.status })),
    }));
  }

  for (const id of plan.removePolicies) draft.policies.delete(id);
  for (const id of plan.removeAccounts) draft.removeTarget(id);
  for (const id of plan.removeOus) draft.removeTarget(id);

  await Promise.all([...plan.describePolicies].map((id) => describePolicy(draft, reader, id)));
  await Promise.all([...plan.describeOus].map((id) => describeOu(draft, reader, id)));
  await Promise.all([...plan.newOus].map(([id, parentId]) => addOu(draft, reader, id, parentId)));
  await Promise.all([...plan.relistOusOf].map((parentId) => relistOus(draft, reader, parentId)));

  const locate = new Set(plan.locateAccounts);
  if (relistRootAccounts) {
    await Promise.all(draft.roots.map((r) => relistAccounts(draft, reader, r.id, locate)));
  }
  await Promise.all([...locate].map((id) => locateAccount(draft, reader, id)));
  await Promise.all([...plan.describeAccounts].map((id) => describeAccount(draft, reader, id)));

  const readFor = new Map<string, Set<PolicyType>>();
  const mark = (targetId: string, type: PolicyType): void => {
    if (!draft.types.includes(type) || !draft.exists(targetId)) return;
    const types = readFor.get(targetId) ?? new Set<PolicyType>();
    types.add(type);
    readFor.set(targetId, types);
  };
  for (const { policyId, targetId } of plan.attachments) {
    const type = draft.policies.get(policyId)?.type ?? (await describePolicy(draft, reader, policyId));
    if (type) mark(targetId, type);
  }
  for (const id of draft.newTargets) for (const type of draft.types) mark(id, type);
  await Promise.all(
    [...readFor].flatMap(([targetId, types]) =>
      [...types].map((type) => readAttachments(draft, reader, targetId, type)),
    ),
  );

  const snapshot = draft.build(capturedAt);
  try {
    return { snapshot: parseSnapshot(snapshot, "refreshed by change") };
  } catch (error) {
    return { full: `the organization read by change does not add up (${(error as Error).message})` };
  }
}

/** Reads a policy's document again; its type, or undefined when it is gone or of a type not read. */
async function describePolicy(
  draft: Draft,
  reader: OrganizationReader,
  id: string,
): Promise<PolicyType | undefined> {
  const policy = await unlessGone(() => reader.describePolicy(id));
  if (!policy || !draft.types.includes(policy.type)) {
    draft.policies.delete(id);
    return undefined;
  }
  const known = draft.policies.get(id);
  draft.policies.set(id, { ...snapshotPolicyFields(policy), targetIds: known?.targetIds ?? new Set() });
  if (!known) {
    // Not in the snapshot: where is it attached already?
    const targets = await reader.listTargetsForPolicy(id);
    draft.policies.get(id)?.targetIds.clear();
    for (const t of targets) draft.policies.get(id)?.targetIds.add(t.id);
  }
  return policy.type;
}

async function describeOu(draft: Draft, reader: OrganizationReader, id: string): Promise<void> {
  const ou = await unlessGone(() => reader.describeOrganizationalUnit(id));
  const known = draft.ous.get(id);
  if (!ou) draft.removeTarget(id);
  else if (known) draft.ous.set(id, { ...known, name: ou.name });
}

async function addOu(draft: Draft, reader: OrganizationReader, id: string, parentId: string): Promise<void> {
  const ou = await unlessGone(() => reader.describeOrganizationalUnit(id));
  if (!ou) return; // deleted again since
  draft.ous.set(id, { id, name: ou.name, parentId, ...(ou.arn !== undefined ? { arn: ou.arn } : {}) });
  draft.newTargets.add(id);
}

async function relistOus(draft: Draft, reader: OrganizationReader, parentId: string): Promise<void> {
  const list = reader.listOrganizationalUnitsForParent?.bind(reader);
  if (!list) throw new UserError("unavailable", "the reader cannot list OUs with their names");
  const listed = await list(parentId);
  const ids = new Set(listed.map((o) => o.id));
  for (const ou of listed) {
    if (draft.ous.has(ou.id)) continue;
    draft.ous.set(ou.id, {
      id: ou.id,
      name: ou.name,
      parentId,
      ...(ou.arn !== undefined ? { arn: ou.arn } : {}),
    });
    draft.newTargets.add(ou.id);
  }
  // OUs never move: one no longer listed under its parent was deleted.
  for (const ou of [...draft.ous.values()])
    if (ou.parentId === parentId && !ids.has(ou.id)) draft.removeTarget(ou.id);
}

/** Lists a container's accounts again: new ones are added, missing ones located (moved or gone). */
async function relistAccounts(
  draft: Draft,
  reader: OrganizationReader,
  parentId: string,
  locate: Set<string>,
): Promise<void> {
  const list = reader.listAccountsForParent?.bind(reader);
  if (!list) throw new UserError("unavailable", "the reader cannot list accounts with their names");
  const listed = await list(parentId);
  const ids = new Set(listed.map((a) => a.id));
  for (const a of listed) {
    const known = draft.accounts.get(a.id);
    draft.accounts.set(a.id, {
      id: a.id,
      name: a.name,
      ...(a.email !== undefined ? { email: a.email } : {}),
      status: a.status ?? known?.status ?? "ACTIVE",
      parentId,
      ...(a.arn !== undefined ? { arn: a.arn } : {}),
    });
    if (!known) draft.newTargets.add(a.id);
    locate.delete(a.id);
  }
  for (const a of draft.accounts.values()) if (a.parentId === parentId && !ids.has(a.id)) locate.add(a.id);
}

async function locateAccount(draft: Draft, reader: OrganizationReader, id: string): Promise<void> {
  const parent = await unlessGone(() => reader.getParent(id));
  if (!parent) {
    draft.removeTarget(id);
    return;
  }
  const known = draft.accounts.get(id);
  if (known) {
    known.parentId = parent.id;
    return;
  }
  // Joined and moved between two refreshes: not in any listing read.
  const account = await unlessGone(() => reader.describeAccount(id));
  if (!account) return;
  draft.accounts.set(id, {
    id,
    name: account.name,
    ...(account.email !== undefined ? { email: account.email } : {}),
    status: account.status ?? "ACTIVE",
    parentId: parent.id,
    ...(account.arn !== undefined ? { arn: account.arn } : {}),
  });
  draft.newTargets.add(id);
}

async function describeAccount(draft: Draft, reader: OrganizationReader, id: string): Promise<void> {
  const account = await unlessGone(() => reader.describeAccount(id));
  const known = draft.accounts.get(id);
  if (!account) draft.removeTarget(id);
  else if (known) {
    draft.accounts.set(id, {
      ...known,
      name: account.name,
      ...(account.email !== undefined ? { email: account.email } : {}),
      status: account.status ?? known.status,
    });
  }
}

/** A target's policies of one type, read again: the attachments of that type are replaced. */
async function readAttachments(
  draft: Draft,
  reader: OrganizationReader,
  targetId: string,
  type: PolicyType,
): Promise<void> {
  const attached = await unlessGone(() => reader.listPoliciesForTarget(targetId, type));
  if (!attached) {
    draft.removeTarget(targetId);
    return;
  }
  const ids = new Set(attached.map((p) => p.id));
  for (const p of draft.policies.values())
    if (p.type === type && !ids.has(p.id)) p.targetIds.delete(targetId);
  for (const summary of attached) {
    if (!draft.policies.has(summary.id)) await describePolicy(draft, reader, summary.id);
    draft.policies.get(summary.id)?.targetIds.add(targetId);
  }
}
