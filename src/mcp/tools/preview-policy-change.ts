import { z } from "zod";
import {
  policyFootprint,
  previewChange,
  reachedAccounts,
  resolveChange,
  type ChangeInput,
} from "../../audit/preview-change.js";
import { invalidInput, UserError } from "../../errors.js";
import { thousands } from "../../logs/limits.js";
import { DEFAULT_DEADLINE_MS } from "../../org/answer-deadline.js";
import {
  accountIdSchema,
  ouIdSchema,
  ouOrRootIdSchema,
  policyIdSchema,
  targetIdSchema,
} from "../../model/ids.js";
import { activityFromText, type Activity } from "../../preview/activity.js";
import { SKIP_REASONS } from "../../preview/records.js";
import type { GroupView, ReplayView } from "../../preview/report.js";
import { defineTool } from "../define-tool.js";
import { decisionSchema } from "../evaluation-view.js";
import { requireOrg } from "../require-org.js";
import { strictObject } from "../strict-input.js";
import { policyTypeSchema } from "../schemas.js";

/** Longest pasted activity: the same bound as analyze_error_log's paste. */
export const MAX_EVENTS_CHARS = 8_000_000;
/** Most CloudTrail records read from pasted text. */
export const MAX_EVENT_RECORDS = 100_000;
/** Longest document accepted: twice the SCP quota, so an oversized draft still gets its preview and a warning. */
export const MAX_DOCUMENT_CHARS = 20_480;
export const MAX_TRAIL_HOURS = 72;
export const MAX_ATHENA_DAYS = 400;
const DEFAULT_GROUPS = 10;
/** The structured answer's budget: with the text summary, the whole answer stays under about 20 KB. */
const ANSWER_BUDGET_BYTES = 14_000;
/**
 * The tool stops reading the trail or waiting for Athena this long after it started (the platform
 * ends a call at about 60 s), and never later than this share of the call's deadline
 * (TOOL_DEADLINE_SECONDS): the rest is for the replay and the answer.
 */
const ACTIVITY_DEADLINE_MS = 40_000;
const ACTIVITY_SHARE_OF_DEADLINE = 0.8;

const documentSchema = z
  .union([
    z
      .string()
      .min(1)
      .max(MAX_DOCUMENT_CHARS, `the document is longer than ${thousands(MAX_DOCUMENT_CHARS)} characters`),
    z.record(z.string(), z.unknown()),
  ])
  .describe("a JSON object, or its text");

const changeSchema = z
  .discriminatedUnion("kind", [
    strictObject(
      {
        kind: z.literal("update"),
        policyId: policyIdSchema.describe("the policy whose content changes"),
        document: documentSchema,
      },
      `change (kind "update")`,
    ),
    strictObject(
      {
        kind: z.literal("create"),
        document: documentSchema,
        policyType: policyTypeSchema.optional().describe("default SERVICE_CONTROL_POLICY"),
        targetIds: z.array(targetIdSchema).min(1).max(20).describe("where the new policy would be attached"),
        name: z
          .string()
          .min(1)
          .max(128)
          .optional()
          .describe("a name for the new policy, shown in the answer"),
      },
      `change (kind "create")`,
    ),
    strictObject(
      {
        kind: z.literal("attach"),
        policyId: policyIdSchema,
        targetId: targetIdSchema.describe("the root, OU or account it would be attached to"),
      },
      `change (kind "attach")`,
    ),
    strictObject(
      {
        kind: z.literal("detach"),
        policyId: policyIdSchema,
        targetId: targetIdSchema.describe("the root, OU or account it would be detached from"),
      },
      `change (kind "detach")`,
    ),
    strictObject(
      {
        kind: z.literal("move"),
        accountId: accountIdSchema.describe("the account that would move"),
        toOuId: z.union([ouIdSchema, ouOrRootIdSchema]).describe("the OU (or root) it would move to"),
      },
      `change (kind "move")`,
    ),
  ])
  .describe("the proposed change");

/**
 * What tools/list advertises for `change`: one object with every kind's fields (the union above
 * spells each kind apart, at four times the size); `refine` holds the argument to the union.
 */
