/**
 * The finding kinds of compare_scp_config, one function each, over one policy type's comparison
 * (TypeComparison): what the request's scope covers, how far a difference reaches, and where
 * findings and notes go. drift.ts drives them.
 */
import { UserError } from "../errors.js";
import type { Policy } from "../model/organization.js";
import type { PolicyType } from "../model/policy-type.js";
import { policyKindOf } from "../model/policy-type.js";
import type { OrganizationView } from "../org/service.js";
import type { BaselinePolicy } from "../policy/baseline-schema.js";
import {
  diffPolicyDocuments,
  fingerprint,
  policyEffects,
  severityWithReach,
  type DriftFinding,
} from "../policy/diff.js";
import type { Direction, Severity } from "../policy/findings.js";
import type { IamIndex } from "../policy/iam-index.js";
import { parsePolicy, parsePolicyCached, type ParsedPolicy } from "../policy/parse.js";
import { resolveTargets, Tree } from "./drift-tree.js";

/** What is shared by every policy type of one compare_scp_config call. */
export interface DriftRun {
  scopeId: string | undefined;
  /** The `policy` argument, lower-cased; undefined compares every policy. */
  filter: string | undefined;
  options: { reportUnexpectedPolicies: boolean; reportUnexpectedAttachments: boolean };
  managementAccountId: string | undefined;
  iam: IamIndex | undefined;
  findings: DriftFinding[];
  notes: string[];
  /** Whether any policy of the baseline or the organization matched `filter`. */
  filterMatched: boolean;
  matchedPolicies: number;
  /** Baseline target selectors that name nothing the scope shows (told as a count only). */
  ignoredTargets: number;
}

type PolicyRef = DriftFinding["policy"];
type Effects = ReturnType<typeof policyEffects>;

/** A finding before its id, targets and reach are worked out (TypeComparison.push). */
type FindingDraft = Omit<DriftFinding, "id" | "severity" | "targets" | "accountsAffected"> & {
  severity: Severity;
  targetIds: string[];
  reachIds?: string[];
  /** Overrides the count from reachIds/targetIds. */
  accounts?: number;
};

/** An attachment finding: one target, no statement, and the target as what differs. */
function attachmentDraft(
  t: string,
  fields: Pick<
    FindingDraft,
    "kind" | "severity" | "direction" | "policy" | "expected" | "actual" | "explanation"
  > & {
    accounts?: number;
  },
): FindingDraft {
  const { expected, actual, explanation, accounts, ...head } = fields;
  return {
    ...head,
    targetIds: [t],
    ...(accounts !== undefined ? { accounts } : {}),
    statement: null,
    element: "attachment",
    condition: null,
    path: null,
    expected,
    actual,
    difference: [t],
    explanation,
  };
}

/** A baseline policy as expected: its document and the targets it must be attached to. */
interface Expectation {
  bp: BaselinePolicy;
  ref: PolicyRef;
  doc: ParsedPolicy;
  effects: Effects;
  /** Every target the baseline's selectors name. */
  ids: Set<string>;
  /** Those inside the requested scope. */
  reportable: string[];
  /** The baseline's selectors that may be echoed: all but those naming nothing the scope shows. */
  shownSelectors: string[];
}

/** Where an organization policy is attached, as far as the view shows. */
interface Placement {
  /** Targets of the view (inside the scope or on the path above it). */
  attached: string[];
  /** Those inside the requested scope. */
  reportable: string[];
}

const FULL_ACCESS_NAMES = new Set(["fullawsaccess", "rcpfullawsaccess"]);

/** One policy type's comparison: the view and what the requested scope covers of it. */
export class TypeComparison {
  readonly type: PolicyType;
  readonly tree: Tree;
  /** Accounts a difference can affect: in the requested scope, never the management account. */
  readonly accounts: Set<string>;
  /** Containers above the requested scope (their policies are inherited by it). */
  private readonly above: Set<string>;
  /** The requested scope and what lies below it; undefined without a scopeId. */
  private readonly below: Set<string> | undefined;
  private readonly byName = new Map<string, Policy>();

