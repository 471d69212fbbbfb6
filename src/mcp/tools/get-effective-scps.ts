import { z } from "zod";
import type { ChainTarget } from "../../model/chain.js";
import type { Policy } from "../../model/organization.js";
import { accountIdSchema, ouOrRootIdSchema } from "../../model/ids.js";
import { defineTool } from "../define-tool.js";
import { requireOrg } from "../require-org.js";
import {
  ANSWER_BUDGET,
  digest,
  PAGE_SIZES,
  pageLine,
  pageSchema,
  paginate,
  pagingInput,
  sizeOf,
} from "../paging.js";
import { count, policyTypeSchema, targetSchema } from "../schemas.js";
import { describeStatements, statementsViewSchema, viewStatements } from "../policy-view.js";
import { clip, textLines } from "../text.js";

/** Characters of text one policy's statements take at most; the structured statements have them all. */
const STATEMENT_TEXT_BUDGET = 3_000;

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
    "Shows every policy that applies to an account (accountId) or OU (ouId): the chain from the root down to the target, level by level, with the policies attached at each; each distinct policy's statements once, in `policies` (a page at a time, in the order met from the root). A request is allowed only if every level allows it and none denies it. Marks the management account, which SCPs do not restrict.",
  input: {
    accountId: accountIdSchema.optional().describe("a 12-digit account id"),
    ouId: ouOrRootIdSchema.optional().describe("an OU id (ou-...) or the root id (r-...)"),
    policyType: policyTypeSchema
      .default("SERVICE_CONTROL_POLICY")
      .describe("SERVICE_CONTROL_POLICY (SCPs, the default) or RESOURCE_CONTROL_POLICY (RCPs)"),
    resolveNames: z
      .boolean()
      .default(false)
      .describe("also read unknown names (an AWS call per unnamed level); else shown by id"),
    ...pagingInput("policy documents", PAGE_SIZES.details),
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
          document: statementsViewSchema
            .extend({
              omittedStatements: count.describe(
                "statements left out of a policy too large for one answer (get_scp_detail gives them all)",
              ),
            })
            .describe("its statements, normalised (every element a list); the exact text: get_scp_detail"),
        }),
      )
      .describe("this page of the distinct policies, from the root down"),
    page: pageSchema,
    policyCount: count.describe("attachments over all levels"),
    levelsWithoutPolicies: z
      .array(z.string())
      .describe("levels with nothing attached (everything implicitly denied)"),
  },
  handler: async ({ accountId, ouId, policyType, resolveNames, limit, cursor }, ctx) => {
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
    const display = (t: ChainTarget): string =>
      t.nameKnown === false ? t.id : `${clip(t.name, 64)} (${t.id})`;
    const unnamed = chain.levels.filter((l) => l.target.nameKnown === false).length;
    // A level where no attached policy has an Allow statement allows nothing (SCPs: implicit deny).
    const allowsSomething = (p: Policy): boolean =>
      viewStatements(p.content).statements.some((st) => st.effect === "Allow");
    const levelLine = (l: (typeof chain.levels)[number], i: number): string => {
      const names = l.policies.map((p) => `${clip(p.name, 40)} (${p.id})`).join(", ");
      const noAllow =
        policyType === "SERVICE_CONTROL_POLICY" &&
        !chain.isManagementAccount &&
        !l.policies.some(allowsSomething);
      return (
        `${i + 1}. ${l.target.type} ${display(l.target)}: ${names || "no policies attached"}` +
        (noAllow ? " -- no Allow at this level: every request is implicitly denied here" : "")
      );
    };
    const head = [
      `${label} chain for ${chain.target.type === "ACCOUNT" ? "account" : chain.target.type === "ROOT" ? "root" : "OU"} ${display(chain.target)}, path ${chain.ouPath}:`,
      ...chain.levels.map(levelLine),
      note,
      unnamed
        ? `(${unnamed} level(s) shown by id: their names were not known without extra AWS calls; resolveNames: true reads them.)`
        : null,
    ].filter((l): l is string => Boolean(l));
    const levelName = new Map(chain.levels.map((l) => [l.target.id, display(l.target)]));
    const distinct = [...policies.values()];
    // The chain is in every page; the documents share what is left. One policy alone never takes
    // more than that: past it, its statements are cut, and get_scp_detail gives them all.
    const room = Math.max(2_000, ANSWER_BUDGET - sizeOf(levels, head));
    const itemOf = ({ policy: p, attachedAt }: { policy: Policy; attachedAt: string[] }) => {
      const { parseError, statements } = viewStatements(p.content);
      const kept: typeof statements = [];
      let used = p.name.length + p.description.length + 200;
      for (const st of statements) {
        used += JSON.stringify(st).length;
        if (kept.length > 0 && used > room * 0.75) break;
        kept.push(st);
      }
      const omitted = statements.length - kept.length;
      const data = {
        id: p.id,
        name: p.name,
        description: p.description,
        awsManaged: p.awsManaged,
        attachedAt,
        document: { parseError, statements: kept, omittedStatements: omitted },
      };
      const lines = [
        `- ${clip(p.name, 64)} (${p.id})${p.awsManaged ? " [AWS managed]" : ""}, attached at ${
          attachedAt.length === chain.levels.length && attachedAt.length > 1
            ? "every level"
            : attachedAt.map((at) => levelName.get(at) ?? at).join(", ")
        }:`,
        ...describeStatements(kept, Math.min(STATEMENT_TEXT_BUDGET, room * 0.2), "    "),
        ...(omitted ? [`    ... ${omitted} more statement(s): get_scp_detail "${p.id}" gives them all`] : []),
      ];
      return { data, lines };
    };
    const paged = await paginate(
      distinct,
      {
        tool: "get_effective_scps",
        args: { accountId, ouId, policyType },
        limit,
        cursor,
        what: "policy documents",
      },
      {
        key: ({ policy: p, attachedAt }) => `${p.id}@${attachedAt.join(",")}:${digest(p.content)}`,
        view: itemOf,
        cost: ({ data, lines }) => sizeOf(data, lines),
        budget: room,
      },
    );
    const summary = textLines([
      ...head,
      ...(paged.items.length ? ["Statements of each policy (what it allows or denies):"] : []),
      ...paged.items.flatMap((v) => v.lines),
      pageLine(paged, "policy documents"),
    ]);
    return {
      summary,
      data: {
        target: named(chain.target),
        ouPath: chain.ouPath,
        policyType,
        isManagementAccount: chain.isManagementAccount,
        note,
        levels,
        policies: paged.items.map((v) => v.data),
        page: paged.page,
        policyCount: chain.levels.reduce((n, l) => n + l.policies.length, 0),
        levelsWithoutPolicies: empty,
      },
    };
  },
});
