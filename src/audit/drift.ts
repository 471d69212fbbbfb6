/**
 * compare_scp_config: the baseline against the organization, inside the allowed scope. Loads the
 * organization's view of each policy type the baseline names, then compares each baseline policy
 * (drift-kinds.ts, one function per finding kind), reports the organization's policies the
 * baseline does not name, and ranks what it found.
 */
import { notInScope, UserError } from "../errors.js";
import type { Policy } from "../model/organization.js";
import type { OrganizationService } from "../org/service.js";
import type { PolicyType } from "../model/policy-type.js";
import type { Baseline } from "../policy/baseline-schema.js";
import { rankFindings, type DriftFinding, type DriftKind } from "../policy/diff.js";
import { countBySeverity, type Direction, type Severity } from "../policy/findings.js";
import { loadIamIndex, servicesMentioned, type IamIndex } from "../policy/iam-index.js";
import { mentionedInDocument } from "../policy/lint.js";
import type { CallBudget } from "./budget.js";
import { compareBaselinePolicy, TypeComparison, unexpectedPolicies, type DriftRun } from "./drift-kinds.js";

export interface DriftRequest {
  baseline: Baseline;
  /** Only this policy: a name (case-insensitive) or an organization policy id. */
  policy?: string;
  /** Only differences reaching this OU, account or root (inside the allowed scope). */
  scopeId?: string;
  /** The IAM index for wildcard comparisons; loaded for the services involved when absent; "none" skips it. */
  iam?: IamIndex | "none";
  /** The call's time budget: baseline policies not reached within it are listed in `notCompared`. */
  budget?: CallBudget;
}

export interface DriftReport {
  findings: DriftFinding[];
  summary: {
    total: number;
    bySeverity: Record<Severity, number>;
    byDirection: Record<Direction, number>;
    byKind: Partial<Record<DriftKind, number>>;
  };
  compared: {
    policyTypes: PolicyType[];
    baselinePolicies: number;
    organizationPolicies: number;
    matchedPolicies: number;
  };
  scopeId: string | null;
  accountsInScope: number;
  /** Things that could not be compared (an organization policy whose document does not parse...). */
  notes: string[];
  /** Baseline policies (and "unexpected policies" checks) not reached within the call's time budget. */
  notCompared: string[];
  /** Baseline policies compared. */
  comparedPolicies: string[];
}

/** Service prefixes in the actions of documents (objects or JSON text). */
function servicesOf(docs: readonly (string | object)[]): string[] {
  return servicesMentioned(docs.flatMap((d) => mentionedInDocument(d).actions));
}

export async function computeDrift(org: OrganizationService, req: DriftRequest): Promise<DriftReport> {
  const { baseline } = req;
  const filter = req.policy?.trim();
  if (req.scopeId !== undefined) await org.assertInScope(req.scopeId);
  const types = comparedTypes(baseline);
  const notes: string[] = [];
  const managementAccountId = await managementAccount(org, notes);
  const views = await Promise.all(types.map((t) => org.loadOrganization(t)));
  // What the comparison may name: a policy attached only outside the scope is absent, exactly as
  // if it did not exist (its id, its document and its effects stay out of every answer).
  const visible = await Promise.all(views.map((v) => org.visiblePolicies(v)));
  const run: DriftRun = {
    scopeId: req.scopeId,
    filter: filter?.toLowerCase(),
    options: baseline.options,
    managementAccountId,
    iam: await iamIndexFor(req, visible),
    findings: [],
    notes,
    filterMatched: false,
    matchedPolicies: 0,
    ignoredTargets: 0,
  };
  const scopeAccounts = new Set<string>();
  const notCompared: string[] = [];
  const comparedPolicies: string[] = [];
  // Policy by policy, yielding to the event loop between slices, until the budget runs out.
  const meter = req.budget?.meter();
  const stop = async (): Promise<boolean> => notCompared.length > 0 || (meter ? await meter.next() : false);
  for (const [i, view] of views.entries()) {
    const cmp = new TypeComparison(run, view, visible[i] ?? new Map());
    for (const a of cmp.accounts) scopeAccounts.add(a);
    const named = baseline.policies.filter((p) => p.type === view.policyType);
    for (const bp of named) {
      if (await stop()) notCompared.push(bp.name);
      else {
        compareBaselinePolicy(cmp, bp);
        comparedPolicies.push(bp.name);
      }
    }
    if (baseline.options.reportUnexpectedPolicies) {
      if (await stop()) notCompared.push(`(${view.policyType} policies not in the baseline)`);
      else unexpectedPolicies(cmp, new Set(named.map((p) => p.name.toLowerCase())));
    }
  }
  meter?.stop();
  if (filter !== undefined && !run.filterMatched && notCompared.length === 0) {
    // The words of every other id the scope does not show (errors.ts), so a hidden policy's name
    // or id gets the answer a name that exists nowhere gets.
    throw notInScope(`policy named or with id "${filter}"`, await org.allowedIds(), "in the baseline or ");
  }
  if (run.ignoredTargets > 0) {
    notes.push(
      `${run.ignoredTargets} target(s) of the baseline name nothing within this server's scope (they do not exist, or they are outside the allowed scope): they were not compared.`,
    );
  }
  const ranked = rankFindings(run.findings);
  return {
    findings: ranked,
    summary: summarize(ranked),
    compared: {
      policyTypes: types,
      baselinePolicies: baseline.policies.length,
      organizationPolicies: visible.reduce((n, v) => n + v.size, 0),
      matchedPolicies: run.matchedPolicies,
    },
    scopeId: req.scopeId ?? null,
    accountsInScope: scopeAccounts.size,
    notes,
    notCompared,
    comparedPolicies,
  };
}

/** Only the policy types the baseline names are compared (SCPs for an empty baseline). */
function comparedTypes(baseline: Baseline): PolicyType[] {
  const types: PolicyType[] = [...new Set(baseline.policies.map((p) => p.type))];
  return types.length ? types : ["SERVICE_CONTROL_POLICY"];
}

/**
 * The management account, which no SCP or RCP reaches. A temporary failure must not silently count
 * it as affected: it fails the call as retryable. A lasting one (e.g. no permission) is said in the notes.
 */
async function managementAccount(org: OrganizationService, notes: string[]): Promise<string | undefined> {
  try {
    return (await org.describeOrganization()).managementAccountId;
  } catch (error) {
    if (error instanceof UserError && error.retryable) throw error;
    notes.push(
      `The management account could not be identified (${error instanceof Error ? error.message : String(error)}); SCPs never apply to it, but it may be counted among the affected accounts.`,
    );
    return undefined;
  }
}

/** The IAM index for wildcard comparisons, for the services the documents mention. */
async function iamIndexFor(
  req: DriftRequest,
  policies: readonly ReadonlyMap<string, Policy>[],
): Promise<IamIndex | undefined> {
  if (req.iam === "none") return undefined;
  if (req.iam !== undefined) return req.iam;
  const docs = [
    ...req.baseline.policies.map((p) => p.content),
    ...policies.flatMap((m) => [...m.values()].map((p) => p.content)),
  ];
  return loadIamIndex(servicesOf(docs));
}

function summarize(ranked: readonly DriftFinding[]): DriftReport["summary"] {
  const byKind: Partial<Record<DriftKind, number>> = {};
  const byDirection: Record<Direction, number> = { weakens: 0, tightens: 0, neutral: 0 };
  for (const f of ranked) {
    byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
    byDirection[f.direction]++;
  }
  return { total: ranked.length, bySeverity: countBySeverity(ranked), byDirection, byKind };
}
