/**
 * preview_policy_change against the organization: the proposed change resolved inside the allowed
 * scope (the same answer for a hidden id as for a missing one), the chains of every account the
 * recorded activity names read once, and the pure replay (src/preview) run over them.
 */
import { invalidInput, UserError } from "../errors.js";
import type { ChainLevel, EffectiveChain } from "../model/chain.js";
import { ACCOUNT_ID, targetKindOf } from "../model/ids.js";
import type { Policy } from "../model/organization.js";
import { policyKindOf, type PolicyType } from "../model/policy-type.js";
import type { OrganizationService } from "../org/service.js";
import { primeCatalogue } from "../policy/catalogue.js";
import { diffPolicyDocuments } from "../policy/diff.js";
import { loadIamIndex, servicesMentioned } from "../policy/iam-index.js";
import { mentionedInDocument } from "../policy/lint.js";
import { parsePolicy, parsePolicyCached, type ParsedPolicy } from "../policy/parse.js";
import { POLICY_SIZE_LIMITS } from "../policy/quotas.js";
import type { Activity } from "../preview/activity.js";
import { applyChanges, changedTypes, type PrimitiveChange } from "../preview/change.js";
import type { ContextRecord, RecordedRequest } from "../preview/records.js";
import { replay, type ChainPair } from "../preview/replay.js";
import { viewReplay, type ReplayView } from "../preview/report.js";

export type ChangeInput =
  | { kind: "update"; policyId: string; document: string | object }
  | {
      kind: "create";
      document: string | object;
      policyType?: PolicyType | undefined;
      targetIds: string[];
      name?: string | undefined;
    }
  | { kind: "attach" | "detach"; policyId: string; targetId: string }
  | { kind: "move"; accountId: string; toOuId: string };

export interface DocumentChange {
  kind: string;
  direction: string;
  explanation: string;
}

export interface ResolvedChange {
  primitives: PrimitiveChange[];
  policyTypes: PolicyType[];
  /** One sentence: what changes, where. */
  description: string;
  /** For an update: the semantic differences between the current document and the new one. */
  documentChanges: DocumentChange[];
  /** Roots, OUs and accounts whose accounts the change reaches. */
  reachTargets: string[];
  warnings: string[];
  notes: string[];
}

const NEW_POLICY_ID = "p-newpolicy0";

function documentText(document: string | object): string {
  return typeof document === "string" ? document : JSON.stringify(document);
}

/** The document parsed as the type, or a clear error naming what is wrong with it. */
function validDocument(document: string | object, type: PolicyType, warnings: string[]): ParsedPolicy {
  const kind = policyKindOf(type);
  const result = parsePolicy(document, { kind });
  if (!result.ok) {
    const issues = result.errors
      .slice(0, 5)
      .map((e) => `${e.location.path}: ${e.message}`)
      .join("; ");
    const more = result.errors.length > 5 ? ` (and ${result.errors.length - 5} more)` : "";
    throw invalidInput(
      `The document is not a valid ${kind}: ${issues}${more}. Fix it (lint_scp_policy shows every problem) and preview again.`,
    );
  }
  const size = documentText(document).length;
  if (size > POLICY_SIZE_LIMITS[type]) {
    warnings.push(
      `The document has ${size} characters; AWS rejects an ${kind} over ${POLICY_SIZE_LIMITS[type]} (whitespace counts): the preview shows what it would do, but it cannot be deployed as is.`,
    );
  }
  return result.policy;
}

/** A target a policy may be attached to: inside the scope or on the path above it. */
async function visibleTarget(org: OrganizationService, id: string): Promise<void> {
  if (!targetKindOf(id)) throw invalidInput(`${id} is not an account, OU or root id.`);
  try {
    await org.assertInScope(id);
    return;
  } catch (error) {
    if (!(error instanceof UserError) || error.code !== "not_found") throw error;
    let above = false;
    try {
      above = await org.isAboveScope(id);
    } catch {
      above = false;
    }
    if (!above) throw await org.scopeError(id);
  }
}

async function describeTarget(org: OrganizationService, id: string): Promise<string> {
  try {
    const name = await org.nameOf(id);
    return name === id ? id : `${name} (${id})`;
  } catch {
    return id;
  }
}

async function destination(
  org: OrganizationService,
  ouId: string,
  types: readonly PolicyType[],
): Promise<Partial<Record<PolicyType, ChainLevel[]>>> {
  const out: Partial<Record<PolicyType, ChainLevel[]>> = {};
  for (const t of types) out[t] = (await org.effectiveChain(ouId, t)).levels;
  return out;
}

