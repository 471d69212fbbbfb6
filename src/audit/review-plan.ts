/**
 * review-plan: the SCP and RCP changes of a Terraform plan, classified with compare_scp_config's
 * drift kinds (weakens / tightens / neutral), each weakening or tightening shown with one concrete
 * request whose decision it flips, confirmed by the evaluator. Cosmetic rewrites give nothing.
 * With an organization, witnesses are evaluated on the real chain of an account the change reaches
 * (else on a typical chain: FullAWSAccess at every level), and the change can be replayed.
 */
import type { ChainLevel, ChainTarget, EffectiveChain } from "../model/chain.js";
import { targetKindOf } from "../model/ids.js";
import type { Policy } from "../model/organization.js";
import { policyKindOf, type PolicyType } from "../model/policy-type.js";
import type { OrganizationService } from "../org/service.js";
import { primeCatalogue } from "../policy/catalogue.js";
import { diffPolicyDocuments, fingerprint, policyEffects, type DriftKind } from "../policy/diff.js";
import type { Direction, Severity } from "../policy/findings.js";
import { loadIamIndex, servicesMentioned, type IamIndex } from "../policy/iam-index.js";
import { mentionedInDocument } from "../policy/lint.js";
import { parsePolicy, type ParsedPolicy } from "../policy/parse.js";
import { applyChanges, type PrimitiveChange } from "../preview/change.js";
import type { PlanChanges, PlanPolicySide } from "../preview/plan.js";
import { findWitness, type Witness } from "../preview/witness.js";

export interface PlanFinding {
  id: string;
  /** The plan's resource address and its position in resource_changes. */
  address: string;
  resourceIndex: number;
  kind: DriftKind;
  direction: Direction;
  severity: Severity;
  policy: { name: string; id: string | null; type: PolicyType };
  explanation: string;
  /** Roots, OUs and accounts the change is attached at (as far as the plan or organization says). */
  targets: string[];
  witness: Witness | null;
  /** Why there is no witness, for a weakening or tightening without one. */
  witnessNote: string | null;
}

export interface PlanReview {
  terraformVersion: string | null;
  findings: PlanFinding[];
  /** Resources whose change is cosmetic only (order, whitespace, equivalent forms). */
  cosmetic: string[];
  /** The plan's SCP/RCP resources that change (policies and attachments). */
  reviewed: number;
  notes: string[];
  /** The plan as changes to chains (for a replay of recorded activity). */
  primitives: PrimitiveChange[];
}

const FULL_ACCESS = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});
const FULL_POLICY = (type: PolicyType): Policy => ({
  id: type === "SERVICE_CONTROL_POLICY" ? "p-FullAWSAccess" : "p-RCPFullAWSAccess",
  name: type === "SERVICE_CONTROL_POLICY" ? "FullAWSAccess" : "RCPFullAWSAccess",
  description: "",
  type,
  awsManaged: true,
  content: FULL_ACCESS,
});
const EXAMPLE_ACCOUNT = "111122223333";
const EXAMPLE_OU = "ou-exam-plea1234";
const MANAGEMENT_EXAMPLE = "999999999999";

function parse(content: string | null, type: PolicyType): ParsedPolicy | undefined {
  if (content === null) return undefined;
  const r = parsePolicy(content, { kind: policyKindOf(type) });
  return r.ok ? r.policy : undefined;
}

function asPolicy(side: PlanPolicySide, address: string): Policy {
  return {
    id: side.id ?? `p-${fingerprint([address]).padEnd(8, "0")}`,
    name: side.name,
    description: "",
    type: side.type,
    awsManaged: false,
    content: side.content ?? "{}",
  };
}

interface Context {
  plan: PlanChanges;
  org: OrganizationService | undefined;
  iam: IamIndex;
  now: Date;
  findings: PlanFinding[];
  cosmetic: string[];
  notes: string[];
  primitives: PrimitiveChange[];
}

