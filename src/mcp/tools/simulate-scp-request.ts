import { z } from "zod";
import { incomplete } from "../../audit/budget.js";
import { simulate } from "../../audit/simulate.js";
import { accountIdSchema, regionArgumentSchema } from "../../model/ids.js";
import {
  count as formatCount,
  MAX_CONTEXT_CHARS,
  MAX_CONTEXT_KEYS,
  MAX_CONTEXT_VALUE_CHARS,
  MAX_CONTEXT_VALUES,
  MAX_SIMULATED_ACTIONS,
} from "../../policy/limits.js";
import { defineTool } from "../define-tool.js";
import { describeIncomplete, incompleteSchema } from "../incomplete.js";
import {
  decisionSchema,
  describeLocation,
  evaluationViewSchema,
  viewEvaluation,
  type EvaluationView,
  undecidedLines,
} from "../evaluation-view.js";
import { ANSWER_BUDGET, PAGE_SIZES, pageLine, pageSchema, paginate, pagingInput, sizeOf } from "../paging.js";
import { requireOrg } from "../require-org.js";
import { count } from "../schemas.js";
import { clip, collapseRepeats, textLines } from "../text.js";

/** The order of the results: what blocks first, then what might, then what is allowed. */
const IMPORTANCE = ["explicitly_denied", "implicitly_denied", "depends_on_context", "allowed"] as const;

const contextString = z
  .string()
  .max(
    MAX_CONTEXT_VALUE_CHARS,
    `at most ${formatCount(MAX_CONTEXT_VALUE_CHARS)} characters per context value`,
  );
const contextValue = z.union([
  contextString,
  z.array(contextString).max(MAX_CONTEXT_VALUES, `at most ${MAX_CONTEXT_VALUES} values per context key`),
]);

/**
 * The context's keys are counted before any is checked: validating a huge record key by key holds
 * the event loop, refusing it by its count does not.
 */
const contextSchema = z
  .preprocess(
    (value, ctx) => {
      if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
      let keys = 0;
      for (const key in value) {
        if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
        if (++keys > MAX_CONTEXT_KEYS) {
          ctx.addIssue({
            code: "custom",
            message: `context has more than ${MAX_CONTEXT_KEYS} keys, the limit: give only the condition keys the policies test`,
          });
          return z.NEVER;
        }
        // Said here: a union's own message for a list too long would only be "Invalid input".
        const values: unknown = (value as Record<string, unknown>)[key];
        if (Array.isArray(values) && values.length > MAX_CONTEXT_VALUES) {
          ctx.addIssue({
            code: "custom",
            message: `context key ${key.slice(0, 128)} has ${values.length} values: at most ${MAX_CONTEXT_VALUES} values per context key`,
          });
          return z.NEVER;
        }
      }
      return value;
    },
    z.record(z.string().min(1).max(256), contextValue),
  )
  .meta({ maxProperties: MAX_CONTEXT_KEYS });

