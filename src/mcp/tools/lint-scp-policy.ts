import { z } from "zod";
import { incomplete } from "../../audit/budget.js";
import { lintDocument, lintOrganizationPolicy, MAX_FINDINGS_PER_RULE } from "../../audit/lint-policy.js";
import { policyIdSchema } from "../../model/ids.js";
import { SEVERITIES } from "../../policy/findings.js";
import { LINT_RULE_IDS, type LintFinding, type LintResult } from "../../policy/lint.js";
import {
  count as formatCount,
  MAX_CONDITION_KEYS,
  MAX_CONDITION_VALUES,
  MAX_DOCUMENT_CHARS,
  MAX_ELEMENT_ENTRIES,
  MAX_STATEMENTS,
} from "../../policy/limits.js";
import { textLines } from "../text.js";
import { defineTool } from "../define-tool.js";
import { describeIncomplete, incompleteSchema } from "../incomplete.js";
import { PAGE_SIZES, pageLine, pageSchema, paginate, pagingInput, sizeOf } from "../paging.js";
import { requireOrg } from "../require-org.js";
import { strictObject } from "../strict-input.js";
import { count, policyTypeSchema } from "../schemas.js";
import { MAX_OU_DEPTH, POLICIES_PER_TARGET_TEXT, POLICY_SIZE_LIMITS } from "../../policy/quotas.js";

export const severitySchema = z.enum(SEVERITIES);

export const lintFindingSchema = z.object({
  ruleId: z.enum(LINT_RULE_IDS).describe("stable rule id (docs/baseline.md, Lint rules)"),
  severity: severitySchema,
  message: z.string(),
  location: z.object({
    statementIndex: count.nullable(),
    sid: z.string().nullable(),
    element: z.string().nullable().describe("Action, NotAction, Resource, Condition, Principal..."),
    path: z.string().describe('e.g. Statement[0].Condition["ArnNotLike"]["aws:PrincipalArn"]'),
    line: count.nullable().describe("1-based line in the document text"),
    column: count.nullable(),
  }),
  suggestedFix: z.string().nullable(),
});

export const bySeveritySchema = z.object({
  critical: count,
  high: count,
  medium: count,
  low: count,
  info: count,
});

/** The lint part of a policy's view (also shown by get_scp_detail). */
export const lintViewSchema = z.object({
  findings: z
    .array(lintFindingSchema)
    .describe(`most severe first; at most ${MAX_FINDINGS_PER_RULE} per rule (omitted counts the others)`),
  bySeverity: bySeveritySchema.describe("all findings"),
  omitted: z.record(z.string(), z.number().int()).describe("findings not listed, by rule id"),
  skipped: z.array(z.string()).describe("checks skipped for want of IAM catalogue data"),
});

export function viewLint(result: LintResult): z.infer<typeof lintViewSchema> {
  return {
    findings: result.findings,
    bySeverity: result.bySeverity,
    omitted: { ...result.omitted },
    skipped: result.skipped,
  };
}

/** "… and 12 more unknown_action findings" lines for the findings not listed. */
export function describeOmitted(result: Pick<LintResult, "omitted">): string[] {
  return Object.entries(result.omitted).map(
    ([rule, n]) => `- ... and ${n} more ${rule} finding(s), not listed`,
  );
}

/** Every finding, listed or not. */
export const totalFindings = (result: Pick<LintResult, "bySeverity">): number =>
  Object.values(result.bySeverity).reduce((a, b) => a + b, 0);

export function describeLintFinding(f: LintFinding): string {
  const where =
    f.location.statementIndex !== null
      ? `statement ${f.location.statementIndex}${f.location.sid ? ` (${f.location.sid})` : ""}${
          f.location.element ? `, ${f.location.element}` : ""
        }`
      : (f.location.element ?? "document");
  return `[${f.severity}] ${f.ruleId} at ${where}: ${f.message}${f.suggestedFix ? `\n    fix: ${f.suggestedFix}` : ""}`;
}

const positive = z.number().int().min(1).max(1_000_000);