/** Where a policy of the plan is (or will be) attached: the plan's attachments, else the organization's. */
async function targetsOf(ctx: Context, policyId: string | null, address: string): Promise<string[]> {
  const out = new Set<string>();
  for (const a of ctx.plan.attachments) {
    for (const side of [a.before, a.after]) {
      if (side && ((policyId && side.policyId === policyId) || side.policyAddress === address))
        out.add(side.targetId);
    }
  }
  if (out.size === 0 && policyId && ctx.org) {
    try {
      for (const t of (await ctx.org.policyWithTargets(policyId, false)).targets) out.add(t.id);
    } catch {
      // not visible: the typical chain is used
    }
  }
  return [...out];
}

/** A chain to show a witness on: an account under `targetId` in the organization, else a typical one. */
async function chainFor(
  ctx: Context,
  type: PolicyType,
  targetId: string | undefined,
  policyAtTarget: Policy | undefined,
): Promise<{ chain: EffectiveChain; accountId: string; real: boolean }> {
  if (ctx.org && targetId) {
    try {
      const accounts = await ctx.org.accountsInScopeUnder(targetId);
      const mgmt = (await ctx.org.describeOrganization()).managementAccountId;
      const account = accounts.find((a) => a !== mgmt);
      if (account)
        return { chain: await ctx.org.effectiveChain(account, type), accountId: account, real: true };
    } catch {
      // fall back to the typical chain
    }
  }
  const full = FULL_POLICY(type);
  const kind = targetId ? targetKindOf(targetId) : undefined;
  const account: ChainTarget = {
    id: kind === "ACCOUNT" && targetId ? targetId : EXAMPLE_ACCOUNT,
    type: "ACCOUNT",
    name: "an account",
  };
  const root: ChainTarget = {
    id: kind === "ROOT" && targetId ? targetId : "r-exam",
    type: "ROOT",
    name: "Root",
  };
  const ouId = kind === "ORGANIZATIONAL_UNIT" && targetId ? targetId : EXAMPLE_OU;
  const ou: ChainTarget = { id: ouId, type: "ORGANIZATIONAL_UNIT", name: ouId };
  // An allow-list replaces FullAWSAccess where it is attached; a deny-only policy sits beside it.
  const effects = policyAtTarget
    ? policyEffects(parse(policyAtTarget.content, type) ?? ({ statements: [] } as unknown as ParsedPolicy))
    : undefined;
  const allowList = effects !== undefined && effects.allows && !effects.fullAccess;
  const at = kind ?? "ORGANIZATIONAL_UNIT";
  const level = (target: ChainTarget, isTarget: boolean): ChainLevel => ({
    target,
    policies: isTarget && policyAtTarget ? (allowList ? [policyAtTarget] : [full, policyAtTarget]) : [full],
  });
  const levels =
    at === "ROOT"
      ? [level(root, true), level(account, false)]
      : at === "ACCOUNT"
        ? [level(root, false), level(account, true)]
        : [level(root, false), level(ou, true), level(account, false)];
  return {
    chain: {
      policyType: type,
      target: account,
      levels,
      ouPath: levels.map((l) => l.target.name).join("/"),
      isManagementAccount: false,
      managementAccountId: MANAGEMENT_EXAMPLE,
    },
    accountId: account.id,
    real: false,
  };
}

function push(
  ctx: Context,
  f: Omit<PlanFinding, "id" | "witness" | "witnessNote">,
  witness: Witness | null,
  witnessNote: string | null,
): void {
  ctx.findings.push({
    id: fingerprint([f.address, f.kind, f.direction, f.explanation]),
    ...f,
    witness,
    witnessNote,
  });
}

