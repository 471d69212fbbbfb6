import { z } from "zod";
import { simulate } from "../../audit/simulate.js";
import { accountIdSchema, awsRegionSchema } from "../../model/ids.js";
import { defineTool } from "../define-tool.js";
import {
  decisionSchema,
  describeLocation,
  evaluationViewSchema,
  viewEvaluation,
} from "../evaluation-view.js";
import { requireOrg } from "../require-org.js";

const contextValue = z.union([z.string().max(2048), z.array(z.string().max(2048)).max(100)]);

export const simulateScpRequest = defineTool({
  name: "simulate_scp_request",
  title: "Would this request be allowed? (SCPs and RCPs)",
  description:
    "Answers whether the organization's SCPs (and RCPs) allow a request from an account: for each action the " +
    "decision (allowed, explicitly_denied, implicitly_denied, depends_on_context), the exact policy and statement " +
    "that denies it or the level that lacks an Allow, and which condition keys would settle an undecided answer. " +
    "Use it to check a planned change or to explain an AccessDenied when you know the action; for a pasted error " +
    "message use analyze_error_log instead. SCPs never grant access: an allowed answer means the organization's " +
    "policies do not block it; IAM policies still have to allow it.",
  input: {
    accountId: accountIdSchema.describe("the 12-digit account the request is made from"),
    actions: z
      .array(z.string().min(3).max(128))
      .min(1)
      .max(50)
      .describe('IAM actions, e.g. ["s3:PutObject"] (no wildcards)'),
    resource: z
      .string()
      .min(1)
      .max(2048)
      .optional()
      .describe("the resource ARN, e.g. arn:aws:s3:::my-bucket/key"),
    principalArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:(iam|sts)::\d{12}:.+$/,
        "expected an IAM role/user ARN or an STS assumed-role ARN",
      )
      .optional()
      .describe("the caller: an IAM role or user ARN, or an assumed-role session ARN"),
    region: awsRegionSchema.optional().describe("the region the request is sent to (aws:RequestedRegion)"),
    context: z
      .record(z.string().min(1).max(256), contextValue)
      .optional()
      .describe(
        'condition keys and values, e.g. {"aws:PrincipalTag/team": "data", "aws:MultiFactorAuthPresent": "true"}',
      ),
    includeRcps: z.boolean().default(true).describe("also evaluate the RCPs of the resource's account"),
    resourceAccountId: accountIdSchema
      .optional()
      .describe("the account that owns the resource, when its ARN does not say (S3 buckets)"),
  },
  output: {
    accountId: z.string(),
    ouPath: z.string(),
    results: z.array(
      z.object({
        action: z.string(),
        decision: decisionSchema,
        knownAction: z
          .boolean()
          .describe("false when the action is not in the IAM catalogue: check the spelling"),
        catalogueMessage: z.string().nullable(),
        scp: evaluationViewSchema,
        rcp: evaluationViewSchema.nullable(),
        rcpAccountId: z.string().nullable(),
        rcpNote: z.string().nullable(),
      }),
    ),
  },
  handler: async (args, ctx) => {
    const { org } = requireOrg(ctx);
    const sim = await simulate(org, {
      accountId: args.accountId,
      actions: args.actions,
      includeRcps: args.includeRcps,
      ...(args.resource ? { resource: args.resource } : {}),
      ...(args.principalArn ? { principalArn: args.principalArn } : {}),
      ...(args.region ? { region: args.region } : {}),
      ...(args.context ? { context: args.context } : {}),
      ...(args.resourceAccountId ? { resourceAccountId: args.resourceAccountId } : {}),
    });
    const results = sim.results.map((r) => ({
      action: r.action,
      decision: r.decision,
      knownAction: r.scp.action.status === "known",
      catalogueMessage:
        r.scp.action.status === "known" ? null : (r.scp.action.message ?? r.scp.action.status),
      scp: viewEvaluation(r.scp),
      rcp: r.rcp ? viewEvaluation(r.rcp) : null,
      rcpAccountId: r.rcpAccountId,
      rcpNote: r.rcpNote,
    }));
    const lines = [`Account ${sim.accountId} (${sim.scpChain.ouPath}):`];
    for (const r of results) {
      lines.push(`- ${r.action}: ${r.decision.replace(/_/g, " ")}`);
      for (const view of [r.scp, r.rcp]) {
        if (!view) continue;
        for (const d of view.deniedBy) lines.push(`  denied by ${describeLocation(d)}`);
        for (const m of view.missingAllowAt)
          lines.push(
            `  no Allow at ${m.targetType === "ACCOUNT" ? "account" : m.targetType === "ROOT" ? "root" : "OU"} ${m.targetName} (${m.targetId})`,
          );
        if (view.missingContextKeys.length) lines.push(`  depends on: ${view.missingContextKeys.join(", ")}`);
        if (view.exemption) lines.push(`  ${view.exemption.reason}`);
        for (const c of view.caveats ?? []) lines.push(`  caveat: ${c.message}`);
      }
      if (!r.knownAction) lines.push(`  warning: ${r.catalogueMessage}`);
    }
    return {
      summary: lines.join("\n"),
      data: { accountId: sim.accountId, ouPath: sim.scpChain.ouPath, results },
    };
  },
});
