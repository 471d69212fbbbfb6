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
    const found = await org.policyWithTargets(policyId, false);
    const { policy, hiddenTargetCount } = found;
    const under = await Promise.all(found.targets.map((t) => org.accountsInScopeUnder(t.id)));
    // SCPs and RCPs never apply to the management account: it is not reached, as compare_scp_config
    // does not count it among the affected accounts either.
    const all = new Set(under.flat());
    const management = all.size ? (await org.describeOrganization()).managementAccountId : undefined;
    const reachedOf = (ids: readonly string[]): string[] => ids.filter((a) => a !== management);
    const reached = new Set(reachedOf([...all]));
    const targets = found.targets.map((t, i) => ({
      ...t,
      accountsReached: reachedOf(under[i] ?? []).length,
    }));
    const order = { ROOT: 0, ORGANIZATIONAL_UNIT: 1, ACCOUNT: 2 } as const;
    targets.sort((a, b) => order[a.type] - order[b.type] || a.path.localeCompare(b.path));
    const summary =
      `${policy.name} (${policy.id}) is attached to ${targets.length} target(s) and reaches ${reached.size} account(s) in scope` +
      (management !== undefined && all.has(management)
        ? ` (the management account ${management} is not counted: SCPs and RCPs never apply to it)`
        : "") +
      ":\n" +
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
