/** How tools show an engine decision: the deciding statements located exactly, and why. */
import { z } from "zod";
import { count } from "./schemas.js";
import type { ConditionExplanation } from "../policy/conditions.js";
import type { EvaluationResult, StatementEvaluation, StatementRef } from "../policy/evaluate.js";
import type { Tri } from "../policy/tri.js";
import { clip, listText } from "./text.js";

export const decisionSchema = z
  .enum(["allowed", "explicitly_denied", "implicitly_denied", "depends_on_context"])
  .meta({ id: "Decision" });
const triSchema = z.enum(["true", "false", "unknown"]);
const tri = (v: Tri | undefined): z.infer<typeof triSchema> =>
  v === undefined ? "unknown" : (String(v) as "true");

export const levelLocationSchema = z.object({
  levelIndex: count.describe("0 is the root"),
  targetId: z.string(),
  targetType: z.enum(["ROOT", "ORGANIZATIONAL_UNIT", "ACCOUNT"]),
  targetName: z.string(),
});

const statementLocationShape = {
  ...levelLocationSchema.shape,
  policyId: z.string(),
  policyName: z.string(),
  statementIndex: count,
  sid: z.string().nullable(),
  effect: z.enum(["Allow", "Deny"]),
};
export const statementLocationSchema = z.object(statementLocationShape);
export type StatementLocation = z.infer<typeof statementLocationSchema>;

const conditionViewSchema = z.object({
  operator: z.string(),
  key: z.string(),
  policyValues: z.array(z.string()),
  contextValue: z
    .union([z.string(), z.array(z.string())])
    .nullable()
    .describe("null when the key is missing; long values and lists are shortened"),
  result: triSchema,
  reason: z.string(),
});

/** At most this many of an element's patterns are shown, the matched ones first; patternCount says how many. */
export const MAX_PATTERNS_SHOWN = 10;

const patternsShape = {
  element: z.string(),
  patterns: z.array(z.string()).describe(`the matched patterns first; at most ${MAX_PATTERNS_SHOWN}`),
  patternCount: count,
  matchedPatterns: z.array(z.string()),
};
const patternsSchema = z.object(patternsShape);
const resourcePatternsSchema = z.object({ ...patternsShape, resource: z.string().nullable() });

const statementViewShape = {
  ...statementLocationShape,
  applies: triSchema,
  reason: z.string(),
  action: patternsSchema,
  resource: resourcePatternsSchema.nullable(),
  conditions: z.array(conditionViewSchema),
  missingKeys: z.array(z.string()),
};
export const statementViewSchema = z.object(statementViewShape);
export type StatementView = z.infer<typeof statementViewSchema>;

const caveatViewSchema = z.object({
  reading: z.string().describe("the open question of the policy language (src/policy/readings.ts)"),
  statements: z.array(statementLocationSchema),
  decisionUnderOtherReading: decisionSchema,
  source: z.string().describe("the AWS documentation page the answer follows"),
  message: z.string(),
});

const outcomeSchema = z.object({
  scenario: z.string(),
  decision: decisionSchema,
  description: z.string(),
  context: z
    .record(z.string(), z.union([z.string(), z.array(z.string())]))
    .optional()
    .describe("values of the missing keys that give this decision ([] = absent)"),
});

const evaluationShape = {
  policyType: z.enum(["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"]),
  decision: decisionSchema,
  summary: z.string(),
  deniedBy: z.array(statementViewSchema).describe("Deny statements that match (explicitly_denied)"),
  allowedBy: z
    .array(statementLocationSchema)
    .describe("where an Allow matches at each level, for an allowed decision"),
  undecided: z.array(statementViewSchema).describe("statements whose outcome depends on missing context"),
  missingAllowAt: z.array(levelLocationSchema.extend({ reason: z.string() })),
  missingContextKeys: z.array(z.string()),
  outcomes: z.array(outcomeSchema),
  exemption: z.object({ kind: z.string(), reason: z.string() }).nullable(),
  notes: z.array(z.string()),
  warnings: z.array(z.string()),
  caveats: z
    .array(caveatViewSchema)
    .optional()
    .describe(
      "present when the decision rests on a reading AWS's documentation leaves open: the statements, and the decision under the other reading",
    ),
};

export const evaluationViewSchema = z.object(evaluationShape);
export type EvaluationView = z.infer<typeof evaluationViewSchema>;

export function locate(s: StatementRef): StatementLocation {
  return {
    levelIndex: s.level.index,
    targetId: s.level.targetId,
    targetType: s.level.targetType,
    targetName: s.level.targetName,
    policyId: s.policyId,
    policyName: s.policyName,
    statementIndex: s.statementIndex,
    sid: s.sid ?? null,
    effect: s.effect,
  };
}

/**
 * The caller's context is echoed in every condition it meets, for every action: shortened, so an
 * answer does not grow with a large context (issue 15).
 */
const MAX_ECHOED_VALUES = 5;
const MAX_ECHOED_CHARS = 200;
const MAX_REASON_CHARS = 500;

