/**
 * The organization as the tools may see it: a reader plus the scope guard. Only accounts and OUs
 * inside the allowed subtrees (and the root-to-OU path above them, for inherited policies) are
 * ever returned or evaluated. Anything else gets the answer an id that exists nowhere gets
 * (notInScope), word for word, so no answer tells "outside the scope" from "does not exist".
 */
import { invalidInput, notFound, notInScope, UserError } from "../errors.js";
import type { EffectiveChain, ChainLevel, ChainTarget } from "../model/chain.js";
import { ACCOUNT_ID, POLICY_ID, ROOT_ID, targetKindOf, type TargetKind } from "../model/ids.js";
import type { PolicyType } from "../model/policy-type.js";
import { ORGANIZATIONS_PAGE_SIZE } from "./types.js";
import type {
  LearnedFact,
  OrganizationInfo,
  OrganizationReader,
  Policy,
  PolicySummary,
  PolicyTarget,
  Root,
  TargetRef,
} from "./types.js";

export interface ChainOptions {
  /**
   * Read names not already known (DescribeAccount, DescribeOrganizationalUnit, ListRoots): one
   * extra call per unnamed level. Off by default: a chain needs ids, not names.
   */
  resolveNames?: boolean;
}

/** A root, OU or account in an OrganizationView. */
export interface ViewNode extends ChainTarget {
  /** Null for a root. */
  parentId: string | null;
  /** False for a root or OU on the path above the allowed scope. */
  inScope: boolean;
}

export type AttachmentPlanKind = "per-policy" | "per-target";

export interface AttachmentPlan {
  /** per-policy: ListTargetsForPolicy for every policy; per-target: ListPoliciesForTarget for every target. */
  chosen: AttachmentPlanKind;
  /** Calls each plan was estimated to need, from what was known when choosing (cached answers cost 0). */
  estimatedCalls: Record<AttachmentPlanKind, number>;
  policies: number;
  targets: number;
}

/**
 * The part of the organization the scope allows, with every policy of one type and where each is
 * attached: what whole-organization questions (drift, "which accounts deny X") are answered from.
 */
export interface OrganizationView {
  policyType: PolicyType;
  /** Roots and OUs inside the scope or on the path above it. */
  containers: Map<string, ViewNode>;
  /** Accounts inside the scope. */
  accounts: Map<string, ViewNode>;
  /**
   * Every policy of the type, with its document, those attached only outside the scope included:
   * what callers are told about policies comes from OrganizationService.visiblePolicies.
   */
  policies: Map<string, Policy>;
  /** Ids of the policies attached directly to each container and account of the view. */
  attachments: Map<string, string[]>;
  plan: AttachmentPlan;
}

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

export interface OrganizationServiceOptions {
  /** The shortest time between two explicit refreshes (requestRefresh); default one minute. */
  minRefreshIntervalMs?: number;
  /** Clock in milliseconds since the epoch; injectable for tests. */
  now?: () => number;
}

/** What requestRefresh did: dropped the cache, or refused because the last refresh is too recent. */
export interface RefreshOutcome {
  refreshed: boolean;
  /** When the cache was last dropped on request (now, when refreshed). */
  lastRefreshAt: Date;
  /** The first moment another refresh will be accepted. */
  nextRefreshAt: Date;
}

/** Any caller may ask for a refresh: at most one a minute keeps them from turning it into a flood of reads. */
export const DEFAULT_MIN_REFRESH_INTERVAL_MS = 60_000;

export class OrganizationService {
  private readonly allowed: readonly string[] | undefined;
  private readonly minRefreshIntervalMs: number;
  private readonly now: () => number;
  private lastRefreshAt: number | undefined;

  constructor(
    readonly reader: OrganizationReader,
    allowedOuIds: readonly string[] | undefined,
    options: OrganizationServiceOptions = {},
  ) {
    this.allowed = allowedOuIds;
    this.minRefreshIntervalMs = options.minRefreshIntervalMs ?? DEFAULT_MIN_REFRESH_INTERVAL_MS;
    this.now = options.now ?? Date.now;
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

  /** Whether `id` lies inside an allowed subtree; throws not_found for an id the organization lacks. */
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
    await this.lineageInScope(id);
  }