async function witnessFor(
  ctx: Context,
  direction: Direction,
  before: EffectiveChain,
  changes: PrimitiveChange[],
  accountId: string,
  real: boolean,
  hints: string[],
): Promise<{ witness: Witness | null; note: string | null }> {
  if (direction === "neutral") return { witness: null, note: null };
  const after = applyChanges(before, changes);
  const w = findWitness(before, after, direction, { accountId, hints, iam: ctx.iam, now: ctx.now });
  if (w)
    return {
      witness: w,
      note: real
        ? null
        : "evaluated on a typical chain (FullAWSAccess at every level); give the organization (--snapshot, --demo, --aws) to evaluate on its real chains",
    };
  return {
    witness: null,
    note: `no request found whose decision this flips on ${real ? `the chain of account ${accountId}` : "a typical chain"} (other policies may already decide every request it touches)`,
  };
}

// ---------------------------------------------------------------------------------------------

async function reviewPolicy(ctx: Context, p: PlanChanges["policies"][number]): Promise<void> {
  const type = p.after?.type ?? p.before?.type ?? "SERVICE_CONTROL_POLICY";
  const name = p.after?.name ?? p.before?.name ?? p.address;
  const id = p.before?.id ?? p.after?.id ?? null;
  const policyRef = { name, id, type };
  const targets = await targetsOf(ctx, id, p.address);
  const creates = p.actions.includes("create");
  const deletes = p.actions.includes("delete");
  if (p.after && p.after.content === null && !deletes) {
    ctx.notes.push(`${p.address}: the new content is only known after apply; it was not classified.`);
    return;
  }
  const afterDoc = p.after ? parsePolicy(p.after.content ?? "", { kind: policyKindOf(type) }) : undefined;
  if (afterDoc && !afterDoc.ok) {
    push(
      ctx,
      {
        address: p.address,
        resourceIndex: p.index,
        kind: "policy_unparseable",
        direction: "neutral",
        severity: "high",
        policy: policyRef,
        explanation: `The new content of ${name} is not a valid ${policyKindOf(type)}: ${afterDoc.errors
          .slice(0, 3)
          .map((e) => `${e.location.path}: ${e.message}`)
          .join("; ")}. AWS would reject it at apply.`,
        targets,
      },
      null,
      null,
    );
    return;
  }
  const before = p.before ? parse(p.before.content, type) : undefined;
  const after = afterDoc?.ok ? afterDoc.policy : undefined;
  if (before && after && !creates && !deletes) {
    // An update in place: the semantic diff, then a witness for each difference that weakens or tightens.
    const changes = diffPolicyDocuments(before, after, { iam: ctx.iam });
    if (changes.length === 0) {
      ctx.cosmetic.push(p.address);
      return;
    }
    const prim: PrimitiveChange = {
      kind: "update",
      policyId: asPolicy(p.before as PlanPolicySide, p.address).id,
      policyType: type,
      content: p.after?.content ?? "",
    };
    ctx.primitives.push(prim);
    const oldPolicy = asPolicy(p.before as PlanPolicySide, p.address);
    const { chain, accountId, real } = await chainFor(ctx, type, targets[0], oldPolicy);
    for (const c of changes) {
      const w = await witnessFor(ctx, c.direction, chain, [prim], accountId, real, c.difference);
      push(
        ctx,
        {
          address: p.address,
          resourceIndex: p.index,
          kind: c.kind,
          direction: c.direction,
          severity: c.severity,
          policy: policyRef,
          explanation: c.explanation,
          targets,
        },
        w.witness,
        w.note,
      );
    }
    return;
  }
  if (deletes && before) {
    const e = policyEffects(before);
    const direction: Direction = e.denies ? "weakens" : e.allows ? "tightens" : "neutral";
    const oldPolicy = asPolicy(p.before as PlanPolicySide, p.address);
    const prims: PrimitiveChange[] = targets.map((t) => ({
      kind: "detach",
      policyId: oldPolicy.id,
      policyType: type,
      targetId: t,
    }));
    ctx.primitives.push(...prims);
    const { chain, accountId, real } = await chainFor(ctx, type, targets[0], oldPolicy);
    const detachAt: PrimitiveChange[] = real
      ? prims
      : [
          {
            kind: "detach",
            policyId: oldPolicy.id,
            policyType: type,
            targetId:
              chain.levels.find((l) => l.policies.some((x) => x.id === oldPolicy.id))?.target.id ?? "",
          },
        ];
    const w = await witnessFor(ctx, direction, chain, detachAt, accountId, real, []);
    push(
      ctx,
      {
        address: p.address,
        resourceIndex: p.index,
        kind: "policy_missing",
        direction,
        severity: direction === "weakens" ? "high" : "medium",
        policy: policyRef,
        explanation: `${name} is deleted${p.actions.includes("create") ? " and created again (replaced)" : ""}: ${e.denies ? "its Deny statements no longer apply" : "what it allowed is no longer allowed where it was an allow-list"}${targets.length ? ` at ${targets.join(", ")}` : ""}.`,
        targets,
      },
      w.witness,
      w.note,
    );
    if (!creates) return;
  }
  if (creates && after && p.after) {
    const e = policyEffects(after);
    const newPolicy = asPolicy(p.after, p.address);
    const direction: Direction =
      targets.length === 0
        ? "neutral"
        : e.denies
          ? "tightens"
          : e.allows && !e.fullAccess
            ? "weakens"
            : "neutral";
    const prims: PrimitiveChange[] = targets.map((t) => ({ kind: "attach", policy: newPolicy, targetId: t }));
    ctx.primitives.push(...prims);
    const { chain, accountId, real } = await chainFor(ctx, type, targets[0], undefined);
    const attachAt: PrimitiveChange[] = real
      ? prims
      : [
          {
            kind: "attach",
            policy: newPolicy,
            targetId: chain.levels[chain.levels.length > 2 ? 1 : 0]?.target.id ?? "",
          },
        ];
    const w = await witnessFor(ctx, direction, chain, attachAt, accountId, real, []);
    push(
      ctx,
      {
        address: p.address,
        resourceIndex: p.index,
        kind: "policy_unexpected",
        direction,
        severity: direction === "neutral" ? "info" : direction === "weakens" ? "medium" : "low",
        policy: policyRef,
        explanation: `New ${policyKindOf(type)} ${name}${targets.length ? ` attached to ${targets.join(", ")}` : ", attached nowhere in this plan"}: ${e.denies ? "it adds Deny statements" : e.allows ? "it is an allow-list" : "it has no statement that restricts"}.`,
        targets,
      },
      w.witness,
      w.note,
    );
  }
}

