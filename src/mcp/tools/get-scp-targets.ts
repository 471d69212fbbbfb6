import { z } from "zod";
import { policyIdSchema } from "../../model/ids.js";
import { defineTool } from "../define-tool.js";
import { requireOrg } from "../require-org.js";
import { PAGE_SIZES, pageLine, pageSchema, paginate, pagingInput, sizeOf } from "../paging.js";
import { count, policyTypeSchema, visibleTargetSchema } from "../schemas.js";
import { clip, textLines } from "../text.js";

type Target = z.infer<typeof visibleTargetSchema>;
const targetLine = (t: Target): string =>
  `- ${t.type} ${clip(t.path, 200)} (${t.id}): ${t.accountsReached} account(s)`;

export const getScpTargets = defineTool({
  name: "get_scp_targets",
  title: "Where a policy is attached",
  description:
    "Lists where a policy is attached (root, OUs, accounts, with names and OU paths) and how many accounts it reaches through inheritance, a page at a time. Use it to judge the blast radius of changing or detaching a policy.",
  input: {
    policyId: policyIdSchema.describe("the policy id, e.g. p-abcd1234"),
    ...pagingInput("targets", PAGE_SIZES.listings),
  },
  output: {
    policy: z.object({ id: z.string(), name: z.string(), type: policyTypeSchema }),
    targets: z.array(visibleTargetSchema).describe("this page: the root, OUs, then accounts"),
    counts: z
      .object({ ROOT: count, ORGANIZATIONAL_UNIT: count, ACCOUNT: count })
      .describe("by type, all pages"),
    page: pageSchema,
    hiddenTargetCount: count.describe("attachments outside the allowed scope, not shown"),
    accountsReached: count.describe("accounts in scope that inherit it"),
  },
  handler: async ({ policyId, limit, cursor }, ctx) => {
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
    const counts = { ROOT: 0, ORGANIZATIONAL_UNIT: 0, ACCOUNT: 0 };
    for (const t of targets) counts[t.type]++;
    const paged = await paginate(
      targets,
      { tool: "get_scp_targets", args: { policyId }, limit, cursor, what: "targets" },
      { key: (t) => `${t.id}:${t.accountsReached}`, view: (t) => t, cost: (t) => sizeOf(t, [targetLine(t)]) },
    );
    const summary = textLines([
      `${policy.name} (${policy.id}) is attached to ${targets.length} target(s) ` +
        `(${counts.ROOT} root, ${counts.ORGANIZATIONAL_UNIT} OUs, ${counts.ACCOUNT} accounts) and reaches ${reached.size} account(s) in scope` +
        (management !== undefined && all.has(management)
          ? ` (the management account ${management} is not counted: SCPs and RCPs never apply to it)`
          : "") +
        ":",
      ...paged.items.map(targetLine),
      hiddenTargetCount ? `(${hiddenTargetCount} more attachment(s) outside the allowed scope)` : undefined,
      pageLine(paged, "targets"),
    ]);
    return {
      summary,
      data: {
        policy: { id: policy.id, name: policy.name, type: policy.type },
        targets: paged.items,
        counts,
        page: paged.page,
        hiddenTargetCount,
        accountsReached: reached.size,
      },
    };
  },
});