async function rcpEnabled(org: OrganizationService): Promise<boolean> {
  const roots = await org.listRoots();
  return roots.some((r) =>
    r.policyTypes.some((t) => t.type === "RESOURCE_CONTROL_POLICY" && t.status === "ENABLED"),
  );
}

/** Resolves the change inside the scope: every id checked, every document validated. */
export async function resolveChange(org: OrganizationService, input: ChangeInput): Promise<ResolvedChange> {
  const warnings: string[] = [];
  const notes: string[] = [];
  const documentChanges: DocumentChange[] = [];
  switch (input.kind) {
    case "update": {
      const { policy, targets } = await org.policyWithTargets(input.policyId, false);
      const doc = validDocument(input.document, policy.type, warnings);
      const current = parsePolicyCached(policy.content, policyKindOf(policy.type));
      if (current.ok) {
        const services = servicesMentioned([
          ...mentionedInDocument(policy.content).actions,
          ...mentionedInDocument(input.document).actions,
        ]);
        const iam = await loadIamIndex(services);
        for (const c of diffPolicyDocuments(current.policy, doc, { iam }).slice(0, 10))
          documentChanges.push({ kind: c.kind, direction: c.direction, explanation: c.explanation });
        if (documentChanges.length === 0)
          notes.push(
            "The new document is semantically identical to the current one (only cosmetic differences).",
          );
      }
      const where = targets.length ? targets.map((t) => `${t.name} (${t.id})`).join(", ") : "nothing";
      return {
        primitives: [
          {
            kind: "update",
            policyId: policy.id,
            policyType: policy.type,
            content: documentText(input.document),
          },
        ],
        policyTypes: [policy.type],
        description: `New content for ${policy.name} (${policy.id}), attached to ${where}.`,
        documentChanges,
        reachTargets: targets.map((t) => t.id),
        warnings,
        notes,
      };
    }
    case "create": {
      const type = input.policyType ?? "SERVICE_CONTROL_POLICY";
      validDocument(input.document, type, warnings);
      if (input.targetIds.length === 0)
        throw invalidInput("targetIds is empty: name where the new policy would be attached.");
      for (const t of input.targetIds) await visibleTarget(org, t);
      const policy: Policy = {
        id: NEW_POLICY_ID,
        name: input.name ?? "the new policy",
        description: "proposed by preview_policy_change",
        type,
        awsManaged: false,
        content: documentText(input.document),
      };
      const names = await Promise.all(input.targetIds.map((t) => describeTarget(org, t)));
      return {
        primitives: input.targetIds.map((targetId) => ({ kind: "attach" as const, policy, targetId })),
        policyTypes: [type],
        description: `A new ${policyKindOf(type)} ${policy.name} attached to ${names.join(", ")}.`,
        documentChanges,
        reachTargets: input.targetIds,
        warnings,
        notes,
      };
    }
    case "attach":
    case "detach": {
      const { policy, targets } = await org.policyWithTargets(input.policyId, false);
      await visibleTarget(org, input.targetId);
      const attached = targets.some((t) => t.id === input.targetId);
      const target = await describeTarget(org, input.targetId);
      if (input.kind === "detach" && !attached)
        throw invalidInput(
          `${policy.name} (${policy.id}) is not attached to ${target}: there is nothing to detach. get_scp_targets lists where it is attached.`,
        );
      if (input.kind === "attach" && attached)
        notes.push(
          `${policy.name} (${policy.id}) is already attached to ${target}: attaching it again changes nothing.`,
        );
      return {
        primitives: [
          input.kind === "attach"
            ? { kind: "attach", policy, targetId: input.targetId }
            : { kind: "detach", policyId: policy.id, policyType: policy.type, targetId: input.targetId },
        ],
        policyTypes: [policy.type],
        description: `${input.kind === "attach" ? "Attach" : "Detach"} ${policy.name} (${policy.id}) ${input.kind === "attach" ? "to" : "from"} ${target}.`,
        documentChanges,
        reachTargets: [input.targetId],
        warnings,
        notes,
      };
    }
    case "move": {
      if (!ACCOUNT_ID.test(input.accountId)) throw invalidInput(`${input.accountId} is not an account id.`);
      await org.assertInScope(input.accountId);
      await org.assertInScope(input.toOuId);
      const types: PolicyType[] = ["SERVICE_CONTROL_POLICY"];
      if (await rcpEnabled(org)) types.push("RESOURCE_CONTROL_POLICY");
      const parent = (await org.ancestors(input.accountId)).at(-1);
      if (parent === input.toOuId)
        notes.push(
          `Account ${input.accountId} is already in ${input.toOuId}: moving it there changes nothing.`,
        );
      notes.push(
        "aws:PrincipalOrgPaths and aws:ResourceOrgPaths of the moved account are left unknown: they change with the move.",
      );
      return {
        primitives: [
          {
            kind: "move",
            accountId: input.accountId,
            destination: await destination(org, input.toOuId, types),
          },
        ],
        policyTypes: types,
        description: `Move account ${await describeTarget(org, input.accountId)} to ${await describeTarget(org, input.toOuId)}.`,
        documentChanges,
        reachTargets: [input.accountId],
        warnings,
        notes,
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Chains of the accounts the activity names

interface AccountChains {
  /** Undefined: the account is not within the scope (or does not exist: the same). */
  chains: Map<PolicyType, ChainPair> | undefined;
  context: ContextRecord;
  /** Context for a resource owned by this account (RCPs). */
  resourceContext: ContextRecord;
}

const CHAIN_CONCURRENCY = 8;

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

function orgPath(orgId: string, chain: EffectiveChain): string {
  return `${orgId}/${chain.levels
    .filter((l) => l.target.type !== "ACCOUNT")
    .map((l) => l.target.id)
    .join("/")}/`;
}

async function chainsOf(
  org: OrganizationService,
  accountId: string,
  types: readonly PolicyType[],
  changes: readonly PrimitiveChange[],
  orgInfo: { id: string; managementAccountId: string },
  moved: ReadonlySet<string>,
): Promise<AccountChains> {
  const chains = new Map<PolicyType, ChainPair>();
  try {
    for (const t of types) {
      const before = await org.effectiveChain(accountId, t);
      chains.set(t, { policyType: t, before, after: applyChanges(before, changes) });
    }
  } catch (error) {
    if (error instanceof UserError && error.code === "not_found")
      return { chains: undefined, context: {}, resourceContext: {} };
    throw error;
  }
  const any = [...chains.values()][0]?.before;
  const path = any && !moved.has(accountId) ? orgPath(orgInfo.id, any) : undefined;
  return {
    chains,
    context: {
      "aws:PrincipalOrgID": orgInfo.id,
      ...(path ? { "aws:PrincipalOrgPaths": [path] } : {}),
      "aws:PrincipalIsAWSService": "false",
      "aws:PrincipalServiceName": [],
      "aws:PrincipalServiceNamesList": [],
      "aws:PrincipalOrgMasterAccountId": orgInfo.managementAccountId,
    },
    resourceContext: {
      "aws:ResourceAccount": accountId,
      "aws:ResourceOrgID": orgInfo.id,
      ...(path ? { "aws:ResourceOrgPaths": [path] } : {}),
    },
  };
}

/** Accounts inside the scope the change reaches (whose activity matters). */
export async function reachedAccounts(org: OrganizationService, change: ResolvedChange): Promise<string[]> {
  const out = new Set<string>();
  for (const t of change.reachTargets) for (const a of await org.accountsInScopeUnder(t)) out.add(a);
  return [...out].sort();
}

/** Condition keys and resource use of every policy before and after the change, for an aggregation. */
export async function policyFootprint(
  org: OrganizationService,
  change: ResolvedChange,
  accounts: readonly string[],
): Promise<{ keys: string[]; resources: boolean }> {
  const keys = new Set<string>();
  let resources = false;
  const seen = new Set<string>();
  const note = (content: string, type: PolicyType): void => {
    if (seen.has(content)) return;
    seen.add(content);
    const parsed = parsePolicyCached(content, policyKindOf(type));
    if (!parsed.ok) return;
    for (const s of parsed.policy.statements) {
      if (s.resource.element === "NotResource" || s.resource.values.some((v) => v !== "*")) resources = true;
      for (const c of s.conditions) keys.add(c.normalizedKey);
    }
  };
  for (const a of accounts.slice(0, 50)) {
    for (const t of change.policyTypes) {
      const before = await org.effectiveChain(a, t);
      for (const chain of [before, applyChanges(before, change.primitives)])
        for (const l of chain.levels) for (const p of l.policies) note(p.content, t);
    }
  }
  return { keys: [...keys].sort(), resources };
}

export interface PreviewOptions {
  maxGroups: number;
  budgetBytes: number;
  now?: Date;
}

export interface PreviewReport {
  change: { description: string; policyTypes: PolicyType[]; documentChanges: DocumentChange[] };
  activity: { source: string; notes: string[] };
  replay: ReplayView;
  warnings: string[];
  notes: string[];
}

/** Replays the activity against the organization before and after the change. */
export async function previewChange(
  org: OrganizationService,
  change: ResolvedChange,
  activity: Activity,
  options: PreviewOptions,
): Promise<PreviewReport> {
  const types = change.policyTypes;
  const scpChanges = types.includes("SERVICE_CONTROL_POLICY");
  const rcpChanges = types.includes("RESOURCE_CONTROL_POLICY");
  const notes = [...change.notes];
  const warnings = [...change.warnings];
  const distinct = [...activity.table.values()];
  const callerAccounts = new Set<string>();
  const resourceAccounts = new Set<string>();
  let resourceOwnerAssumed = 0;
  for (const d of distinct) {
    const r = d.request;
    if (scpChanges && !r.servicePrincipal) callerAccounts.add(r.accountId);
    if (rcpChanges) {
      resourceAccounts.add(r.resourceAccountId ?? r.accountId);
      if (!r.resourceAccountId) resourceOwnerAssumed += d.events;
    }
  }
  const info = await org.describeOrganization();
  const moved = new Set(change.primitives.flatMap((p) => (p.kind === "move" ? [p.accountId] : [])));
  const accounts = [...new Set([...callerAccounts, ...resourceAccounts])];
  await primeCatalogue({ services: [...new Set(distinct.map((d) => d.request.action.split(":")[0] ?? ""))] });
  const resolved = await mapLimited(accounts, CHAIN_CONCURRENCY, (a) =>
    chainsOf(
      org,
      a,
      types.filter((t) => (t === "SERVICE_CONTROL_POLICY" ? callerAccounts.has(a) : resourceAccounts.has(a))),
      change.primitives,
      info,
      moved,
    ),
  );
  const byAccount = new Map(accounts.map((a, i) => [a, resolved[i] as AccountChains]));
  if (rcpChanges && resourceOwnerAssumed > 0) {
    notes.push(
      `${resourceOwnerAssumed} recorded request(s) name no resource owner: the RCPs of the calling account were applied to them.`,
    );
  }
  const lookup = (r: RecordedRequest) => {
    const pairs: ChainPair[] = [];
    let context: ContextRecord = {};
    if (scpChanges && !r.servicePrincipal) {
      const caller = byAccount.get(r.accountId);
      const pair = caller?.chains?.get("SERVICE_CONTROL_POLICY");
      if (!caller?.chains || !pair) return "outside_scope" as const;
      pairs.push(pair);
      context = { ...caller.context };
    }
    if (rcpChanges) {
      const owner = byAccount.get(r.resourceAccountId ?? r.accountId);
      const pair = owner?.chains?.get("RESOURCE_CONTROL_POLICY");
      if (!owner?.chains || !pair) return "outside_scope" as const;
      pairs.push(pair);
      context = { ...context, ...owner.resourceContext };
      if (!r.servicePrincipal) {
        const caller = byAccount.get(r.accountId);
        if (caller?.chains) context = { ...caller.context, ...context };
      }
    }
    if (pairs.length === 0) return "service_principal" as const;
    return { pairs, context };
  };
  const result = replay(distinct, lookup, options.now ?? new Date());
  if (scpChanges && !rcpChanges)
    notes.push(
      "Only SCPs were evaluated: the change touches no RCP, and a request an RCP denies is denied either way.",
    );
  if (rcpChanges && !scpChanges)
    notes.push(
      "Only RCPs were evaluated: the change touches no SCP, and a request an SCP denies is denied either way.",
    );
  notes.push(
    "Each request was evaluated with the condition keys its record carries and those the organization settles; any other key the policies use stays unknown, so such a request can only come out as depending on context, never as allowed by guess.",
  );
  return {
    change: { description: change.description, policyTypes: types, documentChanges: change.documentChanges },
    activity: { source: activity.source, notes: activity.notes },
    replay: viewReplay(result, {
      records: activity.records,
      extraSkipped: activity.skipped,
      maxGroups: options.maxGroups,
      budgetBytes: options.budgetBytes,
    }),
    warnings,
    notes,
  };
}

export { changedTypes };
