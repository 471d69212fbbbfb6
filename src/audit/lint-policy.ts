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
import { compactJsonLength, count, documentLimitProblem, MAX_DOCUMENT_CHARS } from "../policy/limits.js";
import { offload } from "../offload/pool.js";
import type { CallBudget } from "./budget.js";

/** Quota checks read each target's attachments: bounded, so FullAWSAccess on thousands of accounts stays cheap. */
const MAX_TARGETS_CHECKED = 100;

/**
 * Findings listed per rule in a tool's answer, most severe first; the others are counted, so the
 * answer does not grow with the draft.
 */
export const MAX_FINDINGS_PER_RULE = 10;

/** Documents up to this size are linted on the event loop; larger ones on the worker thread. */
const INLINE_LINT_CHARS = 20_000;

/** Extra time a job on the worker gets past the budget before it is stopped by force. */
const HARD_STOP_GRACE_MS = 2_000;

export interface PolicyLintReport {
  policy: { id: string; name: string; type: PolicyType; awsManaged: boolean } | null;
  result: LintResult;
  /** Targets whose attachment count and OU depth were checked, and those left out (over the bound). */
  targetsChecked: number;
  targetsNotChecked: number;
}

export interface LintCallOptions {
  /** The call's budget: the lint stops at it and says which rules ran. */
  budget?: CallBudget;
  /** Findings listed per rule (default: all, as the CLI reports them). */
  maxFindingsPerRule?: number;
}

/**
 * A policy document nests a handful of levels (Statement, Condition, operator, key, values). An
 * object nested far deeper would overflow the stack of the recursive walks (JSON.stringify among
 * them), so it is refused first, without recursion. Text documents are parsed by JSON.parse, which copes.
 */
const MAX_DOCUMENT_DEPTH = 64;

/**
 * Refuses a document over the limits of src/policy/limits.ts, the same way for text and objects:
 * its size (the text, or the object's compact JSON), its nesting, its statements, its entries per
 * element and its condition keys and values. Returns the document's size.
 */
export function checkDocumentLimits(document: string | object, what = "the document"): number {
  const size =
    typeof document === "string" ? document.length : compactJsonLength(document, MAX_DOCUMENT_CHARS);
  if (size === undefined || size > MAX_DOCUMENT_CHARS) {
    throw invalidInput(
      `${what} is ${size === undefined ? "more than" : count(size)} ${count(MAX_DOCUMENT_CHARS)} characters${
        size === undefined ? " as compact JSON" : ""
      }, over the limit of ${count(MAX_DOCUMENT_CHARS)}: a policy is at most ${count(10_240)} characters in AWS; send the policy itself, or split the draft.`,
    );
  }
  if (typeof document === "object" && nestedDeeperThan(document, MAX_DOCUMENT_DEPTH)) {
    throw invalidInput(
      `${what} is nested more than ${MAX_DOCUMENT_DEPTH} levels deep; a policy document has only a few levels (Statement, Condition, operator, key, values).`,
    );
  }
  let parsed: unknown = document;
  if (typeof document === "string") {
    try {
      parsed = JSON.parse(document);
    } catch {
      return size; // the linter reports the syntax error with its line and column
    }
  }
  const problem = documentLimitProblem(parsed);
  if (problem)
    throw invalidInput(`${what}: ${problem}. Split the statement or the policy, then lint the parts.`);
  return size;
}

/**
 * Lints a document given as text or object, within the call's budget: on the event loop when it
 * is small, else on the worker thread.
 */
export async function lintDocument(
  document: string | object,
  type: PolicyType,
  limits: Partial<LintLimits> = {},
  targets: readonly LintTarget[] = [],
  options: LintCallOptions = {},
): Promise<LintResult> {
  const size = checkDocumentLimits(document);
  const budget = options.budget;
  const budgetMs = budget ? budget.remainingMs() : Number.POSITIVE_INFINITY;
  const maxFindingsPerRule = options.maxFindingsPerRule ?? Number.POSITIVE_INFINITY;
  if (size <= INLINE_LINT_CHARS) {
    const started = performance.now();
    try {
      return await lintNow(document, type, limits, targets, budgetMs, maxFindingsPerRule);
    } finally {
      budget?.charge(performance.now() - started);
    }
  }
  const { value, ms } = await offload(
    "lint",
    [document, type, limits, [...targets], budgetMs, maxFindingsPerRule],
    {
      timeoutMs: (Number.isFinite(budgetMs) ? budgetMs : 60_000) + HARD_STOP_GRACE_MS,
      maxWaitMs: Number.isFinite(budgetMs) ? Math.max(budgetMs, 1_000) : 60_000,
    },
  );
  budget?.charge(ms);
  return value;
}

/**
 * The lint itself, where it runs (the event loop or the worker): loads the catalogue data the
 * document needs, then lints until done or `budgetMs` of its own time has passed.
 */
export async function lintNow(
  document: string | object,
  type: PolicyType,
  limits: Partial<LintLimits>,
  targets: readonly LintTarget[],
  budgetMs: number,
  maxFindingsPerRule: number,
): Promise<LintResult> {
  const { catalogue, iam } = await prepareLint([document]);
  const stopAt = performance.now() + budgetMs;
  const result = lintPolicy(document, {
    type,
    catalogue,
    iam,
    limits,
    targets,
    maxFindingsPerRule,
    shouldStop: () => performance.now() >= stopAt,
  });
  // The parsed document is not sent back from the worker (a structured clone of every node).
  return { ...result, parsed: null };
}

/** Lints an organization policy (scope-guarded like get_scp_detail). */
export async function lintOrganizationPolicy(
  org: OrganizationService,
  policyId: string,
  limits: Partial<LintLimits> = {},
  withTargets = true,
  options: LintCallOptions = {},
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
  const result = await lintDocument(policy.content, policy.type, limits, lintTargets, options);
  return {
    policy: { id: policy.id, name: policy.name, type: policy.type, awsManaged: policy.awsManaged },
    result,
    targetsChecked: checked.length,
    targetsNotChecked: withTargets ? inScope.length - checked.length : 0,
  };
}
