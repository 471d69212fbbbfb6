import { z } from "zod";
import { defineTool } from "../define-tool.js";
import { requireOrg } from "../require-org.js";
import { policyTypeSchema } from "../schemas.js";
import { policySize } from "../policy-view.js";

export const listScpPolicies = defineTool({
  name: "list_scp_policies",
  title: "List SCPs (or RCPs)",
  description:
    "Lists the organization's Service Control Policies (or Resource Control Policies with policyType " +
    "RESOURCE_CONTROL_POLICY): id, name, description, AWS-managed flag, document size and how many targets each " +
    "is attached to. Use it to find a policy's id by name before get_scp_detail or get_scp_targets.",
  input: {
    nameContains: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe("only policies whose name contains this text (case-insensitive)"),
    policyType: policyTypeSchema.default("SERVICE_CONTROL_POLICY"),
  },
  output: {
    policyType: policyTypeSchema,
    count: z.number().int(),
    policies: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        description: z.string(),
        type: policyTypeSchema,
        awsManaged: z.boolean(),
        sizeCharacters: z.number().int(),
        sizeLimit: z.number().int(),
        attachmentCount: z.number().int().describe("targets inside or above the allowed scope"),
      }),
    ),
  },
  handler: async ({ nameContains, policyType }, ctx) => {
    const { org } = requireOrg(ctx);
    const needle = nameContains?.toLowerCase();
    const rows = (await org.listVisiblePolicies(policyType)).filter(
      (r) => !needle || r.summary.name.toLowerCase().includes(needle),
    );
    const policies = await Promise.all(
      rows.map(async ({ summary, visibleTargets }) => {
        const policy = await org.reader.describePolicy(summary.id);
        const size = policySize(policy);
        return {
          id: summary.id,
          name: summary.name,
          description: summary.description,
          type: summary.type,
          awsManaged: summary.awsManaged,
          sizeCharacters: size.characters,
          sizeLimit: size.limit,
          attachmentCount: visibleTargets,
        };
      }),
    );
    policies.sort((a, b) => a.name.localeCompare(b.name));
    const label = policyType === "SERVICE_CONTROL_POLICY" ? "SCP" : "RCP";
    const summary =
      `${policies.length} ${label}${policies.length === 1 ? "" : "s"}${needle ? ` matching "${nameContains}"` : ""}:\n` +
      policies
        .map(
          (p) =>
            `- ${p.name} (${p.id})${p.awsManaged ? " [AWS managed]" : ""}, attached to ${p.attachmentCount}` +
            (p.sizeCharacters >= p.sizeLimit * 0.9
              ? `, ${p.sizeCharacters} of ${p.sizeLimit} characters: near the size quota`
              : ""),
        )
        .join("\n");
    return { summary, data: { policyType, count: policies.length, policies } };
  },
});
