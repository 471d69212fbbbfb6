import { z } from "zod";
import type { ChainTarget } from "../../model/chain.js";
import type { Policy } from "../../model/organization.js";
import { accountIdSchema, ouOrRootIdSchema } from "../../model/ids.js";
import { defineTool } from "../define-tool.js";
import { requireOrg } from "../require-org.js";
import { policyTypeSchema, targetSchema } from "../schemas.js";
import { documentViewSchema, viewDocument } from "../policy-view.js";

const chainTargetSchema = targetSchema.extend({
  nameKnown: z
    .literal(false)
    .optional()
    .describe(
      "present (false) when the name was not known without an extra AWS call: name is then the id (ask again with resolveNames: true)",
    ),
});

export const getEffectiveScps = defineTool({
  name: "get_effective_scps",
  title: "Effective SCP chain for an account or OU",
  description:
    "Shows every policy that applies to an account (accountId) or OU (ouId): the chain from the root through each " +
    "OU down to the target, level by level, with the policies attached at each level; each distinct policy's " +
    "document is given once, in `policies`, with the levels it is attached at. " +
    "A request is allowed only if every level allows it and no level denies it, so use this to see all the " +
    "guardrails an account is under. Marks the management account, which SCPs do not restrict.",
  input: {
    accountId: accountIdSchema.optional().describe("a 12-digit account id"),
    ouId: ouOrRootIdSchema.optional().describe("an OU id (ou-...) or the root id (r-...)"),
    policyType: policyTypeSchema.default("SERVICE_CONTROL_POLICY"),
    resolveNames: z
      .boolean()
      .default(false)
      .describe(
        "also read names not already known (one extra AWS call per unnamed level); by default levels the server has not seen yet are shown by id",
      ),
  },
  refine: ({ accountId, ouId }) =>
    (accountId === undefined) === (ouId === undefined) ? "give exactly one of accountId or ouId" : undefined,
  output: {
    target: chainTargetSchema,
    ouPath: z.string(),
    policyType: policyTypeSchema,
    isManagementAccount: z.boolean(),
    note: z.string().nullable(),
    levels: z.array(
      z.object({
        target: chainTargetSchema,
        policies: z
          .array(z.object({ id: z.string(), name: z.string(), awsManaged: z.boolean() }))
          .describe("attached at this level; their documents are in `policies`"),
      }),
    ),
    policies: z
      .array(
        z.object({
          id: z.string(),
          name: z.string(),
          description: z.string(),
          awsManaged: z.boolean(),
          attachedAt: z.array(z.string()).describe("ids of the levels it is attached at, root first"),
          document: documentViewSchema,
        }),
      )
      .describe("each distinct policy of the chain once, in the order first met from the root"),
    policyCount: z
      .number()
      .int()
      .describe("attachments over all levels (a policy attached twice counts twice)"),
    levelsWithoutPolicies: z
      .array(z.string())
      .describe("levels with nothing attached: every request is implicitly denied there (SCPs)"),
  },
  handler: async ({ accountId, ouId, policyType, resolveNames }, ctx) => {
    const { org } = requireOrg(ctx);
    const id = (accountId ?? ouId) as string;
    const chain = await org.effectiveChain(id, policyType, { resolveNames });
    const named = (t: ChainTarget): ChainTarget & { nameKnown?: false } => ({
      id: t.id,
      type: t.type,
      name: t.name,
      ...(t.nameKnown === false ? { nameKnown: false as const } : {}),
    });
    const levels = chain.levels.map((l) => ({
      target: named(l.target),
      policies: l.policies.map((p) => ({ id: p.id, name: p.name, awsManaged: p.awsManaged })),
    }));
    // FullAWSAccess sits on every level, and real chains repeat other policies too: one document each.
    const policies = new Map<string, { policy: Policy; attachedAt: string[] }>();
    for (const l of chain.levels)
      for (const p of l.policies) {
        const seen = policies.get(p.id);
        if (seen) seen.attachedAt.push(l.target.id);
        else policies.set(p.id, { policy: p, attachedAt: [l.target.id] });
      }
    const label = policyType === "SERVICE_CONTROL_POLICY" ? "SCP" : "RCP";
    const note = chain.isManagementAccount
      ? `${chain.target.id} is the management account: ${label}s do not apply to it, whatever is attached.`
      : null;
    const empty = chain.levels.filter((l) => l.policies.length === 0).map((l) => l.target.id);
    const display = (t: ChainTarget): string => (t.nameKnown === false ? t.id : `${t.name} (${t.id})`);
    const unnamed = chain.levels.filter((l) => l.target.nameKnown === false).length;
    const summary = [
      `${label} chain for ${chain.target.type === "ACCOUNT" ? "account" : chain.target.type === "ROOT" ? "root" : "OU"} ${display(chain.target)}, path ${chain.ouPath}:`,
      ...chain.levels.map(
        (l, i) =>
          `${i + 1}. ${l.target.type} ${display(l.target)}: ${l.policies.map((p) => `${p.name} (${p.id})`).join(", ") || "no policies attached"}`,
      ),
      note,
      unnamed
        ? `(${unnamed} level(s) shown by id: their names were not known without extra AWS calls; resolveNames: true reads them.)`
        : null,
    ]
      .filter(Boolean)
      .join("\n");
    return {
      summary,
      data: {
        target: named(chain.target),
        ouPath: chain.ouPath,
        policyType,
        isManagementAccount: chain.isManagementAccount,
        note,
        levels,
        policies: [...policies.values()].map(({ policy: p, attachedAt }) => ({
          id: p.id,
          name: p.name,
          description: p.description,
          awsManaged: p.awsManaged,
          attachedAt,
          document: viewDocument(p.content),
        })),
        policyCount: chain.levels.reduce((n, l) => n + l.policies.length, 0),
        levelsWithoutPolicies: empty,
      },
    };
  },
});
