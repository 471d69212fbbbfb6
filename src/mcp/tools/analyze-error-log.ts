import { z } from "zod";
import { count } from "../schemas.js";
import {
  analyzeDenial,
  budgetReason,
  MAX_EVALUATED_DENIALS,
  MAX_INLINE_ENCODED,
  readLog,
  type DenialAnalysis,
} from "../../audit/analyze-log.js";
import { incomplete, Slicer } from "../../audit/budget.js";
import { MAX_LOG_CHARS, MAX_LOG_EVENTS, thousands } from "../../logs/limits.js";
import { accountIdSchema, regionArgumentSchema } from "../../model/ids.js";
import { defineTool } from "../define-tool.js";
import { decisionSchema, evaluationViewSchema, undecidedLines, viewEvaluation } from "../evaluation-view.js";
import { describeIncomplete, incompleteSchema } from "../incomplete.js";
import { pageLine, pageSchema, paginate, pagingInput, sizeOf } from "../paging.js";
import { requireOrg } from "../require-org.js";
import { clip } from "../text.js";

const PAGE = { defaultLimit: 10, maxLimit: MAX_EVALUATED_DENIALS };
/** Characters of a denial's raw message given back: it is the caller's own text. */
const MAX_RAW_MESSAGE = 1_000;

const blastRadiusSchema = z.object({
  accounts: count,
  ous: count,
  description: z.string(),
});