const changeInputSchema = strictObject(
  {
    kind: z
      .enum(["update", "create", "attach", "detach", "move"])
      .describe(
        "update: policyId, document; create: document, targetIds (policyType, name); attach, detach: policyId, targetId; move: accountId, toOuId",
      ),
    policyId: policyIdSchema.optional(),
    document: documentSchema.optional(),
    policyType: policyTypeSchema.optional(),
    targetIds: z.array(targetIdSchema).min(1).max(20).optional(),
    targetId: targetIdSchema.optional(),
    name: z.string().min(1).max(128).optional(),
    accountId: accountIdSchema.optional(),
    toOuId: ouOrRootIdSchema.optional(),
  },
  "change",
).describe("the proposed change: the fields its kind takes");

/** Why `change` does not fit its kind, or undefined. */
function changeProblem(change: unknown): string | undefined {
  const parsed = changeSchema.safeParse(change);
  if (parsed.success) return undefined;
  return parsed.error.issues
    .map((i) => `change${i.path.map((p) => `.${String(p)}`).join("")}: ${i.message}`)
    .join("; ");
}

const activitySchema = strictObject(
  {
    events: z
      .string()
      .max(
        MAX_EVENTS_CHARS,
        `events is longer than ${thousands(MAX_EVENTS_CHARS)} characters: paste less, or use trail/athena`,
      )
      .optional()
      .describe(
        `CloudTrail records as text (a log file, lookup-events output, or one event per line); at most ${thousands(MAX_EVENT_RECORDS)} records`,
      ),
    trail: strictObject({ hours: z.number().int().min(1).max(MAX_TRAIL_HOURS) }, "activity.trail")
      .optional()
      .describe("aws mode: the organization trail's last N hours"),
    athena: strictObject(
      {
        days: z.number().int().min(1).max(MAX_ATHENA_DAYS).optional(),
        queryExecutionId: z
          .string()
          .regex(/^[0-9a-f-]{36}$/, "a query execution id is a UUID")
          .optional()
          .describe("the results of an aggregation started earlier"),
      },
      "activity.athena",
    )
      .optional()
      .describe("aws mode: N days of the trail aggregated in Athena"),
  },
  "activity",
).describe("the recorded requests to replay (one source)");

const groupSchema = z.object({
  principal: z.string().describe("aws:PrincipalArn of the caller (a session's role), or what is known of it"),
  action: z.string(),
  accountId: z.string().describe("the calling account"),
  events: z.number().int().describe("recorded requests in this group"),
  distinctRequests: z.number().int(),
  firstSeen: z.string().nullable(),
  lastSeen: z.string().nullable(),
  recordedErrors: z.number().int().describe("of them, requests that had failed when recorded"),
  before: decisionSchema,
  after: decisionSchema,
  decidingStatement: z
    .object({
      policyType: z.string(),
      policyId: z.string(),
      policyName: z.string(),
      statementIndex: z.number().int(),
      sid: z.string().nullable(),
      effect: z.string(),
      targetId: z.string(),
      targetName: z.string(),
    })
    .nullable()
    .describe("the statement that decides: the new denial, the denial removed, or the undecided statement"),
  missingAllowAt: z
    .object({ policyType: z.string(), targetId: z.string(), targetName: z.string() })
    .nullable()
    .describe("for an implicit denial: the level that has (or had) no Allow"),
  missingContextKeys: z.array(z.string()),
  reason: z.string(),
  example: z.object({
    resource: z.string().nullable(),
    resourceAccountId: z.string().nullable(),
    region: z.string().nullable(),
  }),
});

const countSchema = z.number().int();