export const simulateScpRequest = defineTool({
  name: "simulate_scp_request",
  title: "Would this request be allowed? (SCPs and RCPs)",
  description:
    "Answers whether the organization's SCPs (and RCPs) allow a request from an account: each action's decision, the exact policy and statement that denies it or the level that lacks an Allow, and which condition keys would settle an undecided answer. Use it to check a planned change or to explain an AccessDenied when you know the action; for a pasted error message use analyze_error_log. Every decision is in `decisions`; the details in `results`, denied first, a page at a time. SCPs never grant access: allowed means they do not block it.",
  input: {
    accountId: accountIdSchema.describe("the 12-digit account the request is made from"),
    actions: z
      .array(z.string().min(3).max(128))
      .min(1)
      .max(
        MAX_SIMULATED_ACTIONS,
        `at most ${MAX_SIMULATED_ACTIONS} actions per call, the limit of simulate_scp_request: split them into several calls`,
      )
      .describe(`IAM actions, e.g. ["s3:PutObject"] (no wildcards; at most ${MAX_SIMULATED_ACTIONS})`),
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
        "expected an IAM role or user ARN, e.g. arn:aws:iam::123456789012:role/Developer, or an STS assumed-role ARN, e.g. arn:aws:sts::123456789012:assumed-role/Developer/alice",
      )
      .optional()
      .describe("the caller: an IAM role or user ARN, or an assumed-role session ARN"),
    region: regionArgumentSchema
      .optional()
      .describe("the region the request is sent to (aws:RequestedRegion)"),
    context: contextSchema
      .optional()
      .describe(
        'condition keys and values, e.g. {"aws:PrincipalTag/team": "data"}; ' +
          `at most ${formatCount(MAX_CONTEXT_CHARS)} characters in all`,
      ),
    includeRcps: z.boolean().default(true).describe("also evaluate the RCPs of the resource's account"),
    resourceAccountId: accountIdSchema
      .optional()
      .describe("the account that owns the resource, when its ARN does not say (S3 buckets)"),
    ...pagingInput("actions' details", PAGE_SIZES.details),
  },
  output: {
    accountId: z.string(),
    ouPath: z.string(),
    counts: z.object(
      Object.fromEntries(IMPORTANCE.map((d) => [d, count])) as Record<
        (typeof IMPORTANCE)[number],
        typeof count
      >,
    ),
    decisions: z
      .array(z.object({ action: z.string(), decision: decisionSchema }))
      .describe("every action's decision, in the order asked"),
    results: z
      .array(
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
      )
      .describe("this page of the details, denied first"),
    page: pageSchema,
    incomplete: incompleteSchema,
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
      budget: ctx.budget,
    });
    const results = sim.results.map((r) => ({
      action: r.action,
      decision: r.decision,
      knownAction: r.scp.action.status === "known",
      catalogueMessage:
        r.scp.action.status === "known" ? null : (r.scp.action.message ?? r.scp.action.status),
      scp: r.scp,
      rcp: r.rcp,
      rcpAccountId: r.rcpAccountId,
      rcpNote: r.rcpNote,
    }));
    const counts = Object.fromEntries(
      IMPORTANCE.map((d) => [d, results.filter((r) => r.decision === d).length]),
    ) as Record<(typeof IMPORTANCE)[number], number>;
    const ranked = IMPORTANCE.flatMap((d) => results.filter((r) => r.decision === d));
    const head = [
      `Account ${sim.accountId} (${sim.scpChain.ouPath}), ${results.length} action(s): ` +
        IMPORTANCE.filter((d) => counts[d])
          .map((d) => `${counts[d]} ${d.replace(/_/g, " ")}`)
          .join(", "),
      ...(results.length > 1
        ? IMPORTANCE.filter((d) => counts[d]).map(
            (d) =>
              `${d.replace(/_/g, " ")}: ${results
                .filter((r) => r.decision === d)
                .slice(0, 20)
                .map((r) => clip(r.action, 80))
                .join(", ")}${counts[d] > 20 ? `, +${counts[d] - 20} more` : ""}`,
          )
        : []),
    ];
    const decisions = results.map((r) => ({ action: r.action, decision: r.decision }));
    const paged = await paginate(
      ranked,
      {
        tool: "simulate_scp_request",
        args: { ...args, limit: undefined, cursor: undefined },
        limit: args.limit,
        cursor: args.cursor,
        what: "actions",
      },
      {
        key: (r) => `${r.action}:${r.decision}`,
        view: (r) => {
          const view = {
            ...r,
            scp: viewEvaluation(r.scp),
            rcp: r.rcp ? viewEvaluation(r.rcp) : null,
          };
          return { view, lines: detailLines(view) };
        },
        cost: ({ view, lines }) => sizeOf(view, lines),
        budget: Math.max(4_000, ANSWER_BUDGET - sizeOf(decisions, head)),
      },
    );
    // The same note for many actions (an assumed-role principal, say) is said once, with a count.
    const notes = collapseRepeats(
      paged.items.flatMap(({ view }) =>
        [...new Set([view.scp, view.rcp].flatMap((e) => e?.notes ?? []))].map((n) => `note: ${n}`),
      ),
    );
    const stopped = sim.notEvaluated.length
      ? incomplete(
          ctx.budget.describe(),
          results.map((r) => r.action),
          sim.notEvaluated,
        )
      : null;
    const summary = textLines([
      ...head,
      ...(results.length > 1 && paged.items.length ? ["Details:"] : []),
      ...paged.items.flatMap((v) => v.lines),
      ...notes,
      pageLine(paged, "actions"),
      ...(stopped ? [describeIncomplete(stopped, "Actions evaluated", "Actions not evaluated")] : []),
    ]);
    return {
      summary,
      data: {
        accountId: sim.accountId,
        ouPath: sim.scpChain.ouPath,
        counts,
        decisions,
        results: paged.items.map((v) => v.view),
        page: paged.page,
        incomplete: stopped,
      },
    };
  },
});

interface ResultView {
  action: string;
  decision: string;
  knownAction: boolean;
  catalogueMessage: string | null;
  scp: EvaluationView;
  rcp: EvaluationView | null;
}

/** What decided an action, in a few lines. */
function detailLines(r: ResultView): string[] {
  const lines = [`- ${r.action}: ${r.decision.replace(/_/g, " ")}`];
  for (const view of [r.scp, r.rcp]) {
    if (!view) continue;
    for (const d of view.deniedBy) lines.push(`  denied by ${describeLocation(d)}`);
    for (const m of view.missingAllowAt)
      lines.push(
        `  no Allow at ${m.targetType === "ACCOUNT" ? "account" : m.targetType === "ROOT" ? "root" : "OU"} ${m.targetName} (${m.targetId})`,
      );
    if (view.missingContextKeys.length) lines.push(`  depends on: ${view.missingContextKeys.join(", ")}`);
    lines.push(...undecidedLines(view, "  "));
    if (view.exemption) lines.push(`  ${view.exemption.reason}`);
    for (const c of view.caveats ?? []) lines.push(`  caveat: ${c.message}`);
  }
  if (!r.knownAction) lines.push(`  warning: ${r.catalogueMessage}`);
  return lines;
}