export const lintScpPolicy = defineTool({
  name: "lint_scp_policy",
  title: "Lint an SCP or RCP",
  description:
    "Checks one policy for mistakes AWS accepts silently that weaken or break a guardrail: actions that do not exist (typos), wildcards matching nothing, condition keys the actions never send, wrong operators, set-operator and Bool traps, region denies that block global services, denies without a break-glass exemption, role ARNs that never match, RCP restrictions, quotas (size, policies per target, OU depth). Give policyId, or document (+ policyType) for a draft. Use it to review a policy.",
  input: {
    policyId: policyIdSchema.optional().describe("an organization policy id (p-...)"),
    document: z
      .union([
        z
          .string()
          .min(1)
          .max(
            MAX_DOCUMENT_CHARS,
            `document is longer than ${formatCount(MAX_DOCUMENT_CHARS)} characters, the limit of lint_scp_policy: a policy is at most ${formatCount(10_240)} characters in AWS; send the policy itself, or split the draft`,
          ),
        z.record(z.string(), z.unknown()),
      ])
      .optional()
      .describe(
        `a draft (JSON text or object); at most ${formatCount(MAX_DOCUMENT_CHARS)} characters, ` +
          `${formatCount(MAX_STATEMENTS)} statements, ${formatCount(MAX_ELEMENT_ENTRIES)} entries per element, ${formatCount(MAX_CONDITION_KEYS)} condition keys per statement, ` +
          `${formatCount(MAX_CONDITION_VALUES)} values per key`,
      ),
    policyType: policyTypeSchema.default("SERVICE_CONTROL_POLICY").describe("the type of `document`"),
    limits: strictObject(
      {
        scpSize: positive.optional(),
        rcpSize: positive.optional(),
        policiesPerTarget: positive.optional(),
        ouDepth: positive.optional(),
      },
      "limits",
    )
      .optional()
      .describe(
        `override quotas: scpSize (default ${POLICY_SIZE_LIMITS.SERVICE_CONTROL_POLICY} characters), ` +
          `rcpSize (${POLICY_SIZE_LIMITS.RESOURCE_CONTROL_POLICY}), policiesPerTarget (${POLICIES_PER_TARGET_TEXT}), ouDepth (${MAX_OU_DEPTH})`,
      ),
    ...pagingInput("findings", PAGE_SIZES.findings),
  },
  refine: (args) =>
    (args.policyId === undefined) === (args.document === undefined)
      ? "give either policyId or document (exactly one)"
      : undefined,
  output: {
    policy: z
      .object({ id: z.string(), name: z.string(), type: policyTypeSchema, awsManaged: z.boolean() })
      .nullable()
      .describe("null for a document"),
    policyType: policyTypeSchema,
    size: z.object({ characters: count, limit: count }),
    findings: z
      .array(lintFindingSchema)
      .describe(`this page, most severe first; at most ${MAX_FINDINGS_PER_RULE} per rule`),
    findingCount: count.describe("all findings"),
    bySeverity: bySeveritySchema.describe("all findings"),
    byRule: z.record(z.string(), count).describe("every finding by ruleId, listed or not"),
    omitted: z.record(z.string(), count).describe("findings not listed, by rule id"),
    skipped: lintViewSchema.shape.skipped,
    page: pageSchema,
    targetsChecked: count.describe("targets whose quotas were checked"),
    incomplete: incompleteSchema,
  },
  handler: async (args, ctx) => {
    const { org } = requireOrg(ctx);
    const limits = args.limits
      ? Object.fromEntries(Object.entries(args.limits).filter(([, v]) => v !== undefined))
      : {};
    let policy: {
      id: string;
      name: string;
      type: z.infer<typeof policyTypeSchema>;
      awsManaged: boolean;
    } | null = null;
    let result: LintResult;
    let targetsChecked = 0;
    const options = { budget: ctx.budget, maxFindingsPerRule: MAX_FINDINGS_PER_RULE };
    if (args.policyId !== undefined) {
      const report = await lintOrganizationPolicy(org, args.policyId, limits, true, options);
      policy = report.policy;
      result = report.result;
      targetsChecked = report.targetsChecked;
    } else {
      result = await lintDocument(args.document ?? "", args.policyType, limits, [], options);
    }
    const view = viewLint(result);
    const stopped = result.stopped
      ? incomplete(ctx.budget.describe(), result.stopped.rulesRun, result.stopped.rulesNotRun)
      : null;
    const byRule: Record<string, number> = { ...result.omitted };
    for (const f of result.findings) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
    const paged = await paginate(
      result.findings,
      {
        tool: "lint_scp_policy",
        args: {
          policyId: args.policyId,
          document: args.document,
          policyType: args.policyType,
          limits: args.limits,
        },
        limit: args.limit,
        cursor: args.cursor,
        what: "findings",
      },
      {
        key: (f) => `${f.ruleId}:${f.location.path}:${f.message}`,
        view: (f) => ({ f, line: `- ${describeLintFinding(f)}` }),
        cost: ({ f, line }) => sizeOf(f, [line]),
      },
    );
    const head = policy
      ? `${policy.name} (${policy.id})`
      : `The ${result.type === "RESOURCE_CONTROL_POLICY" ? "RCP" : "SCP"} document`;
    const severities = SEVERITIES.filter((s) => view.bySeverity[s] > 0)
      .map((s) => `${view.bySeverity[s]} ${s}`)
      .join(", ");
    const rules = Object.entries(byRule)
      .sort((a, b) => b[1] - a[1])
      .map(([rule, n]) => `${rule} ${n}`)
      .join(", ");
    const total = totalFindings(result);
    const summary = textLines([
      `${head}: ${total} finding(s)${total ? ` (${severities}; by rule: ${rules})` : ""}; ${result.size} of ${result.sizeLimit} characters.`,
      ...paged.items.map((v) => v.line),
      ...(paged.page.nextCursor === null ? describeOmitted(result) : []),
      ...(result.skipped.length ? [`Skipped: ${result.skipped.join("; ")}`] : []),
      pageLine(paged, "findings"),
      ...(stopped ? [describeIncomplete(stopped, "Rules run", "Rules not run")] : []),
    ]);
    return {
      summary,
      data: {
        policy,
        policyType: result.type,
        size: { characters: result.size, limit: result.sizeLimit },
        findings: paged.items.map((v) => v.f),
        findingCount: totalFindings(result),
        omitted: view.omitted,
        bySeverity: view.bySeverity,
        byRule,
        skipped: view.skipped,
        page: paged.page,
        targetsChecked,
        incomplete: stopped,
      },
    };
  },
});
