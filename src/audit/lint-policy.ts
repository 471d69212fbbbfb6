/** lint_scp_policy against the organization: a policy by id, with the quotas of where it is attached. */
import { invalidInput } from "../errors.js";
import { nestedDeeperThan } from "../policy/json-depth.js";
import type { OrganizationService } from "../org/service.js";
import type { PolicyType } from "../model/policy-type.js";
import {
  lintPolicy,
  prepareLint,
  type LintLimits,
  type LintResult,
  type LintTarget,
} from "../policy/lint.js";

/** Quota checks read each target's attachments: bounded, so FullAWSAccess on thousands of accounts stays cheap. */
const MAX_TARGETS_CHECKED = 100;

export interface PolicyLintReport {
  policy: { id: string; name: string; type: PolicyType; awsManaged: boolean } | null;
  result: LintResult;
  /** Targets whose attachment count and OU depth were checked, and those left out (over the bound). */
  targetsChecked: number;
  targetsNotChecked: number;
}

/**
 * A policy document nests a handful of levels (Statement, Condition, operator, key, values). An
 * object nested far deeper would overflow the stack of the recursive walks (JSON.stringify among
 * them), so it is refused first, without recursion. Text documents are parsed by JSON.parse, which copes.
 */
const MAX_DOCUMENT_DEPTH = 64;

/** Lints a document given as text or object. */
export async function lintDocument(
  document: string | object,
  type: PolicyType,
  limits: Partial<LintLimits> = {},
  targets: readonly LintTarget[] = [],
): Promise<LintResult> {
  if (typeof document === "object" && nestedDeeperThan(document, MAX_DOCUMENT_DEPTH)) {
    throw invalidInput(
      `the document is nested more than ${MAX_DOCUMENT_DEPTH} levels deep; a policy document has only a few levels (Statement, Condition, operator, key, values).`,
    );
  }
  const { catalogue, iam } = await prepareLint([document]);
  return lintPolicy(document, { type, catalogue, iam, limits, targets });
}

/** Lints an organization policy (scope-guarded like get_scp_detail). */
export async function lintOrganizationPolicy(
  org: OrganizationService,
  policyId: string,
  limits: Partial<LintLimits> = {},
  withTargets = true,
): Promise<PolicyLintReport> {
  const { policy, targets } = await org.policyWithTargets(policyId, false);
  const inScope = targets.filter((t) => t.inScope);
  const checked = withTargets ? inScope.slice(0, MAX_TARGETS_CHECKED) : [];
  const lintTargets: LintTarget[] = await Promise.all(
    checked.map(async (t) => {
      const [attached, ancestors] = await Promise.all([
        org.reader.listPoliciesForTarget(t.id, policy.type),
        t.type === "ORGANIZATIONAL_UNIT" ? org.ancestors(t.id) : Promise.resolve(undefined),
      ]);
      return {
        id: t.id,
        type: t.type,
        name: t.name,
        path: t.path,
        attachedPolicies: attached.length,
        ...(ancestors !== undefined ? { ouDepth: ancestors.length } : {}),
      };
    }),
  );
  const result = await lintDocument(policy.content, policy.type, limits, lintTargets);
  return {
    policy: { id: policy.id, name: policy.name, type: policy.type, awsManaged: policy.awsManaged },
    result,
    targetsChecked: checked.length,
    targetsNotChecked: withTargets ? inScope.length - checked.length : 0,
  };
}