  constructor(
    readonly run: DriftRun,
    view: OrganizationView,
    /**
     * The organization's policies of the type that the scope shows (OrganizationService.visiblePolicies):
     * one attached only outside it is absent, as if it did not exist.
     */
    readonly policies: ReadonlyMap<string, Policy>,
  ) {
    this.type = view.policyType;
    this.tree = new Tree(view);
    const { scopeId, managementAccountId } = run;
    this.above = new Set(scopeId !== undefined ? this.tree.ancestors(scopeId) : []);
    this.below = scopeId !== undefined ? new Set(this.tree.subtree(scopeId)) : undefined;
    this.accounts = new Set(scopeId !== undefined ? this.tree.accountsUnder(scopeId) : view.accounts.keys());
    // SCPs and RCPs never apply to the management account: it is never "affected".
    if (managementAccountId !== undefined) this.accounts.delete(managementAccountId);
    for (const p of policies.values()) this.byName.set(p.name, p);
  }

  /** A target findings may name: inside the allowed scope, and in or above the requested one. */
  reportable(id: string): boolean {
    const inScope = this.tree.node(id)?.inScope ?? false;
    return this.below === undefined ? inScope : inScope && (this.below.has(id) || this.above.has(id));
  }

  /** Attachments whose policies reach the requested scope (with no scope: every visible one). */
  concerns(targetIds: readonly string[]): boolean {
    return this.run.scopeId === undefined || targetIds.some((t) => this.reportable(t) || this.above.has(t));
  }

  reachSet(targetIds: Iterable<string>): Set<string> {
    const set = new Set<string>();
    for (const t of targetIds)
      for (const a of this.tree.accountsUnder(t)) if (this.accounts.has(a)) set.add(a);
    return set;
  }

  /** The organization's policy of that name: exact, else case-insensitive. */
  findActual(name: string): Policy | undefined {
    return (
      this.byName.get(name) ??
      [...this.policies.values()].find((p) => p.name.toLowerCase() === name.toLowerCase())
    );
  }

  /** True when the `policy` filter (if any) selects this name or id. */
  selects(name: string, id: string | undefined): boolean {
    const { filter } = this.run;
    return filter === undefined || name.toLowerCase() === filter || id?.toLowerCase() === filter;
  }

