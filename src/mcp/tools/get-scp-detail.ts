import { z } from "zod";
import { lintDocument } from "../../audit/lint-policy.js";
import { policyIdSchema } from "../../model/ids.js";
import type { PolicyType } from "../../model/policy-type.js";
import { defineTool } from "../define-tool.js";
import { deepFreeze } from "../../org/freeze.js";
import { Recent } from "../recent.js";
import { requireOrg } from "../require-org.js";
import { policySizeSchema, policyTypeSchema, visibleTargetSchema } from "../schemas.js";
import { documentViewSchema, policySize, viewDocument } from "../policy-view.js";
import { describeLintFinding, lintViewSchema, viewLint } from "./lint-scp-policy.js";

type LintView = z.infer<typeof lintViewSchema>;

// Lint views of the documents shown recently, by type and text: linting is a pure function of both
// (the catalogue is bundled) and costs 0.1 to 0.8 ms, on every get_scp_detail call. Each view is a
// JSON copy, so it shares nothing with the linter's own structures, kept frozen.
const lintViews = new Recent<Promise<LintView>>(256);

function lintViewOf(content: string, type: PolicyType): Promise<LintView> {
  const key = `${type}\u0000${content}`;
  return lintViews.get(key, () => {
    const view = lintDocument(content, type).then((result) =>
      deepFreeze(JSON.parse(JSON.stringify(viewLint(result))) as LintView),
    );
    // A failure is not kept: the next call lints again.
    view.catch(() => lintViews.delete(key));
    return view;
  });
}

export const getScpDetail = defineTool({
  name: "get_scp_detail",
  title: "Show one SCP or RCP",
  description:
    "Shows one policy by id (p-...): its metadata, the document (raw text and parsed statements), its size " +
    "against the quota, where it is attached, and its lint findings (mistakes that silently weaken it). Use it to " +
    "read what a guardrail actually says.",
  input: { policyId: policyIdSchema.describe("the policy id, e.g. p-FullAWSAccess or p-abcd1234") },
  output: {
    policy: z.object({
      id: z.string(),
      name: z.string(),
      description: z.string(),
      type: policyTypeSchema,
      awsManaged: z.boolean(),
      arn: z.string().nullable(),
    }),
    document: documentViewSchema,
    size: policySizeSchema,
    targets: z.array(visibleTargetSchema),
    hiddenTargetCount: z.number().int().describe("attachments outside the allowed scope, not shown"),
    lint: lintViewSchema.describe(
      "lint_scp_policy findings on the document (quotas of its targets: lint_scp_policy)",
    ),
  },
  handler: async ({ policyId }, ctx) => {
    const { org } = requireOrg(ctx);
    const { policy, targets, hiddenTargetCount } = await org.policyWithTargets(policyId, false);
    const document = viewDocument(policy.content);
    const size = policySize(policy);
    const lint = await lintViewOf(policy.content, policy.type);
    const summary = [
      `${policy.name} (${policy.id}), ${policy.type}${policy.awsManaged ? ", AWS managed" : ""}`,
      policy.description ? `Description: ${policy.description}` : undefined,
      `${document.statements.length} statement(s); ${size.characters} of ${size.limit} characters (${size.percentOfLimit}%)`,
      document.parseError ? `The document does not parse as JSON: ${document.parseError}` : undefined,
      `Attached to: ${targets.map((t) => `${t.path} (${t.id})`).join(", ") || "nothing"}` +
        (hiddenTargetCount ? ` and ${hiddenTargetCount} target(s) outside the scope` : ""),
      lint.findings.length
        ? `Lint: ${lint.findings.length} finding(s)\n${lint.findings.map((f) => `- ${describeLintFinding(f)}`).join("\n")}`
        : "Lint: no findings",
    ]
      .filter(Boolean)
      .join("\n");
    return {
      summary,
      data: {
        policy: {
          id: policy.id,
          name: policy.name,
          description: policy.description,
          type: policy.type,
          awsManaged: policy.awsManaged,
          arn: policy.arn ?? null,
        },
        document,
        size,
        targets,
        hiddenTargetCount,
        lint,
      },
    };
  },
});