export const previewPolicyChange = defineTool({
  name: "preview_policy_change",
  title: "What would this SCP or RCP change break? (replay of recorded activity)",
  description:
    "Before a guardrail change is rolled out, replays recorded requests (CloudTrail) against the policies as they are and as they would be, and lists what it would newly deny, newly allow or leave depending on context, by principal, action and account, with the deciding statement. Changes: update, create, attach, detach, move an account. Activity: pasted CloudTrail records (events), the organization trail (trail) or an Athena aggregation (athena); in demo mode a bundled day by default. Use it to answer 'what will this break?'; for one hypothetical request use simulate_scp_request.",
  input: {
    change: changeInputSchema,
    activity: activitySchema.optional(),
    maxGroups: z
      .number()
      .int()
      .min(1)
      .max(50)
      .default(DEFAULT_GROUPS)
      .describe("groups listed per category, most requests first"),
  },
  output: {
    verdict: z.string().describe("one line: what the change would do"),
    change: z.object({
      description: z.string(),
      policyTypes: z.array(policyTypeSchema),
      documentChanges: z
        .array(z.object({ kind: z.string(), direction: z.string(), explanation: z.string() }))
        .describe("for an update: the semantic differences (compare_scp_config's kinds)"),
    }),
    activity: z.object({ source: z.string(), notes: z.array(z.string()) }),
    counts: z.object({
      records: countSchema.describe("items read: CloudTrail records and anything that was not one"),
      replayed: countSchema,
      distinctRequests: countSchema,
      evaluatedRequests: countSchema.describe(
        "distinct requests evaluated once reduced to what the policies see",
      ),
      unchanged: countSchema,
      notReached: countSchema.describe("unchanged because the change does not reach their account"),
      newlyDenied: countSchema,
      newlyAllowed: countSchema,
      nowDependsOnContext: countSchema,
      skipped: countSchema,
    }),
    skipped: z.array(
      z.object({
        reason: z.enum(SKIP_REASONS),
        events: countSchema,
        description: z.string(),
        firstLine: z.number().int().nullable(),
      }),
    ),
    newlyDenied: z.array(groupSchema),
    newlyAllowed: z.array(groupSchema),
    nowDependsOnContext: z.array(groupSchema),
    omittedGroups: z
      .object({ newlyDenied: countSchema, newlyAllowed: countSchema, nowDependsOnContext: countSchema })
      .describe("groups not listed (raise maxGroups)"),
    pending: z
      .object({ queryExecutionId: z.string(), state: z.string() })
      .nullable()
      .describe("an Athena query still running: ask again with its id"),
    warnings: z.array(z.string()),
    notes: z.array(z.string()),
  },
  refine: (args) => {
    const wrongChange = changeProblem(args.change);
    if (wrongChange) return wrongChange;
    const given = ["events", "trail", "athena"].filter((k) => args.activity?.[k as "events"] !== undefined);
    if (given.length > 1) return `give one activity source, not ${given.join(" and ")}`;
    const a = args.activity?.athena;
    if (a && (a.days === undefined) === (a.queryExecutionId === undefined))
      return "activity.athena takes days (start an aggregation) or queryExecutionId (read one), one of them";
    return undefined;
  },
  handler: async (args, ctx) => {
    const { org, loaded } = requireOrg(ctx);
    const started = Date.now();
    const toolDeadlineMs = ctx.runtime.toolDeadlineMs ?? DEFAULT_DEADLINE_MS;
    const activityDeadline =
      started + Math.min(ACTIVITY_DEADLINE_MS, toolDeadlineMs * ACTIVITY_SHARE_OF_DEADLINE);
    const change = await resolveChange(org, args.change as ChangeInput);
    const now = new Date();
    let activity: Activity;
    const a = args.activity;
    if (a?.events !== undefined) {
      activity = activityFromText(a.events, "the pasted CloudTrail records", MAX_EVENT_RECORDS);
    } else if (a?.trail) {
      const trail = ctx.runtime.activity?.trail;
      if (!trail)
        throw notConfigured("trail", "activity.trail (bucket and prefix of the organization trail)");
      activity = await trail({
        hours: a.trail.hours,
        organizationId: (await org.describeOrganization()).id,
        accounts: await reachedAccounts(org, change),
        deadline: activityDeadline,
        now,
      });
    } else if (a?.athena) {
      const athena = ctx.runtime.activity?.athena;
      if (!athena)
        throw notConfigured("athena", "activity.athena (workgroup, database and table of the trail)");
      const accounts = await reachedAccounts(org, change);
      const footprint = await policyFootprint(org, change, accounts);
      const outcome = await athena({
        organizationId: (await org.describeOrganization()).id,
        ...(a.athena.days !== undefined ? { days: a.athena.days } : {}),
        ...(a.athena.queryExecutionId !== undefined ? { queryExecutionId: a.athena.queryExecutionId } : {}),
        accounts,
        keys: footprint.keys,
        resources: footprint.resources,
        deadline: activityDeadline,
        now,
      });
      if (!outcome.done)
        return pendingAnswer(change.description, change.policyTypes, outcome.queryExecutionId, outcome.state);
      activity = outcome.activity;
    } else if (loaded.config.organization.source === "demo") {
      const sample = (await import("../../org/demo/demo-activity.json", { with: { type: "json" } })).default;
      activity = activityFromText(
        JSON.stringify(sample),
        "the bundled sample of the demo organization's activity (a day of CloudTrail records)",
        MAX_EVENT_RECORDS,
      );
    } else {
      throw invalidInput(
        "activity is required outside demo mode: pass {events: <CloudTrail records as text>}, or {trail: {hours}} / {athena: {days}} when the server is configured for them.",
      );
    }
    const report = await previewChange(org, change, activity, {
      maxGroups: args.maxGroups,
      budgetBytes: ANSWER_BUDGET_BYTES,
      now,
    });
    const r = report.replay;
    return {
      summary: summaryOf(report.change.description, r, report.change.documentChanges, report.warnings),
      data: {
        verdict: r.verdict,
        change: report.change,
        activity: report.activity,
        counts: r.counts,
        skipped: r.skipped,
        newlyDenied: r.newlyDenied,
        newlyAllowed: r.newlyAllowed,
        nowDependsOnContext: r.nowDependsOnContext,
        omittedGroups: r.omittedGroups,
        pending: null,
        warnings: report.warnings,
        notes: report.notes,
      },
    };
  },
});