  push(draft: FindingDraft): void {
    const { targetIds, reachIds, accounts, ...rest } = draft;
    const targets = targetIds.filter((t) => this.reportable(t)).map((t) => this.tree.target(t));
    const atRoot = (reachIds ?? targetIds).some((t) => this.tree.node(t)?.type === "ROOT");
    this.run.findings.push({
      ...rest,
      id: fingerprint([
        draft.kind,
        draft.policy.type,
        draft.policy.name,
        targets.map((t) => t.id),
        draft.statement,
        draft.element,
        draft.condition,
        draft.difference,
      ]),
      severity: severityWithReach(draft.severity, draft.direction, atRoot),
      targets,
      accountsAffected: accounts ?? this.reachSet(reachIds ?? targetIds).size,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Documents

function parseActual(policy: Policy): ParsedPolicy | undefined {
  const r = parsePolicyCached(policy.content, policyKindOf(policy.type));
  return r.ok ? r.policy : undefined;
}

function parseExpected(p: BaselinePolicy): ParsedPolicy {
  const r = parsePolicy(p.content, { kind: policyKindOf(p.type) });
  // The baseline schema has already rejected documents that do not parse.
  if (!r.ok)
    throw new UserError(
      "invalid_input",
      `Baseline policy ${p.name} does not parse: ${r.errors[0]?.message ?? ""}`,
    );
  return r.policy;
}

function isFullAccess(policy: Policy): boolean {
  if (policy.awsManaged && FULL_ACCESS_NAMES.has(policy.name.toLowerCase())) return true;
  const parsed = parseActual(policy);
  if (!parsed) return false;
  const effects = policyEffects(parsed);
  return effects.fullAccess && !effects.denies;
}

// ---------------------------------------------------------------------------------------------
// A baseline policy against the organization

/** Every finding about one baseline policy: its targets, its existence, its document, its attachments. */
export function compareBaselinePolicy(cmp: TypeComparison, bp: BaselinePolicy): void {
  const actual = cmp.findActual(bp.name);
  if (!cmp.selects(bp.name, actual?.id)) return;
  cmp.run.filterMatched = true;
  const expected = expectationOf(cmp, bp, actual);
  for (const selector of expected.unresolved) targetUnresolved(cmp, expected, selector);
  if (!actual) {
    policyMissing(cmp, expected);
    return;
  }
  cmp.run.matchedPolicies++;
  const placed = placementOf(cmp, actual);
  // Attached nowhere (policies attached only outside the scope are not in cmp.policies) and
  // expected nowhere this call asks about.
  if (placed.attached.length === 0 && expected.reportable.length === 0 && cmp.run.scopeId !== undefined)
    return;
  const actualDoc = compareDocument(cmp, expected, actual, placed);
  const fullAccess = isFullAccess(actual);
  missingAttachments(cmp, expected, actual, placed, fullAccess);
  if (cmp.run.options.reportUnexpectedAttachments)
    unexpectedAttachments(cmp, expected, actual, placed, actualDoc, fullAccess);
}

function expectationOf(
  cmp: TypeComparison,
  bp: BaselinePolicy,
  actual: Policy | undefined,
): Expectation & { unresolved: string[] } {
  const doc = parseExpected(bp);
  const { ids, unresolved, ignored } = resolveTargets(cmp.tree, bp.targets);
  cmp.run.ignoredTargets += ignored.length;
  return {
    bp,
    ref: { name: bp.name, type: cmp.type, id: actual?.id ?? null, baselineIndex: bp.index },
    doc,
    effects: policyEffects(doc),
    ids,
    reportable: [...ids].filter((id) => cmp.reportable(id)),
    shownSelectors: bp.targets.filter((t) => !ignored.includes(t)),
    unresolved,
  };
}

function placementOf(cmp: TypeComparison, policy: Policy): Placement {
  const attached = cmp.tree.attachmentsOf(policy.id);
  return { attached, reportable: attached.filter((t) => cmp.reportable(t)) };
}

/** target_unresolved: a selector of the baseline names nothing in the organization. */
function targetUnresolved(cmp: TypeComparison, expected: Expectation, selector: string): void {
  const { bp } = expected;
  cmp.push({
    kind: "target_unresolved",
    severity: "medium",
    direction: "neutral",
    policy: expected.ref,
    targetIds: [],
    statement: null,
    element: "targets",
    condition: null,
    path: `policies[${bp.index}].targets`,
    expected: selector,
    actual: null,
    difference: [selector],
    explanation: `The baseline attaches ${bp.name} to "${selector}", which is not a root, OU or account of this organization: check the id or the path of names.`,
  });
}

/**
 * How a missing policy is told: with part of the organization in scope, a policy attached only
 * outside it is missing too, and the words must fit both.
 */
function absent(cmp: TypeComparison): string {
  return cmp.tree.wholeOrganization
    ? "does not exist in the organization"
    : "is not in the organization within this server's scope (it does not exist, or is attached only outside the scope)";
}

/** policy_missing: the organization has no policy of the baseline's name that the scope shows. */
function policyMissing(cmp: TypeComparison, expected: Expectation): void {
  const { bp, effects, reportable } = expected;
  // Expected only outside the requested scope: not this call's business.
  if (reportable.length === 0 && (bp.targets.length > 0 || cmp.run.scopeId !== undefined)) return;
  const weakens = effects.denies;
  cmp.push({
    kind: "policy_missing",
    severity: weakens || effects.fullAccess ? "high" : "medium",
    direction: weakens ? "weakens" : "tightens",
    policy: expected.ref,
    targetIds: reportable,
    statement: null,
    element: null,
    condition: null,
    path: null,
    expected: { name: bp.name, targets: expected.shownSelectors },
    actual: null,
    difference: [bp.name],
    explanation: weakens
      ? `${bp.name} ${absent(cmp)}: its guardrail protects nothing${
          reportable.length ? ` in the ${reportable.length} target(s) it should be attached to` : ""
        }.`
      : `${bp.name} ${absent(cmp)}: what it should allow is not allowed where it is expected.`,
  });
}

/**
 * The documents: policy_unparseable when the organization's does not parse, else the content kinds
 * of src/policy/diff.ts. Returns the parsed actual document (undefined when it is not compared).
 */
function compareDocument(
  cmp: TypeComparison,
  expected: Expectation,
  actual: Policy,
  placed: Placement,
): ParsedPolicy | undefined {
  const actualDoc = parseActual(actual);
  if (!actualDoc) policyUnparseable(cmp, expected, actual, placed);
  else if (cmp.concerns([...placed.attached, ...expected.reportable]))
    contentChanges(cmp, expected, actual, actualDoc, placed);
  return actualDoc;
}

/** policy_unparseable: not compared is not "no difference", so CI does not pass on it. */
function policyUnparseable(
  cmp: TypeComparison,
  expected: Expectation,
  actual: Policy,
  placed: Placement,
): void {
  cmp.push({
    kind: "policy_unparseable",
    severity: "high",
    direction: "neutral",
    policy: expected.ref,
    targetIds: placed.attached,
    reachIds: placed.attached,
    statement: null,
    element: "document",
    condition: null,
    path: null,
    expected: null,
    actual: { content: actual.content.slice(0, 2000) },
    difference: [],
    explanation: `${actual.name} (${actual.id}): the organization's document could not be parsed here, so it was not compared with the baseline; check it by hand (lint_scp_policy names the problem).`,
  });
}

/** The statement-level kinds (deny_actions_removed, condition_loosened, ...): src/policy/diff.ts. */
function contentChanges(
  cmp: TypeComparison,
  expected: Expectation,
  actual: Policy,
  actualDoc: ParsedPolicy,
  placed: Placement,
): void {
  const { iam } = cmp.run;
  for (const c of diffPolicyDocuments(expected.doc, actualDoc, iam ? { iam } : {})) {
    cmp.push({
      kind: c.kind,
      severity: c.severity,
      direction: c.direction,
      policy: expected.ref,
      targetIds: placed.attached,
      reachIds: placed.attached,
      statement: c.statement,
      element: c.element,
      condition: c.condition,
      path: c.path,
      expected: c.expected,
      actual: c.actual,
      difference: c.difference,
      explanation: `${actual.name}: ${c.explanation}`,
    });
  }
}

/** Every target the baseline expects the policy on that it is not attached to. */
function missingAttachments(
  cmp: TypeComparison,
  expected: Expectation,
  actual: Policy,
  placed: Placement,
  fullAccess: boolean,
): void {
  const attached = new Set(placed.attached);
  // Accounts the policy reaches where it is attached: the same for every missing target.
  let covered: Set<string> | undefined;
  const coveredByAttached = (): Set<string> => (covered ??= cmp.reachSet(placed.attached));
  for (const t of expected.reportable.filter((x) => !attached.has(x))) {
    if (t === cmp.run.managementAccountId) {
      // SCPs and RCPs never apply to the management account: attaching there changes nothing.
      cmp.run.notes.push(
        `${actual.name}: the baseline expects it on the management account ${t}, where SCPs and RCPs do not apply; not reported.`,
      );
    } else if (fullAccess) fullAwsAccessDetached(cmp, expected, actual, t);
    else attachmentMissing(cmp, expected, actual, placed, attached, t, coveredByAttached);
  }
}

/** full_aws_access_detached: the allow-everything policy is missing from a target. */
function fullAwsAccessDetached(cmp: TypeComparison, expected: Expectation, actual: Policy, t: string): void {
  const target = cmp.tree.target(t);
  const replacement = cmp.tree.attached(t).filter((p) => {
    const doc = p.id === actual.id ? undefined : parseActual(p);
    return doc ? policyEffects(doc).allows : false;
  });
  const others = replacement.map((p) => p.name);
  cmp.push(
    attachmentDraft(t, {
      kind: "full_aws_access_detached",
      severity: replacement.length ? "medium" : "high",
      direction: "tightens",
      policy: expected.ref,
      expected: { attachedTo: t },
      actual: { attachedTo: null, otherAllowPolicies: others },
      explanation: replacement.length
        ? `${actual.name} is not attached to ${target.path} (${t}); only ${others.join(", ")} allow(s) anything there, so everything else is implicitly denied below it.`
        : `${actual.name} is not attached to ${target.path} (${t}) and nothing replaces it: every request in the accounts below is implicitly denied.`,
    }),
  );
}

/**
 * attachment_missing: a Deny is inherited, so a target below another attachment (or whose accounts
 * are all covered by attachments below it) is still guarded: low and neutral. An Allow is not
 * inherited: every level needs its own.
 */
function attachmentMissing(
  cmp: TypeComparison,
  expected: Expectation,
  actual: Policy,
  placed: Placement,
  attached: ReadonlySet<string>,
  t: string,
  coveredByAttached: () => Set<string>,
): void {
  const target = cmp.tree.target(t);
  const { denies } = expected.effects;
  const inheritedFrom = denies ? cmp.tree.ancestors(t).find((x) => attached.has(x)) : undefined;
  const covered = denies ? coveredByAttached() : new Set<string>();
  const uncovered = [...cmp.reachSet([t])].filter((a) => !covered.has(a)).length;
  const stillCovered =
    inheritedFrom !== undefined || (denies && uncovered === 0 && placed.attached.length > 0);
  const where = `${actual.name} is not attached to ${target.path} (${t})`;
  cmp.push(
    attachmentDraft(t, {
      kind: "attachment_missing",
      severity: stillCovered ? "low" : denies ? "high" : "medium",
      direction: stillCovered ? "neutral" : denies ? "weakens" : "tightens",
      policy: expected.ref,
      accounts: stillCovered ? 0 : uncovered,
      expected: { attachedTo: t },
      actual: stillCovered
        ? { attachedTo: null, inheritedFrom: inheritedFrom ?? null }
        : { attachedTo: null },
      explanation:
        inheritedFrom !== undefined
          ? `${where} but still applies there, inherited from ${cmp.tree.path(inheritedFrom)} (${inheritedFrom}).`
          : stillCovered
            ? `${where}, but it is attached below it wherever there are accounts, so every account is still covered.`
            : denies
              ? `${where}: its guardrail does not apply there.`
              : `${where}: what it allows is not allowed there.`,
    }),
  );
}

/** What an attachment the baseline does not list does there, by what the policy does. */
const UNEXPECTED_ATTACHMENT: Record<
  "allowsAll" | "allows" | "allowsBesideFullAccess" | "denies" | "inert",
  { direction: Direction; severity: Severity; why: string }
> = {
  allowsAll: {
    direction: "weakens",
    severity: "high",
    why: "it allows more there than the baseline expects",
  },
  allows: { direction: "weakens", severity: "medium", why: "it allows more there than the baseline expects" },
  allowsBesideFullAccess: {
    direction: "neutral",
    severity: "info",
    why: "FullAWSAccess is attached there as well, so it changes nothing",
  },
  denies: {
    direction: "tightens",
    severity: "low",
    why: "its guardrail applies there although the baseline does not expect it",
  },
  inert: { direction: "neutral", severity: "info", why: "the baseline does not list it there" },
};

function attachmentEffect(
  effects: Effects,
  fullAccess: boolean,
  besideFullAccess: () => boolean,
): keyof typeof UNEXPECTED_ATTACHMENT {
  if (effects.allows)
    return besideFullAccess() ? "allowsBesideFullAccess" : fullAccess ? "allowsAll" : "allows";
  return effects.denies ? "denies" : "inert";
}

/** attachment_unexpected: attached inside the scope where the baseline does not list it. */
function unexpectedAttachments(
  cmp: TypeComparison,
  expected: Expectation,
  actual: Policy,
  placed: Placement,
  actualDoc: ParsedPolicy | undefined,
  fullAccess: boolean,
): void {
  const effects = actualDoc ? policyEffects(actualDoc) : { allows: false, denies: false, fullAccess };
  for (const t of placed.reportable.filter((x) => !expected.ids.has(x))) {
    const besideFullAccess = (): boolean =>
      cmp.tree.attached(t).some((p) => p.id !== actual.id && isFullAccess(p));
    const rule = UNEXPECTED_ATTACHMENT[attachmentEffect(effects, fullAccess, besideFullAccess)];
    cmp.push(
      attachmentDraft(t, {
        kind: "attachment_unexpected",
        severity: rule.severity,
        direction: rule.direction,
        policy: expected.ref,
        expected: { attachedTo: null },
        actual: { attachedTo: t },
        explanation: `${actual.name} is attached to ${cmp.tree.target(t).path} (${t}): ${rule.why}.`,
      }),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Organization policies the baseline does not name

/** What a policy the baseline does not name does, by where it is attached and what it allows. */
const UNEXPECTED_POLICY: Record<
  "detached" | "allowsAll" | "allows" | "denies" | "inert",
  { direction: Direction; severity: Severity }
> = {
  detached: { direction: "neutral", severity: "info" },
  allowsAll: { direction: "weakens", severity: "high" },
  allows: { direction: "weakens", severity: "medium" },
  denies: { direction: "tightens", severity: "low" },
  inert: { direction: "neutral", severity: "low" },
};

function policyEffect(attached: boolean, effects: Effects): keyof typeof UNEXPECTED_POLICY {
  if (!attached) return "detached";
  if (effects.allows) return effects.fullAccess ? "allowsAll" : "allows";
  return effects.denies ? "denies" : "inert";
}

/** policy_unexpected: customer-managed policies of the organization the baseline does not name. */
export function unexpectedPolicies(cmp: TypeComparison, named: ReadonlySet<string>): void {
  for (const p of cmp.policies.values()) {
    if (p.awsManaged || named.has(p.name.toLowerCase()) || !cmp.selects(p.name, p.id)) continue;
    cmp.run.filterMatched = true;
    const placed = placementOf(cmp, p);
    if (cmp.run.scopeId !== undefined && !cmp.concerns(placed.attached)) continue;
    policyUnexpected(cmp, p, placed);
  }
}

function policyUnexpected(cmp: TypeComparison, p: Policy, placed: Placement): void {
  const doc = parseActual(p);
  const effects = doc ? policyEffects(doc) : { allows: false, denies: false, fullAccess: false };
  const attached = placed.attached.length > 0;
  const rule = UNEXPECTED_POLICY[policyEffect(attached, effects)];
  cmp.push({
    kind: "policy_unexpected",
    severity: rule.severity,
    direction: rule.direction,
    policy: { name: p.name, type: cmp.type, id: p.id, baselineIndex: null },
    targetIds: placed.attached,
    statement: null,
    element: null,
    condition: null,
    path: null,
    expected: null,
    actual: { name: p.name, id: p.id, attachedTo: placed.reportable },
    difference: [p.name],
    explanation: attached
      ? `${p.name} (${p.id}) is not in the baseline but is attached to ${placed.reportable.length} target(s) in scope${
          effects.allows ? ": it may allow more than the baseline expects" : ""
        }.`
      : `${p.name} (${p.id}) is not in the baseline and is attached nowhere.`,
  });
}
