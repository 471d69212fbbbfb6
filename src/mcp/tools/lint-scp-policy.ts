import { z } from "zod";
import { lintDocument, lintOrganizationPolicy } from "../../audit/lint-policy.js";
import { policyIdSchema } from "../../model/ids.js";
import { countBySeverity, SEVERITIES } from "../../policy/findings.js";
import { LINT_RULE_IDS, type LintFinding, type LintResult } from "../../policy/lint.js";
import { textLines } from "../text.js";
import { defineTool } from "../define-tool.js";
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
  findings: z.array(lintFindingSchema),
  bySeverity: bySeveritySchema,
  skipped: z.array(z.string()).describe("checks skipped because the IAM catalogue data was not available"),
});

export function viewLint(result: LintResult): z.infer<typeof lintViewSchema> {
  return { findings: result.findings, bySeverity: countBySeverity(result.findings), skipped: result.skipped };
}

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
    "Checks one policy for mistakes AWS accepts silently but that weaken or break a guardrail: actions or services " +
    "that do not exist (typos), wildcards that match nothing, condition keys the actions never send, the wrong " +
    "operator for a key, set-operator and Bool traps, region denies that block global services, broad denies with " +
    "no break-glass exemption, session or SSO role ARNs that never match, RCP restrictions, and quotas (size, " +
    "policies per target, OU depth). Give policyId for a policy of the organization, or document (+ policyType) to " +
    "check a draft before deploying it. Use it when reviewing a policy or when a guardrail does not seem to work.",
  input: {
    policyId: policyIdSchema.optional().describe("an organization policy id (p-...)"),
    document: z
      .union([z.string().min(1).max(200_000), z.record(z.string(), z.unknown())])
      .optional()
      .describe("a policy document, as JSON text or an object, to lint without the organization"),
    policyType: policyTypeSchema.default("SERVICE_CONTROL_POLICY").describe("the type of `document`"),
    limits: strictObject(
      {
        scpSize: positive
          .optional()
          .describe(`SCP size quota in characters (default ${POLICY_SIZE_LIMITS.SERVICE_CONTROL_POLICY})`),
        rcpSize: positive
          .optional()
          .describe(`RCP size quota in characters (default ${POLICY_SIZE_LIMITS.RESOURCE_CONTROL_POLICY})`),
        policiesPerTarget: positive
          .optional()
          .describe(`policies of the linted type per target (default ${POLICIES_PER_TARGET_TEXT})`),
        ouDepth: positive.optional().describe(`OU nesting levels (default ${MAX_OU_DEPTH})`),
      },
      "limits",
    )
      .optional()
      .describe("override the quotas, e.g. after AWS raises one"),
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
      .describe("the organization policy linted; null for a document"),
    policyType: policyTypeSchema,
    size: z.object({ characters: count, limit: count }),
    findings: z.array(lintFindingSchema).describe("this page, the most severe first"),
    findingCount: count,
    bySeverity: bySeveritySchema,
    byRule: z.record(z.string(), count).describe("findings by ruleId, all pages"),
    skipped: lintViewSchema.shape.skipped,
    page: pageSchema,
    targetsChecked: count.describe("targets whose quotas were checked (policyId only)"),
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
    if (args.policyId !== undefined) {
      const report = await lintOrganizationPolicy(org, args.policyId, limits);
      policy = report.policy;
      result = report.result;
      targetsChecked = report.targetsChecked;
    } else {
      result = await lintDocument(args.document ?? "", args.policyType, limits);
    }
    const view = viewLint(result);
    const byRule: Record<string, number> = {};
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
    const summary = textLines([
      `${head}: ${result.findings.length} finding(s)${result.findings.length ? ` (${severities}; by rule: ${rules})` : ""}; ${result.size} of ${result.sizeLimit} characters.`,
      ...paged.items.map((v) => v.line),
      ...(result.skipped.length ? [`Skipped: ${result.skipped.join("; ")}`] : []),
      pageLine(paged, "findings"),
    ]);
    return {
      summary,
      data: {
        policy,
        policyType: result.type,
        size: { characters: result.size, limit: result.sizeLimit },
        findings: paged.items.map((v) => v.f),
        findingCount: result.findings.length,
        bySeverity: view.bySeverity,
        byRule,
        skipped: view.skipped,
        page: paged.page,
        targetsChecked,
      },
    };
  },
});
