/**
 * The organization as the tools may see it: a reader plus the scope guard. Only accounts and OUs
 * inside the allowed subtrees (and the root-to-OU path above them, for inherited policies) are
 * ever returned or evaluated; everything else is an "outside the allowed scope" error.
 */
import { notFound, outsideScope, invalidInput } from "../errors.js";
import type { EffectiveChain, ChainLevel, ChainTarget } from "./chain.js";
import { ACCOUNT_ID, ROOT_ID, targetKindOf, type TargetKind } from "./ids.js";
import type {
  OrganizationInfo,
  OrganizationReader,
  Policy,
  PolicySummary,
  PolicyType,
  Root,
} from "./types.js";

export interface VisibleTarget extends ChainTarget {
  /** Names from the root down to this target, e.g. "Root/Workloads/Prod/app-prod". */
  path: string;
  /** Whether the target is inside an allowed subtree (false: on the path above one). */
  inScope: boolean;
  /** Accounts inside the allowed scope that inherit from this target (1 for an account). */
  accountsReached: number;
}

export interface PolicyWithTargets {
  policy: Policy;
  targets: VisibleTarget[];
  /** Targets the policy is attached to that lie outside the scope; only their number is told. */
  hiddenTargetCount: number;
}

export class OrganizationService {
  private readonly allowed: readonly string[] | undefined;

  constructor(
    readonly reader: OrganizationReader,
    allowedOuIds: readonly string[] | undefined,
  ) {
    this.allowed = allowedOuIds;
  }

  /** The allowed OU/root ids; the roots themselves when the whole organization is in scope. */
  async allowedIds(): Promise<string[]> {
    if (this.allowed) return [...this.allowed];
    return (await this.reader.listRoots()).map((r) => r.id);
  }

  describeOrganization(): Promise<OrganizationInfo> {
    return this.reader.describeOrganization();
  }

  listRoots(): Promise<Root[]> {
    return this.reader.listRoots();
  }

  /** Ids from the root down to the parent of `id` (empty for a root). */
  async ancestors(id: string): Promise<string[]> {
    const path: string[] = [];
    let cursor = id;
    // An OU tree is at most five levels deep under the root; the bound guards bad data.
    for (let depth = 0; depth < 16 && !ROOT_ID.test(cursor); depth++) {
      const parent = await this.reader.getParent(cursor);
      path.unshift(parent.id);
      cursor = parent.id;
    }
    if (!ROOT_ID.test(cursor))
      throw notFound(`Could not walk from ${id} up to the root of the organization.`);
    return path;
  }

  private async lineage(id: string): Promise<string[]> {
    return [...(await this.ancestors(id)), id];
  }

  async isInScope(id: string): Promise<boolean> {
    const allowed = new Set(await this.allowedIds());
    return (await this.lineage(id)).some((x) => allowed.has(x));
  }

  /** True for a root or OU that lies on the path from the root to an allowed OU. */
  async isAboveScope(id: string): Promise<boolean> {
    if (ACCOUNT_ID.test(id)) return false;
    for (const allowedId of await this.allowedIds()) {
      if ((await this.ancestors(allowedId)).includes(id)) return true;
    }
    return false;
  }

  async isVisible(id: string): Promise<boolean> {
    return (await this.isInScope(id)) || (await this.isAboveScope(id));
  }

  /** Throws a clear error unless `id` is a well-formed account/OU id inside the scope. */
  async assertInScope(id: string): Promise<void> {
    if (!targetKindOf(id)) throw invalidInput(`${id} is not an account, OU or root id.`);
    await this.assertExists(id);
    if (!(await this.isInScope(id))) throw outsideScope(describeId(id), await this.allowedIds());
  }

  private async assertExists(id: string): Promise<void> {
    if (ROOT_ID.test(id)) {
      const roots = await this.reader.listRoots();
      if (!roots.some((r) => r.id === id))
        throw notFound(`No root with id ${id} exists in this organization.`);
      return;
    }
    // getParent throws not_found for an id the organization does not have.
    await this.reader.getParent(id);
  }

  async nameOf(id: string): Promise<string> {
    const kind = targetKindOf(id);
    if (kind === "ROOT") return (await this.reader.listRoots()).find((r) => r.id === id)?.name ?? id;
    if (kind === "ORGANIZATIONAL_UNIT") return (await this.reader.describeOrganizationalUnit(id)).name;
    if (kind === "ACCOUNT") return (await this.reader.describeAccount(id)).name;
    return id;
  }

  async target(id: string): Promise<ChainTarget> {
    const type = targetKindOf(id);
    if (!type) throw invalidInput(`${id} is not an account, OU or root id.`);
    return { id, type, name: await this.nameOf(id) };
  }