  /**
   * Ids from the root down to `id`, which must lie inside the scope. An id outside it and an id the
   * organization does not have get the same error (notInScope), whatever the reader said.
   */
  private async lineageInScope(id: string): Promise<string[]> {
    if (!targetKindOf(id)) throw invalidInput(`${id} is not an account, OU or root id.`);
    let lineage: string[];
    try {
      // ListParents up to the root: the chain's levels; not_found when the id does not exist.
      lineage = await this.lineage(id);
    } catch (error) {
      if (isNotFound(error)) throw await this.scopeError(id);
      throw error;
    }
    const allowed = await this.allowedIds();
    if (!lineage.some((x) => allowed.includes(x))) throw await this.scopeError(id);
    return lineage;
  }

  /** The one answer for an id the caller may not see or that does not exist (errors.ts notInScope). */
  async scopeError(id: string): Promise<UserError> {
    return notInScope(subjectOf(id), await this.allowedIds());
  }

  async nameOf(id: string): Promise<string> {
    // A name some earlier answer carried (a listing, a policy's targets) needs no call.
    const known = this.reader.peekName?.(id);
    if (known !== undefined) return known;
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

  /**
   * The chain of `policyType` policies from the root down to an account or OU inside the scope.
   *
   * Cold, against AWS, this costs exactly: ListParents per level above the target,
   * ListPoliciesForTarget per level, DescribePolicy per attached policy not cached, and, for an
   * account only, one DescribeOrganization when the chain does not already show the management
   * account (docs/performance.md). Names come from what earlier answers taught the reader.
   */
  async effectiveChain(
    id: string,
    policyType: PolicyType,
    options: ChainOptions = {},
  ): Promise<EffectiveChain> {
    const kind = targetKindOf(id);
    if (!kind) throw invalidInput(`${id} is not an account, OU or root id.`);
    const lineage = await this.lineageInScope(id);
    const policies = await Promise.all(lineage.map((levelId) => this.attachedPolicies(levelId, policyType)));
    const levels: ChainLevel[] = await Promise.all(
      lineage.map(async (levelId, i) => ({
        target: await this.chainTarget(levelId, options.resolveNames === true),
        policies: policies[i] ?? [],
      })),
    );
    const last = levels[levels.length - 1];
    if (!last) throw notFound(`No chain found for ${id}.`);
    // After the policy reads: their ARNs may already have named the management account.
    const managementAccountId =
      kind === "ACCOUNT"
        ? await this.managementAccountFor(id)
        : this.reader.peekOrganization?.().managementAccountId;
    return {
      policyType,
      target: last.target,
      levels,
      ouPath: levels.map((l) => l.target.name).join("/"),
      isManagementAccount: kind === "ACCOUNT" && id === managementAccountId,
      ...(managementAccountId !== undefined ? { managementAccountId } : {}),
    };
  }

  /**
   * The management account, without a call when possible. A customer-managed policy ARN names it
   * (arn:aws:organizations::<management account>:policy/...); that is trusted to say an account is
   * NOT the management account, but "this account is exempt from SCPs" is never concluded from it:
   * that answer is confirmed with DescribeOrganization, the one source that cannot be misread.
   */
  private async managementAccountFor(accountId: string): Promise<string> {
    const known = this.reader.peekOrganization?.();
    if (
      known?.managementAccountId !== undefined &&
      (known.managementAccountSource === "DescribeOrganization" || known.managementAccountId !== accountId)
    ) {
      return known.managementAccountId;
    }
    return (await this.reader.describeOrganization()).managementAccountId;
  }

  /** A level of a chain, named from what the reader knows (in-memory readers know every name). */
  private async chainTarget(id: string, resolve: boolean): Promise<ChainTarget> {
    const type = targetKindOf(id);
    if (!type) throw invalidInput(`${id} is not an account, OU or root id.`);
    return resolve ? { id, type, name: await this.nameOf(id), nameKnown: true } : this.nodeName(id, type);
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
          const { accounts, ous } = await this.childrenOf(parentId);
          found.push(...accounts.map((a) => a.id));
          next.push(...ous.map((o) => o.id));
        }),
      );
      frontier = next;
    }
    return found;
  }

  /**
   * Direct children of a root or OU. ListAccountsForParent and ListOrganizationalUnitsForParent
   * cost the same pages as ListChildren and also carry names (and teach the reader parents).
   */
  private async childrenOf(
    parentId: string,
  ): Promise<{ accounts: { id: string; name?: string }[]; ous: { id: string; name?: string }[] }> {
    const { listAccountsForParent, listOrganizationalUnitsForParent } = this.reader;
    if (listAccountsForParent && listOrganizationalUnitsForParent) {
      const [accounts, ous] = await Promise.all([
        listAccountsForParent.call(this.reader, parentId),
        listOrganizationalUnitsForParent.call(this.reader, parentId),
      ]);
      return { accounts, ous };
    }
    const [accounts, ous] = await Promise.all([
      this.reader.listChildren(parentId, "ACCOUNT"),
      this.reader.listChildren(parentId, "ORGANIZATIONAL_UNIT"),
    ]);
    return { accounts, ous };
  }

  /** Drops everything cached, so the next answers are read afresh from the source. */
  refresh(): void {
    this.reader.refresh();
  }

  /**
   * A refresh asked for by a caller: done at most once per minimum interval per process, so that no
   * caller can make the server re-read the organization again and again. A refused request changes
   * nothing and says when the next one will be accepted.
   */
  requestRefresh(): RefreshOutcome {
    const now = this.now();
    if (this.lastRefreshAt !== undefined && now < this.lastRefreshAt + this.minRefreshIntervalMs) {
      return {
        refreshed: false,
        lastRefreshAt: new Date(this.lastRefreshAt),
        nextRefreshAt: new Date(this.lastRefreshAt + this.minRefreshIntervalMs),
      };
    }
    this.refresh();
    this.lastRefreshAt = now;
    return {
      refreshed: true,
      lastRefreshAt: new Date(now),
      nextRefreshAt: new Date(now + this.minRefreshIntervalMs),
    };
  }

  /**
   * Loads the scope of the organization for one policy type: the tree (roots and OUs above and
   * inside the scope, accounts inside it), every policy with its document, and every attachment
   * of a visible target. Attachments are read with the cheaper of two plans, estimated from what
   * is known at that point (docs/performance.md):
   *
   * - per policy: ListTargetsForPolicy for each policy (a policy attached everywhere, like
   *   FullAWSAccess, costs one page per 20 targets);
   * - per target: ListPoliciesForTarget for each root, OU and account of the view.
   *
   * Calls run as fast as the reader's pacer admits them. With the per-policy plan the reader also
   * learns every visible target's policies, so chains asked for afterwards cost nothing.
   */
  async loadOrganization(policyType: PolicyType): Promise<OrganizationView> {
    const epoch = this.reader.epoch?.();
    const allowed = await this.allowedIds();
    const containers = new Map<string, ViewNode>();
    const accounts = new Map<string, ViewNode>();

    // Policies and their documents do not depend on the tree: start them at once.
    const summariesLoad = this.reader.listPolicies(policyType);
    const documentsLoad = summariesLoad.then((summaries) =>
      Promise.all(summaries.map((s) => this.reader.describePolicy(s.id))),
    );
    // Keep an early failure of one from going unhandled while the other is awaited.
    documentsLoad.catch(() => undefined);

    /** Adds a root or OU once; true when its subtree is still to be walked. */
    const addContainer = async (
      id: string,
      parentId: string | null,
      inScope: boolean,
      name?: string,
    ): Promise<boolean> => {
      const existing = containers.get(id);
      if (existing) {
        // An allowed OU may lie below another: first met on the path above it, then in scope.
        if (!inScope || existing.inScope) return false;
        existing.inScope = true;
        return true;
      }
      const type = targetKindOf(id) ?? "ORGANIZATIONAL_UNIT";
      const node: ViewNode = { id, type, name: id, parentId, inScope };
      containers.set(id, node);
      Object.assign(node, await this.nodeName(id, type, name));
      return true;
    };
    const walk = async (parentId: string): Promise<void> => {
      const { accounts: childAccounts, ous } = await this.childrenOf(parentId);
      await Promise.all([
        ...childAccounts.map(async (a) => {
          accounts.set(a.id, { ...(await this.nodeName(a.id, "ACCOUNT", a.name)), parentId, inScope: true });
        }),
        ...ous.map(async (o) => {
          if (await addContainer(o.id, parentId, true, o.name)) await walk(o.id);
        }),
      ]);
    };
    await Promise.all(
      allowed.map(async (allowedId) => {
        const above = await this.ancestors(allowedId);
        await Promise.all(above.map((id, i) => addContainer(id, above[i - 1] ?? null, false)));
        if (await addContainer(allowedId, above[above.length - 1] ?? null, true)) await walk(allowedId);
      }),
    );

    const summaries = await summariesLoad;
    const targets: TargetRef[] = [
      ...[...containers.values()].map((c) => ({ id: c.id, type: c.type })),
      ...[...accounts.keys()].map((id) => ({ id, type: "ACCOUNT" as const })),
    ];
    const wholeOrganization = [...containers.values()].some((c) => c.type === "ROOT" && c.inScope);
    const plan = this.choosePlan(
      policyType,
      summaries,
      targets.map((t) => t.id),
      wholeOrganization,
    );

    const attachments = new Map<string, string[]>(targets.map((t) => [t.id, []]));
    if (plan.chosen === "per-policy") {
      const perPolicy = await Promise.all(summaries.map((s) => this.reader.listTargetsForPolicy(s.id)));
      const byTarget = new Map<string, PolicySummary[]>(targets.map((t) => [t.id, []]));
      summaries.forEach((summary, i) => {
        for (const t of perPolicy[i] ?? []) {
          attachments.get(t.id)?.push(summary.id);
          byTarget.get(t.id)?.push(summary);
        }
      });
      if (epoch !== undefined && this.reader.learn) {
        const facts: LearnedFact[] = [...byTarget].map(([targetId, policies]) => ({
          kind: "policiesForTarget",
          targetId,
          policyType,
          policies,
        }));
        this.reader.learn(facts, epoch);
      }
    } else {
      const perTarget = await Promise.all(
        targets.map((t) => this.reader.listPoliciesForTarget(t.id, policyType)),
      );
      targets.forEach((t, i) =>
        attachments.set(
          t.id,
          (perTarget[i] ?? []).map((p) => p.id),
        ),
      );
    }
    const documents = await documentsLoad;
    return {
      policyType,
      containers,
      accounts,
      policies: new Map(documents.map((p) => [p.id, p])),
      attachments,
      plan,
    };
  }

  /**
   * Estimates both attachment plans from what is known. Per target: one call per target whose
   * answer is not cached. Per policy: one page per policy not cached, except that an AWS-managed
   * policy (FullAWSAccess, RCPFullAWSAccess) is assumed attached to every target of the
   * organization: a page per 20. For a partial scope the organization's size is unknown, so it is
   * taken as twice the scope, which leans towards the plan whose cost is known exactly.
   */
  private choosePlan(
    policyType: PolicyType,
    summaries: readonly PolicySummary[],
    targetIds: readonly string[],
    wholeOrganization: boolean,
  ): AttachmentPlan {
    const isCached = this.reader.isCached?.bind(this.reader);
    const organizationTargets = wholeOrganization ? targetIds.length : targetIds.length * 2;
    let perPolicy = 0;
    for (const s of summaries) {
      if (isCached?.("ListTargetsForPolicy", [s.id])) continue;
      perPolicy += s.awsManaged ? Math.max(1, Math.ceil(organizationTargets / ORGANIZATIONS_PAGE_SIZE)) : 1;
    }
    let perTarget = 0;
    for (const id of targetIds) if (!isCached?.("ListPoliciesForTarget", [id, policyType])) perTarget++;
    return {
      chosen: perPolicy <= perTarget ? "per-policy" : "per-target",
      estimatedCalls: { "per-policy": perPolicy, "per-target": perTarget },
      policies: summaries.length,
      targets: targetIds.length,
    };
  }

  /** A view node's name: as listed, else as already known, else (in-memory readers) looked up. */
  private async nodeName(id: string, type: TargetKind, listed?: string): Promise<ChainTarget> {
    if (listed !== undefined) return { id, type, name: listed, nameKnown: true };
    if (!this.reader.peekName) return { id, type, name: await this.nameOf(id), nameKnown: true };
    const name = this.reader.peekName(id);
    return name === undefined
      ? { id, type, name: id, nameKnown: false }
      : { id, type, name, nameKnown: true };
  }

  /**
   * The chain of one target of a loaded view, without any call except (for an account whose
   * chain does not show the management account) one DescribeOrganization, shared by all.
   */
  async chainFromView(view: OrganizationView, id: string): Promise<EffectiveChain> {
    const node = view.accounts.get(id) ?? view.containers.get(id);
    if (!node) {
      if (!targetKindOf(id)) throw invalidInput(`${id} is not an account, OU or root id.`);
      throw await this.scopeError(id);
    }
    const lineage: ViewNode[] = [];
    for (let cursor: ViewNode | undefined = node; cursor;) {
      lineage.unshift(cursor);
      cursor = cursor.parentId === null ? undefined : view.containers.get(cursor.parentId);
    }
    const levels: ChainLevel[] = lineage.map((n) => ({
      target: {
        id: n.id,
        type: n.type,
        name: n.name,
        ...(n.nameKnown !== undefined ? { nameKnown: n.nameKnown } : {}),
      },
      policies: (view.attachments.get(n.id) ?? []).flatMap((pid) => {
        const p = view.policies.get(pid);
        return p ? [p] : [];
      }),
    }));
    const last = levels[levels.length - 1];
    if (!last || !node.inScope) throw await this.scopeError(id);
    const managementAccountId =
      node.type === "ACCOUNT"
        ? await this.managementAccountFor(id)
        : this.reader.peekOrganization?.().managementAccountId;
    return {
      policyType: view.policyType,
      target: last.target,
      levels,
      ouPath: levels.map((l) => l.target.name).join("/"),
      isManagementAccount: node.type === "ACCOUNT" && id === managementAccountId,
      ...(managementAccountId !== undefined ? { managementAccountId } : {}),
    };
  }

  /**
   * The policies of a loaded view that the scope shows: attached to a target of the view, or
   * attached nowhere at all. A policy attached only outside the scope is left out, exactly as if it
   * did not exist. With the whole organization in scope the view holds every target, so this needs
   * no call; otherwise one ListTargetsForPolicy (cached) per policy attached to no target of the view.
   */
  async visiblePolicies(view: OrganizationView): Promise<Map<string, Policy>> {
    const attachedInView = new Set([...view.attachments.values()].flat());
    const wholeOrganization = [...view.containers.values()].some((c) => c.type === "ROOT" && c.inScope);
    const shown = await Promise.all(
      [...view.policies.values()].map(
        async (p) =>
          attachedInView.has(p.id) ||
          wholeOrganization ||
          (await this.reader.listTargetsForPolicy(p.id)).length === 0,
      ),
    );
    return new Map([...view.policies].filter((_, i) => shown[i]));
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

  /**
   * A policy and its visible targets. A policy attached only outside the scope is itself outside it,
   * and gets the answer a policy id that exists nowhere gets; so does a policy of a type this server
   * does not read (a tag or backup policy), which the reader refuses as invalid input.
   */
  async policyWithTargets(policyId: string, withReach: boolean): Promise<PolicyWithTargets> {
    let policy: Policy;
    let targets: PolicyTarget[];
    try {
      [policy, targets] = await Promise.all([
        this.reader.describePolicy(policyId),
        this.reader.listTargetsForPolicy(policyId),
      ]);
    } catch (error) {
      if (isNotFound(error) || (error instanceof UserError && error.code === "invalid_input"))
        throw await this.scopeError(policyId);
      throw error;
    }
    const visibleIds = new Set(await this.filterVisible(targets.map((t) => t.id)));
    if (targets.length > 0 && visibleIds.size === 0) throw await this.scopeError(policyId);
    const visible = await Promise.all(
      targets
        .filter((t) => visibleIds.has(t.id))
        .map(async (t) => ({
          id: t.id,
          type: t.type,
          name: t.name,
          path: await this.pathOf(t.id),
          inScope: (await this.wholeOrganizationAllowed()) || (await this.isInScope(t.id)),
          accountsReached: withReach ? (await this.accountsInScopeUnder(t.id)).length : 0,
        })),
    );
    return { policy, targets: visible, hiddenTargetCount: targets.length - visible.length };
  }

  /**
   * Ids the organization itself returned (policy targets), filtered to those visible. With the
   * root allowed, everything is: no ListParents walk per target (thousands for FullAWSAccess).
   */
  private async filterVisible(ids: string[]): Promise<string[]> {
    if (await this.wholeOrganizationAllowed()) return ids;
    const flags = await Promise.all(ids.map((id) => this.isVisible(id)));
    return ids.filter((_, i) => flags[i]);
  }

  /** True when a root is among the allowed ids: an organization has one root, so all of it is in scope. */
  async wholeOrganizationAllowed(): Promise<boolean> {
    return (await this.allowedIds()).some((id) => ROOT_ID.test(id));
  }
}

/** "account 123456789012", "OU ou-...", "root r-...", "policy p-...": an id as the caller wrote it. */
export function subjectOf(id: string): string {
  const kind: TargetKind | undefined = targetKindOf(id);
  if (kind === "ACCOUNT") return `account ${id}`;
  if (kind === "ORGANIZATIONAL_UNIT") return `OU ${id}`;
  if (kind === "ROOT") return `root ${id}`;
  if (POLICY_ID.test(id)) return `policy ${id}`;
  return id;
}

function isNotFound(error: unknown): boolean {
  return error instanceof UserError && error.code === "not_found";
}
