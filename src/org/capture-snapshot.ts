/**
 * Captures a whole organization into a snapshot document (formatVersion 1) through the
 * `OrganizationReader` interface only: roots, then the OUs and accounts under each container
 * (with their names when the reader lists them so, else ListChildren and a Describe per child), then per policy type enabled on the root the
 * policies with their documents and targets. Reader calls run with bounded concurrency.
 */
import { UserError } from "../errors.js";
import type { Snapshot } from "./snapshot-schema.js";
import { POLICY_TYPES, type PolicyType } from "../model/policy-type.js";
import { type Account, type OrganizationalUnit, type Policy, type Root } from "../model/organization.js";
import { type OrganizationReader } from "./types.js";

export interface CaptureOptions {
  /** Policy types to capture; each is read only when enabled on the root. Default: all supported types. */
  policyTypes?: readonly PolicyType[];
  /** Reader calls in flight at once. Default 4. */
  concurrency?: number;
  /** Clock for capturedAt; injectable for tests. */
  now?: () => Date;
  /** Kept up to date while the capture runs: reader calls waiting for a slot, and finished. */
  progress?: CaptureProgress;
}

export interface CaptureProgress {
  queued: number;
  done: number;
}

export const DEFAULT_CAPTURE_CONCURRENCY = 4;

type Limit = <T>(task: () => Promise<T>) => Promise<T>;

/** A tiny semaphore: at most `max` tasks run at once, the rest wait in order. */
export function createLimit(max: number): Limit {
  if (!Number.isInteger(max) || max < 1)
    throw new RangeError(`concurrency must be a positive integer, got ${max}`);
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    active--;
    const next = waiting.shift();
    if (next) {
      active++;
      next();
    }
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active < max) {
      active++;
    } else {
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    try {
      return await task();
    } finally {
      release();
    }
  };
}

/** The policy types enabled on the roots, restricted to those asked for, in POLICY_TYPES order. */
export function enabledPolicyTypes(
  roots: readonly Pick<Root, "policyTypes">[],
  wanted: readonly PolicyType[] = POLICY_TYPES,
): PolicyType[] {
  const enabled = new Set(
    roots.flatMap((r) => r.policyTypes.filter((t) => t.status === "ENABLED").map((t) => t.type)),
  );
  return POLICY_TYPES.filter((t) => wanted.includes(t) && enabled.has(t));
}

type SnapshotOu = Snapshot["organizationalUnits"][number];
type SnapshotAccount = Snapshot["accounts"][number];
type SnapshotPolicy = Snapshot["policies"][number];

/** A policy as the snapshot records it, but for where it is attached. */
export interface SnapshotPolicyFields {
  id: string;
  name: string;
  type: PolicyType;
  awsManaged: boolean;
  description: string;
  arn?: string;
  content: string;
}

export function snapshotPolicyFields(policy: Policy): SnapshotPolicyFields {
  return {
    id: policy.id,
    name: policy.name,
    type: policy.type,
    awsManaged: policy.awsManaged,
    description: policy.description,
    ...(policy.arn !== undefined ? { arn: policy.arn } : {}),
    content: policy.content,
  };
}