  async pathOf(id: string): Promise<string> {
    const names = await Promise.all((await this.lineage(id)).map((x) => this.nameOf(x)));
    return names.join("/");
  }

  /** The chain of `policyType` policies from the root down to an account or OU inside the scope. */
  async effectiveChain(id: string, policyType: PolicyType): Promise<EffectiveChain> {
    await this.assertInScope(id);
    const [org, lineage] = await Promise.all([this.reader.describeOrganization(), this.lineage(id)]);
    const levels: ChainLevel[] = await Promise.all(
      lineage.map(async (levelId) => ({
        target: await this.target(levelId),
        policies: await this.attachedPolicies(levelId, policyType),
      })),
    );
    const last = levels[levels.length - 1];
    if (!last) throw notFound(`No chain found for ${id}.`);
    return {
      policyType,
      target: last.target,
      levels,
      ouPath: levels.map((l) => l.target.name).join("/"),
      isManagementAccount: id === org.managementAccountId,
      managementAccountId: org.managementAccountId,
    };
  }

  async attachedPolicies(targetId: string, policyType: PolicyType): Promise<Policy[]> {
    const summaries = await this.reader.listPoliciesForTarget(targetId, policyType);
    return Promise.all(summaries.map((s) => this.reader.describePolicy(s.id)));
  }

  /** Account ids inside the scope that inherit from `id` (the account itself for an account). */
  async accountsInScopeUnder(id: string): Promise<string[]> {
    if (ACCOUNT_ID.test(id)) return (await this.isInScope(id)) ? [id] : [];
    if (await this.isInScope(id)) return this.accountsUnder(id);
    const result = new Set<string>();
    for (const allowedId of await this.allowedIds()) {
      if ((await this.ancestors(allowedId)).includes(id)) {
        for (const a of await this.accountsUnder(allowedId)) result.add(a);
      }
    }
    return [...result];
  }

  private async accountsUnder(containerId: string): Promise<string[]> {
    const found: string[] = [];
    let frontier = [containerId];
    while (frontier.length) {
      const next: string[] = [];
      await Promise.all(
        frontier.map(async (parentId) => {
          const [accounts, ous] = await Promise.all([
            this.reader.listChildren(parentId, "ACCOUNT"),
            this.reader.listChildren(parentId, "ORGANIZATIONAL_UNIT"),
          ]);
          found.push(...accounts.map((a) => a.id));
          next.push(...ous.map((o) => o.id));
        }),
      );
      frontier = next;
    }
    return found;
  }

  /** Policies of a type that are attached somewhere visible, or attached nowhere. */
  async listVisiblePolicies(
    policyType: PolicyType,
  ): Promise<{ summary: PolicySummary; visibleTargets: number }[]> {
    const summaries = await this.reader.listPolicies(policyType);
    const rows = await Promise.all(
      summaries.map(async (summary) => {
        const targets = await this.reader.listTargetsForPolicy(summary.id);
        const visible = await this.filterVisible(targets.map((t) => t.id));
        const shown = targets.length === 0 || visible.length > 0;
        return shown ? { summary, visibleTargets: visible.length } : undefined;
      }),
    );
    return rows.filter((r): r is { summary: PolicySummary; visibleTargets: number } => r !== undefined);
  }

  /** A policy and its visible targets; a policy attached only outside the scope is itself outside it. */
  async policyWithTargets(policyId: string, withReach: boolean): Promise<PolicyWithTargets> {
    const [policy, targets] = await Promise.all([
      this.reader.describePolicy(policyId),
      this.reader.listTargetsForPolicy(policyId),
    ]);
    const visibleIds = new Set(await this.filterVisible(targets.map((t) => t.id)));
    if (targets.length > 0 && visibleIds.size === 0) {
      throw outsideScope(
        `Policy ${policyId} (attached only to targets outside the scope)`,
        await this.allowedIds(),
      );
    }
    const visible = await Promise.all(
      targets
        .filter((t) => visibleIds.has(t.id))
        .map(async (t) => ({
          id: t.id,
          type: t.type,
          name: t.name,
          path: await this.pathOf(t.id),
          inScope: await this.isInScope(t.id),
          accountsReached: withReach ? (await this.accountsInScopeUnder(t.id)).length : 0,
        })),
    );
    return { policy, targets: visible, hiddenTargetCount: targets.length - visible.length };
  }

  private async filterVisible(ids: string[]): Promise<string[]> {
    const flags = await Promise.all(ids.map((id) => this.isVisible(id)));
    return ids.filter((_, i) => flags[i]);
  }
}

export function describeId(id: string): string {
  const kind: TargetKind | undefined = targetKindOf(id);
  if (kind === "ACCOUNT") return `Account ${id}`;
  if (kind === "ORGANIZATIONAL_UNIT") return `OU ${id}`;
  if (kind === "ROOT") return `Root ${id}`;
  return id;
}
