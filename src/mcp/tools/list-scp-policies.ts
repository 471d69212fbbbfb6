import { z } from "zod";
import { defineTool } from "../define-tool.js";
import { requireOrg } from "../require-org.js";
import { count, policyTypeSchema } from "../schemas.js";
import { policySize } from "../policy-view.js";
import { PAGE_SIZES, pageLine, pageSchema, paginate, pagingInput, sizeOf } from "../paging.js";
import { clip, textLines } from "../text.js";

/** Share of the quota at which a policy is said to be near it. */
const NEAR_QUOTA = 0.9;

const policyRowSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  type: policyTypeSchema,
  awsManaged: z.boolean(),
  sizeCharacters: count,
  sizeLimit: count,
  attachmentCount: count.describe("targets inside or above the allowed scope"),
});
type PolicyRow = z.infer<typeof policyRowSchema>;

const rowLine = (p: PolicyRow): string =>
  `- ${clip(p.name, 128)} (${p.id})${p.awsManaged ? " [AWS managed]" : ""}, attached to ${p.attachmentCount}` +
  (p.sizeCharacters >= p.sizeLimit * NEAR_QUOTA
    ? `, ${p.sizeCharacters} of ${p.sizeLimit} characters: near the size quota`
    : "");

export const listScpPolicies = defineTool({
  name: "list_scp_policies",
  title: "List SCPs (or RCPs)",
  description:
    "Lists the organization's SCPs (or RCPs with policyType RESOURCE_CONTROL_POLICY): id, name, description, AWS-managed flag, size and number of targets, by name, a page at a time. Use it to find a policy's id by name before get_scp_detail or get_scp_targets.",
  input: {
    nameContains: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe("only policies whose name contains this text (case-insensitive)"),
    policyType: policyTypeSchema
      .default("SERVICE_CONTROL_POLICY")
      .describe("SERVICE_CONTROL_POLICY (SCPs, the default) or RESOURCE_CONTROL_POLICY (RCPs)"),
    ...pagingInput("policies", PAGE_SIZES.listings),
  },
  output: {
    policyType: policyTypeSchema,
    count: count.describe("policies that match, on every page"),
    counts: z.object({
      awsManaged: count,
      nearSizeQuota: count.describe(`at ${NEAR_QUOTA * 100}% of the size quota or more`),
      notAttached: count.describe("attached to nothing inside or above the scope"),
    }),
    policies: z.array(policyRowSchema).describe("this page, by name"),
    page: pageSchema,
  },
  handler: async ({ nameContains, policyType, limit, cursor }, ctx) => {
    const { org } = requireOrg(ctx);
    const needle = nameContains?.toLowerCase();
    const rows = (await org.listVisiblePolicies(policyType)).filter(
      (r) => !needle || r.summary.name.toLowerCase().includes(needle),
    );
    const all: PolicyRow[] = await Promise.all(
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
    all.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    const paged = await paginate(
      all,
      { tool: "list_scp_policies", args: { nameContains, policyType }, limit, cursor, what: "policies" },
      {
        key: (p) => `${p.id}:${p.attachmentCount}:${p.sizeCharacters}`,
        view: (p) => p,
        cost: (p) => sizeOf(p, [rowLine(p)]),
      },
    );
    const near = all.filter((p) => p.sizeCharacters >= p.sizeLimit * NEAR_QUOTA);
    const counts = {
      awsManaged: all.filter((p) => p.awsManaged).length,
      nearSizeQuota: near.length,
      notAttached: all.filter((p) => p.attachmentCount === 0).length,
    };
    const label = policyType === "SERVICE_CONTROL_POLICY" ? "SCP" : "RCP";
    const summary = textLines([
      `${all.length} ${label}${all.length === 1 ? "" : "s"}${needle ? ` matching "${nameContains}"` : ""}` +
        (all.length
          ? ` (${counts.awsManaged} AWS managed, ${counts.notAttached} attached to nothing, ${counts.nearSizeQuota} at ${NEAR_QUOTA * 100}% of the size quota or more` +
            (near.length
              ? `: ${near
                  .slice(0, 10)
                  .map((p) => `${clip(p.name, 64)} (${p.id})`)
                  .join(", ")}${near.length > 10 ? ", ..." : ""}`
              : "") +
            "):"
          : "."),
      ...paged.items.map(rowLine),
      pageLine(paged, "policies"),
    ]);
    return {
      summary,
      data: { policyType, count: all.length, counts, policies: paged.items, page: paged.page },
    };
  },
});