/** The document of an attached policy: the plan's, the prior state's, the organization's, or FullAWSAccess by id. */
async function attachedPolicy(
  ctx: Context,
  side: NonNullable<PlanChanges["attachments"][number]["after"]>,
): Promise<Policy | undefined> {
  const inPlan = ctx.plan.policies.find(
    (p) =>
      (side.policyAddress && p.address === side.policyAddress) ||
      (side.policyId && (p.after?.id ?? p.before?.id) === side.policyId),
  );
  const s = inPlan?.after ?? inPlan?.before;
  if (s && inPlan) return asPolicy(s, inPlan.address);
  if (side.policyId) {
    const prior = ctx.plan.priorPolicies.get(side.policyId);
    if (prior?.content) return asPolicy(prior, side.policyId);
    if (side.policyId === "p-FullAWSAccess") return FULL_POLICY("SERVICE_CONTROL_POLICY");
    if (ctx.org) {
      try {
        return (await ctx.org.policyWithTargets(side.policyId, false)).policy;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

async function reviewAttachment(ctx: Context, a: PlanChanges["attachments"][number]): Promise<void> {
  const removed = a.actions.includes("delete") && a.before ? a.before : undefined;
  const added = a.actions.includes("create") && a.after ? a.after : undefined;
  for (const [side, attach] of [
    [removed, false],
    [added, true],
  ] as const) {
    if (!side) continue;
    const policy = await attachedPolicy(ctx, side);
    if (!policy) {
      ctx.notes.push(
        `${a.address}: the document of ${side.policyId ?? side.policyAddress ?? "its policy"} is not known (give --snapshot, --demo or --aws); not classified.`,
      );
      continue;
    }
    const parsed = parse(policy.content, policy.type);
    if (!parsed) continue;
    const e = policyEffects(parsed);
    const full = e.fullAccess && !e.denies;
    let kind: DriftKind;
    let direction: Direction;
    let severity: Severity;
    if (!attach) {
      kind = full ? "full_aws_access_detached" : "attachment_missing";
      direction = e.denies ? "weakens" : e.allows ? "tightens" : "neutral";
      severity = full ? "high" : direction === "weakens" ? "high" : "medium";
    } else {
      kind = "attachment_unexpected";
      direction = e.denies ? "tightens" : e.allows && !full ? "weakens" : "neutral";
      severity = direction === "tightens" ? "low" : direction === "weakens" ? "medium" : "info";
    }
    const prim: PrimitiveChange = attach
      ? { kind: "attach", policy, targetId: side.targetId }
      : { kind: "detach", policyId: policy.id, policyType: policy.type, targetId: side.targetId };
    ctx.primitives.push(prim);
    const { chain, accountId, real } = await chainFor(
      ctx,
      policy.type,
      side.targetId,
      attach ? undefined : policy,
    );
    const w = await witnessFor(ctx, direction, chain, [prim], accountId, real, []);
    push(
      ctx,
      {
        address: a.address,
        resourceIndex: a.index,
        kind,
        direction,
        severity,
        policy: { name: policy.name, id: policy.id, type: policy.type },
        explanation: `${policy.name} ${attach ? "attached to" : "detached from"} ${side.targetId}${
          full && !attach
            ? ": nothing below it is allowed unless another Allow replaces it"
            : e.denies
              ? attach
                ? ": its Deny statements apply there"
                : ": its Deny statements no longer apply there"
              : ""
        }.`,
        targets: [side.targetId],
      },
      w.witness,
      w.note,
    );
  }
}

/** Reviews the plan's SCP and RCP changes. */
export async function reviewPlan(
  plan: PlanChanges,
  org?: OrganizationService,
  now = new Date(),
): Promise<PlanReview> {
  const docs = [
    ...plan.policies.flatMap((p) => [p.before?.content, p.after?.content]),
    ...[...plan.priorPolicies.values()].map((p) => p.content),
  ].filter((c): c is string => typeof c === "string");
  const services = servicesMentioned(docs.flatMap((d) => mentionedInDocument(d).actions));
  const [iam] = await Promise.all([
    loadIamIndex([...services, "s3", "ec2", "sqs", "iam"]),
    primeCatalogue({ services: [...services, "s3", "ec2", "sqs", "iam"] }),
  ]);
  const ctx: Context = {
    plan,
    org,
    iam,
    now,
    findings: [],
    cosmetic: [],
    notes: [...plan.notes],
    primitives: [],
  };
  for (const p of plan.policies) await reviewPolicy(ctx, p);
  for (const a of plan.attachments) await reviewAttachment(ctx, a);
  const reviewed = plan.policies.length + plan.attachments.length;
  if (reviewed === 0)
    ctx.notes.unshift(
      "The plan changes no aws_organizations_policy (SCP or RCP) and no aws_organizations_policy_attachment: nothing to review.",
    );
  const rank = { weakens: 0, tightens: 1, neutral: 2 } as const;
  const sev = { critical: 0, high: 1, medium: 2, low: 3, info: 4 } as const;
  ctx.findings.sort(
    (x, y) =>
      rank[x.direction] - rank[y.direction] ||
      sev[x.severity] - sev[y.severity] ||
      x.resourceIndex - y.resourceIndex,
  );
  return {
    terraformVersion: plan.terraformVersion,
    findings: ctx.findings,
    cosmetic: ctx.cosmetic,
    reviewed,
    notes: ctx.notes,
    primitives: ctx.primitives,
  };
}
