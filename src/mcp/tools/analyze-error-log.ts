import { z } from "zod";
import { analyzeLog, MAX_EVALUATED_DENIALS } from "../../audit/analyze-log.js";
import { MAX_LOG_CHARS, MAX_LOG_EVENTS, thousands } from "../../logs/limits.js";
import { accountIdSchema, awsRegionSchema } from "../../model/ids.js";
import { defineTool } from "../define-tool.js";
import { decisionSchema, evaluationViewSchema, viewEvaluation } from "../evaluation-view.js";
import { requireOrg } from "../require-org.js";

const blastRadiusSchema = z.object({
  accounts: z.number().int(),
  ous: z.number().int(),
  description: z.string(),
});

export const analyzeErrorLog = defineTool({
  name: "analyze_error_log",
  title: "Explain AccessDenied errors in a pasted log",
  description:
    "Takes pasted output (AWS CLI, SDK stack traces, Terraform, CloudFormation events, CloudTrail JSON, XML/JSON " +
    "error bodies) and, for every distinct denied request in it, extracts the principal, action, resource and " +
    "policy type, evaluates the request against the organization's SCPs and RCPs, names the exact policy and " +
    "statement that denies it, says whether other policies would still deny once that one is fixed, and proposes " +
    "fixes with how many accounts and OUs each would touch. Reads the decoded authorization message " +
    "(aws sts decode-authorization-message output) and evaluates with its context keys; for an encoded one it " +
    "gives the decode command. Use it whenever someone pastes an AccessDenied or UnauthorizedOperation error. " +
    `Lists the ${MAX_EVALUATED_DENIALS} most important distinct denials (SCP and RCP denials first) and counts the rest.`,
  input: {
    text: z
      .string()
      .max(
        MAX_LOG_CHARS,
        `text is longer than ${thousands(MAX_LOG_CHARS)} characters, the limit of analyze_error_log: paste the part of the log around the failure`,
      )
      .describe(
        `the pasted log or error output, as is: at most ${thousands(MAX_LOG_CHARS)} characters and ${thousands(MAX_LOG_EVENTS)} events ` +
          "(CloudTrail events, error messages, decoded authorization messages); a longer log is refused with an error naming the limit",
      ),
    accountId: accountIdSchema
      .optional()
      .describe("the account the request came from, when the log redacts it"),
    region: awsRegionSchema
      .optional()
      .describe("the region the request was sent to, when the log does not say"),
  },
  output: {
    found: z.number().int().describe("distinct denied requests found"),
    evaluated: z.number().int(),
    omitted: z
      .number()
      .int()
      .describe(
        `distinct denied requests found but not listed: denials holds the ${MAX_EVALUATED_DENIALS} most important (SCP and RCP denials first, then the most frequent)`,
      ),
    warnings: z
      .array(z.string())
      .describe("one per kind of problem with the text, with a count when it repeats"),
    counts: z.object({
      characters: z.number(),
      lines: z.number(),
      events: z.number().describe("CloudTrail events, error messages and decoded messages read"),
      sightings: z.number(),
      denials: z.number(),
      byPolicyType: z
        .record(z.string(), z.number().int())
        .describe('distinct denials by the policy type their message names ("not named" when none)'),
    }),
    denials: z.array(
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
          occurrences: z.number().int(),
          source: z.string(),
          sdkOperation: z.string().nullable(),
          errorCode: z.string().nullable(),
          requestId: z.string().nullable(),
          encodedMessage: z.string().nullable(),
          requestContext: z
            .record(z.string(), z.array(z.string()))
            .nullable()
            .describe("the request's condition keys, from a decoded authorization message"),
          line: z.number().int(),
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
          .array(
            z.object({ round: z.number().int(), decision: decisionSchema, blockers: z.array(z.string()) }),
          )
          .describe(
            "round 1 is today; each later round shows what still blocks once the earlier blockers are fixed",
          ),
        remediation: z.array(
          z.object({
            kind: z.string(),
            description: z.string(),
            policyId: z.string().nullable(),
            policyName: z.string().nullable(),
            statementIndex: z.number().int().nullable(),
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
    ),
  },
  handler: async ({ text, accountId, region }, ctx) => {
    const { org } = requireOrg(ctx);
    const analysis = await analyzeLog(org, text, {
      ...(accountId ? { accountId } : {}),
      ...(region ? { region } : {}),
    });
    const denials = analysis.denials.map((d) => ({
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
        encodedMessage: d.facts.encodedMessage,
        requestContext: d.facts.requestContext,
        line: d.facts.line,
        rawMessage: d.facts.rawMessage,
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
    }));
    const lines: string[] = [];
    if (denials.length === 0) {
      lines.push(
        "No denied request found in the text." +
          (analysis.parse.warnings.length ? ` ${analysis.parse.warnings.join(" ")}` : "") +
          " Paste the full error message (it usually reads 'User: arn:… is not authorized to perform: …').",
      );
    }
    for (const [i, d] of denials.entries()) {
      const f = d.facts;
      lines.push(
        `${i + 1}. ${f.action ?? "(unknown action)"} by ${f.principalArn ?? "(unknown principal)"}` +
          (f.resource ? ` on ${f.resource}` : "") +
          (f.occurrences > 1 ? ` (${f.occurrences} times)` : ""),
      );
      if (!d.evaluated) lines.push(`   not evaluated: ${d.notEvaluatedReason}`);
      else lines.push(`   organization policies: ${d.decision?.replace(/_/g, " ")} (${d.attribution})`);
      for (const view of [d.scp, d.rcp]) {
        for (const s of view?.deniedBy ?? [])
          lines.push(
            `   denied by ${s.policyName} (${s.policyId}) statement ${s.sid ? `"${s.sid}" ` : ""}#${s.statementIndex} at ${s.targetName} (${s.targetId})`,
          );
        for (const m of view?.missingAllowAt ?? [])
          lines.push(`   no Allow at ${m.targetName} (${m.targetId})`);
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
        lines.push(
          `   fix: ${r.description}${r.blastRadius ? ` [touches ${r.blastRadius.description}]` : ""}`,
        );
      for (const g of d.guidance) lines.push(`   ${g}`);
    }
    if (analysis.omitted > 0) {
      const types = Object.entries(analysis.byPolicyType)
        .map(([type, n]) => `${thousands(n)} ${type}`)
        .join(", ");
      lines.push(
        `(${thousands(analysis.omitted)} more distinct denials not listed; all ${thousands(analysis.parse.denials.length)} by policy type: ${types})`,
      );
    }
    if (denials.length > 0 && analysis.parse.warnings.length > 0)
      lines.push(`warnings: ${analysis.parse.warnings.join(" ")}`);
    const c = analysis.parse.counts;
    return {
      summary: lines.join("\n"),
      data: {
        found: analysis.parse.denials.length,
        evaluated: denials.filter((d) => d.evaluated).length,
        omitted: analysis.omitted,
        warnings: analysis.parse.warnings,
        counts: {
          characters: c.characters,
          lines: c.lines,
          events: c.events,
          sightings: c.sightings,
          denials: c.denials,
          byPolicyType: analysis.byPolicyType,
        },
        denials,
      },
    };
  },
});