function notConfigured(what: string, field: string): UserError {
  return new UserError(
    "not_configured",
    `Reading activity from ${what === "trail" ? "the organization trail" : "Athena"} is not configured on this server: set ${field} in the runtime configuration (docs/preview.md), or pass the CloudTrail records in activity.events.`,
  );
}

function pendingAnswer(
  description: string,
  policyTypes: ("SERVICE_CONTROL_POLICY" | "RESOURCE_CONTROL_POLICY")[],
  id: string,
  state: string,
) {
  const verdict = `The Athena aggregation is still ${state.toLowerCase()}: call preview_policy_change again with the same change and activity {"athena": {"queryExecutionId": "${id}"}} to replay its results.`;
  const zero = { newlyDenied: 0, newlyAllowed: 0, nowDependsOnContext: 0 };
  return {
    summary: verdict,
    data: {
      verdict,
      change: { description, policyTypes, documentChanges: [] },
      activity: { source: "Athena (aggregation still running)", notes: [] },
      counts: {
        records: 0,
        replayed: 0,
        distinctRequests: 0,
        evaluatedRequests: 0,
        unchanged: 0,
        notReached: 0,
        ...zero,
        skipped: 0,
      },
      skipped: [],
      newlyDenied: [],
      newlyAllowed: [],
      nowDependsOnContext: [],
      omittedGroups: zero,
      pending: { queryExecutionId: id, state },
      warnings: [],
      notes: [],
    },
  };
}

function groupLine(g: GroupView): string {
  const seen = g.firstSeen
    ? `, ${g.firstSeen === g.lastSeen ? g.firstSeen : `${g.firstSeen} .. ${g.lastSeen}`}`
    : "";
  return `- ${g.action} by ${g.principal} in ${g.accountId}: ${thousands(g.events)} request(s)${seen}; ${g.reason}`;
}

function summaryOf(
  description: string,
  view: ReplayView,
  documentChanges: { kind: string; direction: string; explanation: string }[],
  warnings: string[],
): string {
  const lines = [view.verdict, `Change: ${description}`];
  for (const d of documentChanges.slice(0, 5)) lines.push(`  ${d.direction}: ${d.explanation}`);
  const sections: [string, GroupView[], number][] = [
    ["Newly denied", view.newlyDenied, view.omittedGroups.newlyDenied],
    ["Newly allowed", view.newlyAllowed, view.omittedGroups.newlyAllowed],
    ["Now depends on context", view.nowDependsOnContext, view.omittedGroups.nowDependsOnContext],
  ];
  for (const [title, groups, omitted] of sections) {
    if (groups.length === 0) continue;
    lines.push(`${title}:`);
    for (const g of groups.slice(0, 5)) lines.push(groupLine(g));
    const more = groups.length - Math.min(5, groups.length) + omitted;
    if (more > 0) lines.push(`  ... and ${more} more group(s) (structuredContent lists ${groups.length})`);
  }
  const c = view.counts;
  lines.push(
    `Read ${thousands(c.records)} record(s): ${thousands(c.replayed)} replayed (${thousands(c.distinctRequests)} distinct, ${thousands(c.evaluatedRequests)} evaluated), ${thousands(c.unchanged)} unchanged, ${thousands(c.skipped)} skipped.`,
  );
  for (const s of view.skipped)
    lines.push(
      `  skipped ${thousands(s.events)}: ${s.description}${s.firstLine ? ` (first at line ${s.firstLine})` : ""}`,
    );
  for (const w of warnings) lines.push(`Warning: ${w}`);
  return lines.join("\n");
}
