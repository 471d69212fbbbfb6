/**
 * compare_scp_config: the baseline against the organization, inside the allowed scope. Resolves the
 * baseline's targets (ids or OU paths) against the organization, gathers the actual policies and
 * attachments, diffs documents (src/policy/diff.ts) and counts the accounts each difference reaches.
 */
import { notFound, UserError } from "../errors.js";
import { targetKindOf } from "../model/ids.js";
import type { OrganizationService, OrganizationView, ViewNode } from "../org/service.js";
import type { Policy } from "../model/organization.js";
import type { PolicyType } from "../model/policy-type.js";
import type { Baseline, BaselinePolicy } from "../policy/baseline-schema.js";
import {
  diffPolicyDocuments,
  fingerprint,
  policyEffects,
  rankFindings,
  severityWithReach,
  type ContentChange,
  type DriftFinding,
  type DriftKind,
  type FindingTarget,
} from "../policy/diff.js";
import { countBySeverity, type Direction, type Severity } from "../policy/findings.js";
import { loadIamIndex, servicesMentioned, type IamIndex } from "../policy/iam-index.js";
import { mentionedInDocument } from "../policy/lint.js";
import { parsePolicy, parsePolicyCached, type ParsedPolicy } from "../policy/parse.js";
import { policyKindOf } from "../model/policy-type.js";

export interface DriftRequest {
  baseline: Baseline;
  /** Only this policy: a name (case-insensitive) or an organization policy id. */
  policy?: string;
  /** Only differences reaching this OU, account or root (inside the allowed scope). */
  scopeId?: string;
  /** The IAM index for wildcard comparisons; loaded for the services involved when absent; "none" skips it. */
  iam?: IamIndex | "none";
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
}

const FULL_ACCESS_NAMES = new Set(["fullawsaccess", "rcpfullawsaccess"]);

/** The view of one policy type, indexed for target resolution and reach. */
class Tree {
  readonly children = new Map<string, ViewNode[]>();
  readonly roots: ViewNode[] = [];

  constructor(readonly view: OrganizationView) {
    for (const node of [...view.containers.values(), ...view.accounts.values()]) {
      if (node.parentId === null) this.roots.push(node);
      else {
        const siblings = this.children.get(node.parentId);
        if (siblings) siblings.push(node);
        else this.children.set(node.parentId, [node]);
      }
    }
  }

  node(id: string): ViewNode | undefined {
    return this.view.accounts.get(id) ?? this.view.containers.get(id);
  }

  path(id: string): string {
    const names: string[] = [];
    for (let n = this.node(id); n; n = n.parentId === null ? undefined : this.node(n.parentId))
      names.unshift(n.name);
    return names.join("/");
  }

  ancestors(id: string): string[] {
    const out: string[] = [];
    for (let n = this.node(id); n?.parentId; n = this.node(n.parentId)) out.unshift(n.parentId);
    return out;
  }

  /** The node and everything below it that is in the view. */
  subtree(id: string): string[] {
    const out: string[] = [];
    const walk = (x: string): void => {
      out.push(x);
      for (const c of this.children.get(x) ?? []) walk(c.id);
    };
    if (this.node(id)) walk(id);
    return out;
  }

  accountsUnder(id: string): string[] {
    return this.subtree(id).filter((x) => this.view.accounts.has(x));
  }

  target(id: string): FindingTarget {
    const n = this.node(id);
    return { id, type: n?.type ?? targetKindOf(id) ?? "ROOT", name: n?.name ?? id, path: this.path(id) };
  }

  /** Policies attached directly to a target of the view. */
  attached(id: string): Policy[] {
    return (this.view.attachments.get(id) ?? []).flatMap((pid) => {
      const p = this.view.policies.get(pid);
      return p ? [p] : [];
    });
  }

  /** Targets of the view a policy is attached to. */
  attachmentsOf(policyId: string): string[] {
    return [...this.view.attachments].filter(([, ids]) => ids.includes(policyId)).map(([t]) => t);
  }
}

interface Resolution {
  ids: Set<string>;
  unresolved: string[];
}