const shorten = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max)}...[${text.length - max} more characters]`;

function echoed(value: string | string[]): string | string[] {
  if (typeof value === "string") return shorten(value, MAX_ECHOED_CHARS);
  const shown = value.slice(0, MAX_ECHOED_VALUES).map((v) => shorten(v, MAX_ECHOED_CHARS));
  return value.length > shown.length ? [...shown, `...[${value.length - shown.length} more values]`] : shown;
}

function viewCondition(c: ConditionExplanation): z.infer<typeof conditionViewSchema> {
  return {
    operator: c.operator,
    key: c.key,
    policyValues: c.resolvedPolicyValues ?? c.policyValues,
    contextValue: c.contextValue === undefined ? null : echoed(c.contextValue),
    result: tri(c.result),
    reason: shorten(c.reason, MAX_REASON_CHARS),
  };
}

/** A statement may list a hundred actions: the matched ones are what explains the decision. */
function viewPatterns(element: string, patterns: readonly string[], matched: readonly string[]) {
  const shown = [...matched, ...patterns.filter((p) => !matched.includes(p))].slice(0, MAX_PATTERNS_SHOWN);
  return { element, patterns: shown, patternCount: patterns.length, matchedPatterns: [...matched] };
}

export function viewStatement(s: StatementEvaluation): StatementView {
  return {
    ...locate(s),
    applies: tri(s.applies),
    reason: s.reason,
    action: viewPatterns(s.action.element, s.action.patterns, s.action.matchedPatterns),
    resource: s.resource
      ? {
          ...viewPatterns(s.resource.element, s.resource.patterns, s.resource.matchedPatterns),
          resource: s.resource.resource,
        }
      : null,
    conditions: (s.conditions ?? []).map(viewCondition),
    missingKeys: s.missingKeys,
  };
}

export function viewEvaluation(r: EvaluationResult): EvaluationView {
  const deciding = r.decidingStatements.map(viewStatement);
  return {
    policyType: r.policyType,
    decision: r.decision,
    summary: r.summary,
    deniedBy: r.decision === "explicitly_denied" ? deciding.filter((s) => s.effect === "Deny") : [],
    allowedBy:
      r.decision === "allowed" ? r.decidingStatements.filter((s) => s.effect === "Allow").map(locate) : [],
    undecided: [
      ...(r.decision === "depends_on_context" ? deciding : []),
      ...(r.undecidedDenyStatements ?? []).map(viewStatement),
    ],
    missingAllowAt: r.missingAllowAt.map((m) => ({
      levelIndex: m.index,
      targetId: m.targetId,
      targetType: m.targetType,
      targetName: m.targetName,
      reason: m.reason,
    })),
    missingContextKeys: r.missingContextKeys,
    outcomes: (r.outcomes ?? []).map((o) => ({
      scenario: o.scenario,
      decision: o.decision,
      description: o.description,
      ...(o.context
        ? {
            context: Object.fromEntries(
              Object.entries(o.context).map(([k, v]) => [k, typeof v === "string" ? v : [...v]]),
            ),
          }
        : {}),
    })),
    exemption: r.exemption ? { kind: r.exemption.kind, reason: r.exemption.reason } : null,
    notes: r.notes,
    warnings: r.warnings,
    ...(r.caveats.length > 0
      ? {
          caveats: r.caveats.map((c) => ({
            reading: c.reading,
            statements: c.statements.map(locate),
            decisionUnderOtherReading: c.decisionUnderOtherReading,
            source: c.source,
            message: c.message,
          })),
        }
      : {}),
  };
}

/** One line naming a statement the way a person looks it up. */
export function describeLocation(s: StatementLocation): string {
  const where = s.targetType === "ROOT" ? "root" : s.targetType === "ACCOUNT" ? "account" : "OU";
  return `${s.effect} statement ${s.sid ? `"${s.sid}" ` : ""}(#${s.statementIndex}) of ${s.policyName} (${s.policyId}) attached to ${where} ${s.targetName} (${s.targetId})`;
}

/** Undecided statements said in the text, at most; `undecided` in the structured answer has them all. */
const MAX_UNDECIDED_LINES = 5;

/** The engine's outcomes said shortly, the statements they name being listed just above. */
const OUTCOME_TEXT: Readonly<Record<string, string>> = {
  missing_keys_absent: "if the request carries none of the missing keys",
  undecided_deny_matches: "if any undecided Deny statement applies",
  undecided_statements_favourable:
    "if no undecided Deny applies (and an undecided Allow, where one is needed)",
};

const contextText = (v: string | string[]): string =>
  typeof v === "string" ? JSON.stringify(clip(v, 120)) : listText(v, 4);

/**
 * For an answer that depends on the request context, what a model needs to say so: the statements
 * that cannot be decided and the conditions that leave them open, and each possible outcome with key
 * values that give it when the engine found some. Empty for a decided answer.
 */
export function undecidedLines(view: EvaluationView, indent: string): string[] {
  if (view.decision !== "depends_on_context") return [];
  const lines = view.undecided.slice(0, MAX_UNDECIDED_LINES).map((s) => {
    const open = s.conditions
      .filter((c) => c.result === "unknown")
      .map((c) => `${c.operator} ${clip(c.key, 128)} ${listText(c.policyValues, 4)}`);
    const resource = s.missingKeys.includes("(request resource)") ? ["the resource"] : [];
    const needs = [...open, ...resource];
    return `${indent}undecided: ${describeLocation(s)}${needs.length ? `, open on ${needs.join(" and ")}` : ""}`;
  });
  if (view.undecided.length > MAX_UNDECIDED_LINES)
    lines.push(`${indent}... ${view.undecided.length - MAX_UNDECIDED_LINES} more undecided statement(s)`);
  for (const o of view.outcomes) {
    const when = OUTCOME_TEXT[o.scenario] ?? clip(o.description, 200);
    const values = Object.entries(o.context ?? {}).map(([k, v]) => `${clip(k, 128)}=${contextText(v)}`);
    lines.push(
      `${indent}outcome: ${o.decision.replace(/_/g, " ")} ${when}${values.length ? ` (e.g. ${values.join(", ")})` : ""}`,
    );
  }
  return lines;
}
