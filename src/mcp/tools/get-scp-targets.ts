import { z } from "zod";
import { policyIdSchema } from "../../model/ids.js";
import { defineTool } from "../define-tool.js";
import { requireOrg } from "../require-org.js";
import { policyTypeSchema, visibleTargetSchema } from "../schemas.js";

export const getScpTargets = defineTool({
  name: "get_scp_targets",
  title: "Where a policy is attached",
  description:
    "Lists where a policy is attached (root, OUs, accounts, with names and OU paths) and how many accounts it " +
    "reaches through inheritance. Use it to judge the blast radius of changing or detaching a policy.",
  input: { policyId: policyIdSchema.describe("the policy id, e.g. p-abcd1234") },
  output: {
    policy: z.object({ id: z.string(), name: z.string(), type: policyTypeSchema }),
    targets: z.array(visibleTargetSchema),
    hiddenTargetCount: z.number().int().describe("attachments outside the allowed scope, not shown"),
    accountsReached: z.number().int().describe("distinct accounts inside the scope that inherit the policy"),
  },
  handler: async ({ policyId }, ctx) => {
    const { org } = requireOrg(ctx);
    const { policy, targets, hiddenTargetCount } = await org.policyWithTargets(policyId, true);
    const reached = new Set<string>();
    for (const t of targets) for (const a of await org.accountsInScopeUnder(t.id)) reached.add(a);
    const order = { ROOT: 0, ORGANIZATIONAL_UNIT: 1, ACCOUNT: 2 } as const;
    targets.sort((a, b) => order[a.type] - order[b.type] || a.path.localeCompare(b.path));
    const summary =
      `${policy.name} (${policy.id}) is attached to ${targets.length} target(s) and reaches ${reached.size} account(s) in scope:\n` +
      targets.map((t) => `- ${t.type} ${t.path} (${t.id}): ${t.accountsReached} account(s)`).join("\n") +
      (hiddenTargetCount ? `\n(${hiddenTargetCount} more attachment(s) outside the allowed scope)` : "");
    return {
      summary,
      data: {
        policy: { id: policy.id, name: policy.name, type: policy.type },
        targets,
        hiddenTargetCount,
        accountsReached: reached.size,
      },
    };
  },
});