async function resolveTargets(
  org: OrganizationService,
  tree: Tree,
  selectors: readonly string[],
): Promise<Resolution> {
  const ids = new Set<string>();
  const unresolved: string[] = [];
  for (const selector of selectors) {
    const exclude = selector.startsWith("!");
    let core = exclude ? selector.slice(1) : selector;
    const recursive = core.endsWith("/**");
    if (recursive) core = core.slice(0, -3);
    let found: string | undefined;
    if (targetKindOf(core)) {
      if (tree.node(core)) found = core;
      else {
        try {
          // Visible ids are all in the view; an id outside the scope is not ours to report on.
          await org.isVisible(core);
        } catch (error) {
          if (error instanceof UserError && error.code === "not_found") unresolved.push(selector);
          else throw error;
        }
      }
    } else {
      const segments = core.split("/").map((s) => s.trim());
      const first = segments.shift() ?? "";
      let cursor: ViewNode | undefined = tree.roots.find((r) => r.name === first || r.id === first);
      if (!cursor) {
        if (tree.roots.some((r) => r.inScope)) unresolved.push(selector);
      } else {
        for (const [i, name] of segments.entries()) {
          const kids: ViewNode[] = tree.children.get(cursor.id) ?? [];
          const last = i === segments.length - 1;
          const next: ViewNode | undefined =
            kids.find((k) => k.type !== "ACCOUNT" && k.name === name) ??
            (last ? kids.find((k) => k.type === "ACCOUNT" && k.name === name) : undefined);
          if (!next) {
            // Below an in-scope node the view is complete, so the name does not exist; above the
            // scope, it may just be outside it.
            if (cursor.inScope) unresolved.push(selector);
            cursor = undefined;
            break;
          }
          cursor = next;
        }
        found = cursor?.id;
      }
    }
    if (!found) continue;
    for (const id of recursive ? tree.subtree(found) : [found]) {
      if (exclude) ids.delete(id);
      else ids.add(id);
    }
  }
  return { ids, unresolved };
}

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

/** Service prefixes in the actions of documents (objects or JSON text). */
function servicesOf(docs: readonly (string | object)[]): string[] {
  return servicesMentioned(docs.flatMap((d) => mentionedInDocument(d).actions));
}