const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export async function captureSnapshot(
  reader: OrganizationReader,
  options: CaptureOptions = {},
): Promise<Snapshot> {
  const slots = createLimit(options.concurrency ?? DEFAULT_CAPTURE_CONCURRENCY);
  // After the first failure, queued calls are not started: the capture fails as a whole anyway.
  let failure: { error: unknown } | undefined;
  const progress = options.progress ?? { queued: 0, done: 0 };
  const limit: Limit = (task) => {
    progress.queued++;
    return slots(async () => {
      progress.queued--;
      if (failure) throw failure.error;
      try {
        return await task();
      } catch (error) {
        failure ??= { error };
        throw error;
      } finally {
        progress.done++;
      }
    });
  };
  const now = options.now ?? (() => new Date());

  const [organization, roots] = await Promise.all([
    limit(() => reader.describeOrganization()),
    limit(() => reader.listRoots()),
  ]);
  if (roots.length === 0) {
    throw new UserError("unavailable", "The organization reported no root, so there is nothing to capture.");
  }

  const organizationalUnits: SnapshotOu[] = [];
  const accounts: SnapshotAccount[] = [];
  const seen = new Set<string>();

  const pushAccount = (a: Account, parentId: string): void => {
    accounts.push({
      id: a.id,
      name: a.name,
      ...(a.email !== undefined ? { email: a.email } : {}),
      status: a.status ?? "ACTIVE",
      parentId,
      ...(a.arn !== undefined ? { arn: a.arn } : {}),
    });
  };
  const pushOu = (ou: OrganizationalUnit, parentId: string): void => {
    organizationalUnits.push({
      id: ou.id,
      name: ou.name,
      parentId,
      ...(ou.arn !== undefined ? { arn: ou.arn } : {}),
    });
  };

  // Readers that list children with their names (AWS: ListAccountsForParent and
  // ListOrganizationalUnitsForParent) need two calls per container instead of one per child.
  const listAccounts = reader.listAccountsForParent?.bind(reader);
  const listOus = reader.listOrganizationalUnitsForParent?.bind(reader);

  async function walkNamed(
    parentId: string,
    accountsOf: (id: string) => Promise<Account[]>,
    ousOf: (id: string) => Promise<OrganizationalUnit[]>,
  ): Promise<void> {
    const [ous, accs] = await Promise.all([limit(() => ousOf(parentId)), limit(() => accountsOf(parentId))]);
    for (const a of accs) {
      if (seen.has(a.id)) continue;
      seen.add(a.id);
      pushAccount(a, parentId);
    }
    await Promise.all(
      ous.map(async (ou) => {
        if (seen.has(ou.id)) return;
        seen.add(ou.id);
        pushOu(ou, parentId);
        await walkNamed(ou.id, accountsOf, ousOf);
      }),
    );
  }

  async function walk(parentId: string): Promise<void> {
    if (listAccounts && listOus) return walkNamed(parentId, listAccounts, listOus);
    const [ouRefs, accountRefs] = await Promise.all([
      limit(() => reader.listChildren(parentId, "ORGANIZATIONAL_UNIT")),
      limit(() => reader.listChildren(parentId, "ACCOUNT")),
    ]);
    await Promise.all([
      ...accountRefs.map(async (ref) => {
        if (seen.has(ref.id)) return;
        seen.add(ref.id);
        pushAccount(await limit(() => reader.describeAccount(ref.id)), parentId);
      }),
      ...ouRefs.map(async (ref) => {
        if (seen.has(ref.id)) return;
        seen.add(ref.id);
        pushOu(await limit(() => reader.describeOrganizationalUnit(ref.id)), parentId);
        await walk(ref.id);
      }),
    ]);
  }

  const types = enabledPolicyTypes(roots, options.policyTypes ?? POLICY_TYPES);

  async function capturePolicies(type: PolicyType): Promise<SnapshotPolicy[]> {
    const summaries = await limit(() => reader.listPolicies(type));
    return Promise.all(
      summaries.map(async (summary) => {
        const [policy, targets] = await Promise.all([
          limit(() => reader.describePolicy(summary.id)),
          limit(() => reader.listTargetsForPolicy(summary.id)),
        ]);
        return { ...snapshotPolicyFields(policy), targetIds: targets.map((t) => t.id).sort() };
      }),
    );
  }

  const [, policyLists] = await Promise.all([
    Promise.all(roots.map((r) => walk(r.id))),
    Promise.all(types.map((t) => capturePolicies(t))),
  ]);

  const policies = policyLists
    .flat()
    .sort((a, b) => POLICY_TYPES.indexOf(a.type) - POLICY_TYPES.indexOf(b.type) || byId(a, b));

  return {
    formatVersion: 1,
    capturedAt: now().toISOString(),
    organization: {
      id: organization.id,
      managementAccountId: organization.managementAccountId,
      ...(organization.arn !== undefined ? { arn: organization.arn } : {}),
      ...(organization.featureSet !== undefined ? { featureSet: organization.featureSet } : {}),
    },
    roots: roots.map((r) => ({
      id: r.id,
      name: r.name,
      ...(r.arn !== undefined ? { arn: r.arn } : {}),
      policyTypes: r.policyTypes.map((t) => ({ type: t.type, status: t.status })),
    })),
    organizationalUnits: organizationalUnits.sort(byId),
    accounts: accounts.sort(byId),
    policies,
  };
}