export const analyzeErrorLog = defineTool({
  name: "analyze_error_log",
  title: "Explain AccessDenied errors in a pasted log",
  description:
    "Takes pasted output (CLI, SDK traces, Terraform, CloudFormation events, CloudTrail JSON, error bodies) and, for each distinct denied request, extracts principal, action, resource and policy type, evaluates it against the SCPs and RCPs, names the exact denying policy and statement, says whether others would still deny once it is fixed, and proposes fixes with the accounts and OUs each touches. Uses a decoded authorization message's context keys; for an encoded one it gives the decode command. Use it whenever someone pastes an AccessDenied or UnauthorizedOperation error. Most important first, a page at a time.",
  input: {
    text: z
      .string()
      .max(
        MAX_LOG_CHARS,
        `text is longer than ${thousands(MAX_LOG_CHARS)} characters, the limit of analyze_error_log: paste the part of the log around the failure`,
      )
      .describe(
        `the pasted log or error output, as is: at most ${thousands(MAX_LOG_CHARS)} characters and ${thousands(MAX_LOG_EVENTS)} events`,
      ),
    accountId: accountIdSchema
      .optional()
      .describe("the account the request came from, when the log redacts it"),
    region: regionArgumentSchema
      .optional()
      .describe("the region the request was sent to, when the log does not say"),
    ...pagingInput("denials", PAGE),
  },
  output: {
    found: count.describe("distinct denied requests found"),
    evaluated: count.describe("denials on this page that were evaluated"),
    omitted: count.describe("distinct denials not on this page"),
    warnings: z.array(z.string()).describe("one per kind of problem, with a count"),
    counts: z.object({
      characters: z.number(),
      lines: z.number(),
      events: z.number().describe("CloudTrail events, error messages and decoded messages read"),
      sightings: z.number(),
      denials: z.number(),
      byPolicyType: z
        .record(z.string(), count)
        .describe('distinct denials by the policy type their message names ("not named" when none)'),
    }),
    incomplete: incompleteSchema,
    denials: z
      .array(
        z.object({
          facts: z.object({
            principalArn: z.string().nullable(),
            accountId: z.string().nullable(),
            action: z.string().nullable(),
            resource: z.string().nullable(),
            policyType: z.string().nullable(),
            denyKind: z.enum(["explicit", "implicit"]).nullable(),
            policyArn: z.string().nullable(),
            region: z.string().nullable(),
            occurrences: count,
            source: z.string(),
            sdkOperation: z.string().nullable(),
            errorCode: z.string().nullable(),
            requestId: z.string().nullable(),
            encodedMessage: z.string().nullable(),
            requestContext: z
              .record(z.string(), z.array(z.string()))
              .nullable()
              .describe("the request's condition keys, from a decoded authorization message"),
            line: count,
            rawMessage: z.string(),
            notes: z.array(z.string()),
          }),
          evaluated: z.boolean(),
          notEvaluatedReason: z.string().nullable(),
          decision: decisionSchema.nullable(),
          attribution: z.enum([
            "service control policy",
            "resource control policy",
            "other policy",
            "undetermined",
          ]),
          scp: evaluationViewSchema.nullable(),
          rcp: evaluationViewSchema.nullable(),
          messagePolicyCheck: z.object({
            status: z.enum(["agrees", "disagrees", "not_named"]),
            policyId: z.string().nullable(),
            explanation: z.string(),
          }),
          fixSequence: z
            .array(z.object({ round: count, decision: decisionSchema, blockers: z.array(z.string()) }))
            .describe(
              "round 1 is today; each later round shows what still blocks once the earlier blockers are fixed",
            ),
          remediation: z.array(
            z.object({
              kind: z.string(),
              description: z.string(),
              policyId: z.string().nullable(),
              policyName: z.string().nullable(),
              statementIndex: count.nullable(),
              sid: z.string().nullable(),
              targetId: z.string().nullable(),
              targetName: z.string().nullable(),
              change: z.string().nullable(),
              blastRadius: blastRadiusSchema.nullable(),
              loosensGuardrail: z.boolean(),
            }),
          ),
          guidance: z.array(z.string()),
        }),
      )
      .describe("this page, most important first"),
    page: pageSchema,
  },
  handler: async ({ text, accountId, region, limit, cursor }, ctx) => {
    const { org } = requireOrg(ctx);
    const hints = { ...(accountId ? { accountId } : {}), ...(region ? { region } : {}) };
    const analysis = await readLog(text, hints, ctx.budget);
    // Each denial is a few milliseconds of work: the page yields to the event loop between slices.
    const slicer = new Slicer();
    // Only the page's denials are evaluated: the rest are counted, and read by cursor.
    const paged = await paginate(
      analysis.parse.denials,
      { tool: "analyze_error_log", args: { text, accountId, region }, limit, cursor, what: "denials" },
      {
        key: (d) => `${d.line}:${d.action}:${d.principalArn}:${d.resource}:${d.occurrences}`,
        view: async (facts) => {
          await slicer.next();
          const view = viewDenial(await analyzeDenial(org, facts, hints, ctx.budget));
          return { view, lines: denialLines(view) };
        },
        cost: ({ view, lines }) => sizeOf(view, lines),
      },
    );
    const denials = paged.items.map((d) => d.view);
    const lines: string[] = [];
    if (analysis.found === 0) {
      lines.push(
        "No denied request found in the text." +
          (analysis.parse.warnings.length ? ` ${analysis.parse.warnings.join(" ")}` : "") +
          " Paste the full error message (it usually reads 'User: arn:… is not authorized to perform: …').",
      );
    }
    paged.items.forEach((d, i) => {
      const [first, ...rest] = d.lines;
      lines.push(`${paged.page.offset + i + 1}. ${first}`, ...rest);
    });
    const omitted = analysis.found - denials.length;
    if (omitted > 0) {
      const types = Object.entries(analysis.byPolicyType)
        .map(([type, n]) => `${thousands(n)} ${type}`)
        .join(", ");
      lines.push(
        `(${thousands(omitted)} more distinct denials not listed here; all ${thousands(analysis.found)} by policy type: ${types})`,
      );
    }
    const next = pageLine(paged, "denials");
    if (next) lines.push(next);
    const name = (i: number): string =>
      `${paged.page.offset + i + 1}. ${denials[i]?.facts.action ?? "(unknown action)"}`;
    const pastBudget = budgetReason(ctx.budget);
    const notEvaluated = denials.flatMap((d, i) => (d.notEvaluatedReason === pastBudget ? [name(i)] : []));
    const stopped = notEvaluated.length
      ? incomplete(
          ctx.budget.describe(),
          denials.flatMap((d, i) => (d.evaluated ? [name(i)] : [])),
          notEvaluated,
        )
      : null;
    if (stopped) lines.push(describeIncomplete(stopped, "Denials evaluated", "Denials not evaluated"));
    if (denials.length > 0 && analysis.parse.warnings.length > 0)
      lines.push(`warnings: ${analysis.parse.warnings.join(" ")}`);
    const c = analysis.parse.counts;
    return {
      summary: lines.join("\n"),
      data: {
        found: analysis.found,
        evaluated: denials.filter((d) => d.evaluated).length,
        omitted,
        warnings: analysis.parse.warnings,
        counts: {
          characters: c.characters,
          lines: c.lines,
          events: c.events,
          sightings: c.sightings,
          denials: c.denials,
          byPolicyType: analysis.byPolicyType,
        },
        incomplete: stopped,
        denials,
        page: paged.page,
      },
    };
  },
});