export async function computeDrift(org: OrganizationService, req: DriftRequest): Promise<DriftReport> {
  const { baseline } = req;
  const filter = req.policy?.trim();
  const filterLower = filter?.toLowerCase();
  if (req.scopeId !== undefined) await org.assertInScope(req.scopeId);

  const types: PolicyType[] = [...new Set(baseline.policies.map((p) => p.type))];
  if (types.length === 0) types.push("SERVICE_CONTROL_POLICY");

  const findings: DriftFinding[] = [];
  const notes: string[] = [];
  let organizationPolicies = 0;
  let matchedPolicies = 0;
  let filterMatched = false;
  const scopeAccounts = new Set<string>();
  // A temporary failure must not silently count the management account as affected: fail the
  // call as retryable. A lasting one (e.g. no permission) is said in the notes.
  const managementAccountId = await org
    .describeOrganization()
    .then((o) => o.managementAccountId)
    .catch((error: unknown) => {
      if (error instanceof UserError && error.retryable) throw error;
      notes.push(
        `The management account could not be identified (${error instanceof Error ? error.message : String(error)}); SCPs never apply to it, but it may be counted among the affected accounts.`,
      );
      return undefined;
    });

  const views = await Promise.all(types.map((t) => org.loadOrganization(t)));
  let iam: IamIndex | undefined;
  if (req.iam === undefined) {
    const docs = [
      ...baseline.policies.map((p) => p.content),
      ...views.flatMap((v) => [...v.policies.values()].map((p) => p.content)),
    ];
    iam = await loadIamIndex(servicesOf(docs));
  } else if (req.iam !== "none") iam = req.iam;

  for (const view of views) {
    const type = view.policyType;
    const tree = new Tree(view);
    organizationPolicies += view.policies.size;

    // What the requested scope covers: the node, what lies below it and its ancestors (their
    // policies are inherited by it); accounts are counted below it only.
    let reportable: (id: string) => boolean;
    let accounts: Set<string>;
    const above = new Set(req.scopeId !== undefined ? tree.ancestors(req.scopeId) : []);
    if (req.scopeId !== undefined) {
      const below = new Set(tree.subtree(req.scopeId));
      reportable = (id) => (tree.node(id)?.inScope ?? false) && (below.has(id) || above.has(id));
      accounts = new Set(tree.accountsUnder(req.scopeId));
    } else {
      reportable = (id) => tree.node(id)?.inScope ?? false;
      accounts = new Set(view.accounts.keys());
    }
    // SCPs and RCPs never apply to the management account: it is never "affected".
    if (managementAccountId !== undefined) accounts.delete(managementAccountId);
    for (const a of accounts) scopeAccounts.add(a);
    // Attachments whose policies reach the requested scope (with no scope: every visible one).
    const concerns = (targetIds: readonly string[]): boolean =>
      req.scopeId === undefined || targetIds.some((t) => reportable(t) || above.has(t));
    const reachSet = (targetIds: Iterable<string>): Set<string> => {
      const set = new Set<string>();
      for (const t of targetIds) for (const a of tree.accountsUnder(t)) if (accounts.has(a)) set.add(a);
      return set;
    };
    const reach = (targetIds: Iterable<string>): number => reachSet(targetIds).size;
    const atRoot = (targetIds: Iterable<string>): boolean =>
      [...targetIds].some((t) => tree.node(t)?.type === "ROOT");

    const byName = new Map<string, Policy>();
    for (const p of view.policies.values()) byName.set(p.name, p);
    const findActual = (name: string): Policy | undefined =>
      byName.get(name) ??
      [...view.policies.values()].find((p) => p.name.toLowerCase() === name.toLowerCase());

    const push = (
      f: Omit<DriftFinding, "id" | "severity" | "targets" | "accountsAffected"> & {
        severity: Severity;
        targetIds: string[];
        reachIds?: string[];
        /** Overrides the count from reachIds/targetIds. */
        accounts?: number;
      },
    ): void => {
      const { targetIds, reachIds, accounts: accountCount, ...rest } = f;
      const targets = targetIds.filter(reportable).map((t) => tree.target(t));
      const severity = severityWithReach(f.severity, f.direction, atRoot(reachIds ?? targetIds));
      findings.push({
        ...rest,
        id: fingerprint([
          f.kind,
          f.policy.type,
          f.policy.name,
          targets.map((t) => t.id),
          f.statement,
          f.element,
          f.condition,
          f.difference,
        ]),
        severity,
        targets,
        accountsAffected: accountCount ?? reach(reachIds ?? targetIds),
      });
    };

    const baselinePolicies = baseline.policies.filter((p) => p.type === type);
    const named = new Set(baselinePolicies.map((p) => p.name.toLowerCase()));

    for (const bp of baselinePolicies) {
      const actual = findActual(bp.name);
      if (
        filterLower !== undefined &&
        bp.name.toLowerCase() !== filterLower &&
        actual?.id.toLowerCase() !== filterLower
      )
        continue;
      filterMatched = true;
      const policyRef = { name: bp.name, type, id: actual?.id ?? null, baselineIndex: bp.index };
      const expectedDoc = parseExpected(bp);
      const expectedEffects = policyEffects(expectedDoc);
      const { ids: expectedIds, unresolved } = await resolveTargets(org, tree, bp.targets);
      const expected = [...expectedIds];
      const expectedReportable = expected.filter(reportable);

      for (const selector of unresolved) {
        push({
          kind: "target_unresolved",
          severity: "medium",
          direction: "neutral",
          policy: policyRef,
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

      if (!actual) {
        if (expectedReportable.length === 0 && (bp.targets.length > 0 || req.scopeId !== undefined)) continue;
        const weakens = expectedEffects.denies;
        push({
          kind: "policy_missing",
          severity: weakens ? "high" : expectedEffects.fullAccess ? "high" : "medium",
          direction: weakens ? "weakens" : "tightens",
          policy: policyRef,
          targetIds: expectedReportable,
          statement: null,
          element: null,
          condition: null,
          path: null,
          expected: { name: bp.name, targets: bp.targets },
          actual: null,
          difference: [bp.name],
          explanation: weakens
            ? `${bp.name} does not exist in the organization: its guardrail protects nothing${
                expectedReportable.length
                  ? ` in the ${expectedReportable.length} target(s) it should be attached to`
                  : ""
              }.`
            : `${bp.name} does not exist in the organization: what it should allow is not allowed where it is expected.`,
        });
        continue;
      }
      matchedPolicies++;

      const attachedAll = tree.attachmentsOf(actual.id);
      // Attached only outside the scope: its document is not the caller's to see, whatever the
      // baseline (possibly the caller's own) expects. Attached nowhere: still compared.
      const hidden =
        attachedAll.length === 0 && (await org.reader.listTargetsForPolicy(actual.id)).length > 0;
      if (attachedAll.length === 0 && expectedReportable.length === 0) {
        if (hidden || req.scopeId !== undefined) continue;
      }
      const attachedReportable = attachedAll.filter(reportable);

      // The document.
      const actualDoc = hidden ? undefined : parseActual(actual);
      if (hidden) {
        notes.push(
          `${actual.name} is attached only outside the allowed scope: its document is not compared; only where the baseline expects it inside the scope is reported.`,
        );
      } else if (!actualDoc) {
        // Not compared is not "no difference": say it as a finding, so CI does not pass on it.
        push({
          kind: "policy_unparseable",
          severity: "high",
          direction: "neutral",
          policy: policyRef,
          targetIds: attachedAll,
          reachIds: attachedAll,
          statement: null,
          element: "document",
          condition: null,
          path: null,
          expected: null,
          actual: { content: actual.content.slice(0, 2000) },
          difference: [],
          explanation: `${actual.name} (${actual.id}): the organization's document could not be parsed here, so it was not compared with the baseline; check it by hand (lint_scp_policy names the problem).`,
        });
      } else if (concerns([...attachedAll, ...expectedReportable])) {
        const changes: ContentChange[] = diffPolicyDocuments(expectedDoc, actualDoc, iam ? { iam } : {});
        for (const c of changes) {
          push({
            kind: c.kind,
            severity: c.severity,
            direction: c.direction,
            policy: policyRef,
            targetIds: attachedAll,
            reachIds: attachedAll,
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

      // The attachments.
      const fullAccess = isFullAccess(actual);
      const attachedSet = new Set(attachedAll);
      // Accounts the policy reaches where it is attached: the same for every missing target.
      let coveredByAttached: Set<string> | undefined;
      for (const t of expectedReportable.filter((x) => !attachedSet.has(x))) {
        if (t === managementAccountId) {
          // SCPs and RCPs never apply to the management account: attaching there changes nothing.
          notes.push(
            `${actual.name}: the baseline expects it on the management account ${t}, where SCPs and RCPs do not apply; not reported.`,
          );
          continue;
        }
        const target = tree.target(t);
        if (fullAccess) {
          const replacement = tree.attached(t).filter((p) => {
            const doc = p.id === actual.id ? undefined : parseActual(p);
            return doc ? policyEffects(doc).allows : false;
          });
          push({
            kind: "full_aws_access_detached",
            severity: replacement.length ? "medium" : "high",
            direction: "tightens",
            policy: policyRef,
            targetIds: [t],
            statement: null,
            element: "attachment",
            condition: null,
            path: null,
            expected: { attachedTo: t },
            actual: { attachedTo: null, otherAllowPolicies: replacement.map((p) => p.name) },
            difference: [t],
            explanation: replacement.length
              ? `${actual.name} is not attached to ${target.path} (${t}); only ${replacement.map((p) => p.name).join(", ")} allow(s) anything there, so everything else is implicitly denied below it.`
              : `${actual.name} is not attached to ${target.path} (${t}) and nothing replaces it: every request in the accounts below is implicitly denied.`,
          });
        } else {
          // A Deny is inherited: accounts below another attachment of the policy are still covered.
          // An Allow is not: every level needs its own.
          const inheritedFrom = expectedEffects.denies
            ? tree.ancestors(t).find((x) => attachedSet.has(x))
            : undefined;
          const covered = expectedEffects.denies
            ? (coveredByAttached ??= reachSet(attachedAll))
            : new Set<string>();
          const uncovered = [...reachSet([t])].filter((a) => !covered.has(a)).length;
          const weakens = expectedEffects.denies && inheritedFrom === undefined;
          if (
            inheritedFrom !== undefined ||
            (expectedEffects.denies && uncovered === 0 && attachedAll.length > 0)
          ) {
            push({
              kind: "attachment_missing",
              severity: "low",
              direction: "neutral",
              policy: policyRef,
              targetIds: [t],
              accounts: 0,
              statement: null,
              element: "attachment",
              condition: null,
              path: null,
              expected: { attachedTo: t },
              actual: { attachedTo: null, inheritedFrom: inheritedFrom ?? null },
              difference: [t],
              explanation:
                inheritedFrom !== undefined
                  ? `${actual.name} is not attached to ${target.path} (${t}) but still applies there, inherited from ${tree.path(inheritedFrom)} (${inheritedFrom}).`
                  : `${actual.name} is not attached to ${target.path} (${t}), but it is attached below it wherever there are accounts, so every account is still covered.`,
            });
            continue;
          }
          push({
            kind: "attachment_missing",
            severity: weakens ? "high" : "medium",
            direction: weakens ? "weakens" : "tightens",
            policy: policyRef,
            targetIds: [t],
            accounts: uncovered,
            statement: null,
            element: "attachment",
            condition: null,
            path: null,
            expected: { attachedTo: t },
            actual: { attachedTo: null },
            difference: [t],
            explanation: weakens
              ? `${actual.name} is not attached to ${target.path} (${t}): its guardrail does not apply there.`
              : `${actual.name} is not attached to ${target.path} (${t}): what it allows is not allowed there.`,
          });
        }
      }
      if (baseline.options.reportUnexpectedAttachments) {
        for (const t of attachedReportable.filter((x) => !expectedIds.has(x))) {
          const target = tree.target(t);
          const effects = actualDoc ? policyEffects(actualDoc) : { allows: false, denies: false, fullAccess };
          let direction: Direction = "neutral";
          let severity: Severity = "info";
          let why = "the baseline does not list it there";
          if (effects.allows) {
            const otherFull = tree.attached(t).some((p) => p.id !== actual.id && isFullAccess(p));
            if (!otherFull) {
              direction = "weakens";
              severity = fullAccess ? "high" : "medium";
              why = "it allows more there than the baseline expects";
            } else why = "FullAWSAccess is attached there as well, so it changes nothing";
          } else if (effects.denies) {
            direction = "tightens";
            severity = "low";
            why = "its guardrail applies there although the baseline does not expect it";
          }
          push({
            kind: "attachment_unexpected",
            severity,
            direction,
            policy: policyRef,
            targetIds: [t],
            statement: null,
            element: "attachment",
            condition: null,
            path: null,
            expected: { attachedTo: null },
            actual: { attachedTo: t },
            difference: [t],
            explanation: `${actual.name} is attached to ${target.path} (${t}): ${why}.`,
          });
        }
      }
    }

    if (baseline.options.reportUnexpectedPolicies) {
      for (const p of view.policies.values()) {
        if (p.awsManaged || named.has(p.name.toLowerCase())) continue;
        if (
          filterLower !== undefined &&
          p.name.toLowerCase() !== filterLower &&
          p.id.toLowerCase() !== filterLower
        )
          continue;
        filterMatched = true;
        const attachedAll = tree.attachmentsOf(p.id);
        const attachedReportable = attachedAll.filter(reportable);
        if (req.scopeId !== undefined && !concerns(attachedAll)) continue;
        if (attachedAll.length === 0 && (await org.reader.listTargetsForPolicy(p.id)).length > 0) continue;
        const doc = parseActual(p);
        const effects = doc ? policyEffects(doc) : { allows: false, denies: false, fullAccess: false };
        const attached = attachedAll.length > 0;
        const direction: Direction = !attached
          ? "neutral"
          : effects.allows
            ? "weakens"
            : effects.denies
              ? "tightens"
              : "neutral";
        const severity: Severity = !attached
          ? "info"
          : effects.allows
            ? effects.fullAccess
              ? "high"
              : "medium"
            : "low";
        push({
          kind: "policy_unexpected",
          severity,
          direction,
          policy: { name: p.name, type, id: p.id, baselineIndex: null },
          targetIds: attachedAll,
          statement: null,
          element: null,
          condition: null,
          path: null,
          expected: null,
          actual: { name: p.name, id: p.id, attachedTo: attachedReportable },
          difference: [p.name],
          explanation: attached
            ? `${p.name} (${p.id}) is not in the baseline but is attached to ${attachedReportable.length} target(s) in scope${
                effects.allows ? ": it may allow more than the baseline expects" : ""
              }.`
            : `${p.name} (${p.id}) is not in the baseline and is attached nowhere.`,
        });
      }
    }
  }

  if (filter !== undefined && !filterMatched) {
    throw notFound(
      `No policy named or with id "${filter}" in the baseline or the organization (within the scope).`,
    );
  }
  const ranked = rankFindings(findings);
  const byKind: Partial<Record<DriftKind, number>> = {};
  const byDirection: Record<Direction, number> = { weakens: 0, tightens: 0, neutral: 0 };
  for (const f of ranked) {
    byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
    byDirection[f.direction]++;
  }
  return {
    findings: ranked,
    summary: { total: ranked.length, bySeverity: countBySeverity(ranked), byDirection, byKind },
    compared: {
      policyTypes: types,
      baselinePolicies: baseline.policies.length,
      organizationPolicies,
      matchedPolicies,
    },
    scopeId: req.scopeId ?? null,
    accountsInScope: scopeAccounts.size,
    notes,
  };
}
