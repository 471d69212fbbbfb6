/**
 * MCP prompts for the three workflows the server is built for, so clients offer them as commands
 * (a slash command in Claude Code and VS Code): explain an AccessDenied, audit an account's
 * guardrails, review a policy change. Each is a user message that names the tools to call, in
 * order, and what the answer must say; the arguments are validated as the tools' are.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { GetPromptResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { accountIdSchema, awsRegionSchema, policyIdSchema } from "../model/ids.js";

/** Characters of pasted text a prompt takes; analyze_error_log itself takes far more. */
export const MAX_PROMPT_TEXT = 100_000;

const policyTypeArg = z.enum(["SCP", "RCP"]).optional().describe("SCP (default) or RCP");

const message = (text: string): GetPromptResult => ({
  messages: [{ role: "user", content: { type: "text", text } }],
});

const typeName = (t: "SCP" | "RCP" | undefined): string =>
  t === "RCP" ? "RESOURCE_CONTROL_POLICY" : "SERVICE_CONTROL_POLICY";

interface PromptDefinition<A extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  args: A;
  build: (args: z.infer<z.ZodObject<A>>) => string;
}

function definePrompt<A extends z.ZodRawShape>(def: PromptDefinition<A>) {
  return {
    name: def.name,
    register(server: McpServer): void {
      server.registerPrompt(
        def.name,
        { title: def.title, description: def.description, argsSchema: def.args },
        ((args: z.infer<z.ZodObject<A>>) => message(def.build(args))) as never,
      );
    },
  };
}

export const explainAccessDenied = definePrompt({
  name: "explain_access_denied",
  title: "Explain an AccessDenied error",
  description:
    "Paste an AccessDenied or UnauthorizedOperation error (CLI, SDK, Terraform, CloudFormation, CloudTrail): " +
    "which organization policy and statement denied it, what else would still deny, and the fix that touches least.",
  args: {
    error: z.string().min(1).max(MAX_PROMPT_TEXT).describe("the error message or log, as pasted"),
    accountId: accountIdSchema
      .optional()
      .describe("the account the request came from, when the error hides it"),
    region: awsRegionSchema
      .optional()
      .describe("the region the request was sent to, when the error does not say"),
  },
  build: ({ error, accountId, region }) =>
    [
      "Explain why this AWS request was denied, using the aws-organizations tools.",
      "",
      `1. Call analyze_error_log with the text below as \`text\`${accountId ? `, accountId "${accountId}"` : ""}${
        region ? `, region "${region}"` : ""
      }. If it reports more denials than one page, say how many and explain the first ones.`,
      "2. For each denial: say whether the organization's SCPs or RCPs deny it, and name the policy, its statement " +
        "(Sid and index) and the level (root, OU or account) it is attached at; or the level where no Allow matches.",
      "3. If the answer is depends_on_context, say which condition keys decide it and what each value would give; " +
        "do not guess them. Call simulate_scp_request with the values the user confirms.",
      "4. Say whether another policy would still deny once that one is fixed, and give the fix that touches the " +
        "fewest accounts, with its blast radius. Prefer fixing the request (region, principal) over loosening a guardrail.",
      "5. If no organization policy denies it, say so: the cause is an IAM policy, a permissions boundary, a " +
        "session policy or a resource policy, and analyze_error_log says where to look.",
      "",
      "The error:",
      "```",
      error,
      "```",
    ].join("\n"),
});

export const auditAccountGuardrails = definePrompt({
  name: "audit_account_guardrails",
  title: "Audit an account's guardrails",
  description:
    "Every SCP (or RCP) an account is under, level by level, what each denies, the mistakes that weaken them, " +
    "and where they differ from the baseline.",
  args: {
    accountId: accountIdSchema.describe("the 12-digit account to audit"),
    policyType: policyTypeArg,
  },
  build: ({ accountId, policyType }) => {
    const label = policyType ?? "SCP";
    return [
      `Audit the ${label} guardrails of account ${accountId}, using the aws-organizations tools.`,
      "",
      `1. Call get_effective_scps with accountId "${accountId}" and policyType "${typeName(policyType)}". Read every ` +
        "page (pass nextCursor as cursor) so that no policy is missed.",
      "2. List the chain from the root to the account, and for each level its policies and, in one line each, what " +
        "their statements deny or allow. Flag any level without an Allow (every request is implicitly denied there) " +
        "and say if the account is the management account (no SCP or RCP applies to it).",
      "3. Call lint_scp_policy with the policyId of each policy in the chain that is not AWS managed, and report " +
        "the findings of severity medium or above: misspelled actions, region denies that block global services, " +
        "denies without a break-glass exemption, policies near the size quota.",
      `4. Call compare_scp_config with scopeId "${accountId}" and report the differences from the baseline that ` +
        "weaken a guardrail first. If no baseline is configured, say so and skip this step.",
      "5. End with the three most important problems and, for each, the fix.",
    ].join("\n");
  },
});

export const reviewPolicyChange = definePrompt({
  name: "review_policy_change",
  title: "Review a policy change",
  description:
    "Review a draft SCP or RCP, or a change to an existing one: its mistakes, what it would deny and allow, and " +
    "who it would reach.",
  args: {
    document: z.string().min(1).max(MAX_PROMPT_TEXT).describe("the proposed policy document (JSON)"),
    policyId: policyIdSchema.optional().describe("the policy it replaces, if any (p-...)"),
    policyType: policyTypeArg,
  },
  build: ({ document, policyId, policyType }) =>
    [
      `Review this proposed ${policyType ?? "SCP"}${policyId ? ` (a new version of ${policyId})` : ""}, using the ` +
        "aws-organizations tools.",
      "",
      `1. Call lint_scp_policy with the document below as \`document\` and policyType "${typeName(policyType)}"; ` +
        "report every finding of severity medium or above, with its fix.",
      ...(policyId
        ? [
            `2. Call get_scp_detail with policyId "${policyId}" and compare its statements with the draft's, statement ` +
              "by statement: actions, resources and conditions added or removed, exemptions widened or narrowed. Say " +
              "for each whether it weakens or tightens the guardrail.",
            `3. Call get_scp_targets with policyId "${policyId}" to say which OUs and how many accounts the change reaches.`,
          ]
        : [
            "2. Summarise, statement by statement, what the draft denies or allows and under which conditions.",
            "3. Ask where it will be attached; get_scp_targets or get_effective_scps show what is there today.",
          ]),
      policyId
        ? `4. Call preview_policy_change with change {"kind": "update", "policyId": "${policyId}", "document": the ` +
          "document below}: recorded requests it would newly deny or allow (in aws mode, give activity: pasted " +
          "CloudTrail records, or trail or athena when configured). Report who and what it would break."
        : "4. Once you know the targets, call preview_policy_change with change " +
          '{"kind": "create", "document": the document below, "targetIds": [...]}: recorded requests it would newly ' +
          "deny (in aws mode, give activity: pasted CloudTrail records, or trail or athena when configured).",
      "5. Pick the actions the draft is meant to deny and a few it must not (for example the global services " +
        "CloudFront, Route 53, IAM and STS in us-east-1) and check them with simulate_scp_request in an account of " +
        "each affected OU; remember that the simulation uses the policies as deployed today.",
      "6. Conclude: safe to deploy, or the changes needed first.",
      "",
      "The proposed document:",
      "```json",
      document,
      "```",
    ].join("\n"),
});

/** Every prompt the server registers. */
export const PROMPTS = [explainAccessDenied, auditAccountGuardrails, reviewPolicyChange] as const;

export function registerPrompts(server: McpServer): void {
  for (const prompt of PROMPTS) prompt.register(server);
}