function viewDenial(d: DenialAnalysis) {
  return {
    facts: {
      principalArn: d.facts.principalArn,
      accountId: d.facts.accountId,
      action: d.facts.action,
      resource: d.facts.resource,
      policyType: d.facts.policyType,
      denyKind: d.facts.denyKind,
      policyArn: d.facts.policyArn,
      region: d.facts.region,
      occurrences: d.facts.occurrences,
      source: d.facts.source,
      sdkOperation: d.facts.sdkOperation,
      errorCode: d.facts.errorCode,
      requestId: d.facts.requestId,
      // A longer one is the caller's own paste, and the decode command says to use it as pasted.
      encodedMessage:
        d.facts.encodedMessage === null ? null : clip(d.facts.encodedMessage, MAX_INLINE_ENCODED),
      requestContext: d.facts.requestContext,
      line: d.facts.line,
      rawMessage: clip(d.facts.rawMessage, MAX_RAW_MESSAGE),
      notes: d.facts.notes,
    },
    evaluated: d.evaluated,
    notEvaluatedReason: d.notEvaluatedReason,
    decision: d.simulation?.decision ?? null,
    attribution: d.attribution,
    scp: d.simulation ? viewEvaluation(d.simulation.scp) : null,
    rcp: d.simulation?.rcp ? viewEvaluation(d.simulation.rcp) : null,
    messagePolicyCheck: d.messagePolicyCheck,
    fixSequence: d.fixSequence,
    remediation: d.remediation,
    guidance: d.guidance,
  };
}

/** A denial in a few lines: what was denied, by what, and the first fixes. The caller numbers it. */
function denialLines(d: ReturnType<typeof viewDenial>): string[] {
  const f = d.facts;
  const lines = [
    `${f.action ?? "(unknown action)"} by ${f.principalArn ?? "(unknown principal)"}` +
      (f.resource ? ` on ${clip(f.resource, 300)}` : "") +
      (f.occurrences > 1 ? ` (${f.occurrences} times)` : ""),
  ];
  if (!d.evaluated) lines.push(`   not evaluated: ${d.notEvaluatedReason}`);
  else lines.push(`   organization policies: ${d.decision?.replace(/_/g, " ")} (${d.attribution})`);
  for (const view of [d.scp, d.rcp]) {
    for (const s of view?.deniedBy ?? [])
      lines.push(
        `   denied by ${s.policyName} (${s.policyId}) statement ${s.sid ? `"${s.sid}" ` : ""}#${s.statementIndex} at ${s.targetName} (${s.targetId})`,
      );
    for (const m of view?.missingAllowAt ?? []) lines.push(`   no Allow at ${m.targetName} (${m.targetId})`);
    if (view) lines.push(...undecidedLines(view, "   "));
    for (const c of view?.caveats ?? []) lines.push(`   caveat: ${c.message}`);
  }
  if (
    d.messagePolicyCheck.status === "disagrees" ||
    (d.messagePolicyCheck.status === "agrees" && d.decision === "depends_on_context")
  )
    lines.push(`   note: ${d.messagePolicyCheck.explanation}`);
  const later = d.fixSequence.filter((s) => s.round > 1 && s.blockers.length);
  const blocked = later.filter((s) => s.decision !== "depends_on_context");
  const maybe = later.filter((s) => s.decision === "depends_on_context");
  if (blocked.length)
    lines.push(`   after that fix, still blocked by: ${blocked.flatMap((s) => s.blockers).join("; ")}`);
  if (maybe.length)
    lines.push(
      `   after that fix, depending on context the log does not show, also: ${maybe.flatMap((s) => s.blockers).join("; ")}`,
    );
  const shown = d.remediation.slice(0, 3);
  const decode = d.remediation.find((r) => r.kind === "decode_message");
  if (decode && !shown.includes(decode)) shown.push(decode);
  for (const r of shown)
    lines.push(`   fix: ${r.description}${r.blastRadius ? ` [touches ${r.blastRadius.description}]` : ""}`);
  for (const g of d.guidance) lines.push(`   ${g}`);
  return lines;
}
