/** How tools show an engine decision: the deciding statements located exactly, and why. */
import { z } from "zod";
import type { ConditionExplanation } from "../policy/conditions.js";
import type { EvaluationResult, StatementEvaluation, StatementRef } from "../policy/evaluate.js";
import type { Tri } from "../policy/tri.js";

export const decisionSchema = z.enum([
  "allowed",
  "explicitly_denied",
  "implicitly_denied",
  "depends_on_context",
]);
const triSchema = z.enum(["true", "false", "unknown"]);
const tri = (v: Tri | undefined): z.infer<typeof triSchema> =>
  v === undefined ? "unknown" : (String(v) as "true");

export const levelLocationSchema = z.object({
  levelIndex: z.number().int().describe("0 is the root"),
  targetId: z.string(),
  targetType: z.enum(["ROOT", "ORGANIZATIONAL_UNIT", "ACCOUNT"]),
  targetName: z.string(),
});

export const statementLocationSchema = levelLocationSchema.extend({
  policyId: z.string(),
  policyName: z.string(),
  statementIndex: z.number().int(),
  sid: z.string().nullable(),
  effect: z.enum(["Allow", "Deny"]),
});
export type StatementLocation = z.infer<typeof statementLocationSchema>;

const conditionViewSchema = z.object({
  operator: z.string(),
  key: z.string(),
  policyValues: z.array(z.string()),
  contextValue: z
    .union([z.string(), z.array(z.string())])
    .nullable()
    .describe("null when the key is missing"),
  result: triSchema,
  reason: z.string(),
});

export const statementViewSchema = statementLocationSchema.extend({
  applies: triSchema,
  reason: z.string(),
  action: z.object({
    element: z.string(),
    patterns: z.array(z.string()),
    matchedPatterns: z.array(z.string()),
  }),
  resource: z
    .object({
      element: z.string(),
      patterns: z.array(z.string()),
      matchedPatterns: z.array(z.string()),
      resource: z.string().nullable(),
    })
    .nullable(),
  conditions: z.array(conditionViewSchema),
  missingKeys: z.array(z.string()),
});
export type StatementView = z.infer<typeof statementViewSchema>;

const caveatViewSchema = z.object({
  reading: z.string().describe("the open question of the policy language (src/policy/readings.ts)"),
  statements: z.array(statementLocationSchema),
  decisionUnderOtherReading: decisionSchema,
  source: z.string().describe("the AWS documentation page the answer follows"),
  message: z.string(),
});

export const evaluationViewSchema = z.object({
  policyType: z.enum(["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"]),
  decision: decisionSchema,
  summary: z.string(),
  deniedBy: z.array(statementViewSchema).describe("Deny statements that match (explicitly_denied)"),
  allowedBy: z.array(statementViewSchema).describe("Allow statements that match, for an allowed decision"),
  undecided: z.array(statementViewSchema).describe("statements whose outcome depends on missing context"),
  missingAllowAt: z.array(levelLocationSchema.extend({ reason: z.string() })),
  missingContextKeys: z.array(z.string()),
  outcomes: z.array(
    z.object({
      scenario: z.string(),
      decision: decisionSchema,
      description: z.string(),
      context: z
        .record(z.string(), z.union([z.string(), z.array(z.string())]))
        .optional()
        .describe("values of the missing keys that give this decision ([] = absent)"),
    }),
  ),
  exemption: z.object({ kind: z.string(), reason: z.string() }).nullable(),
  notes: z.array(z.string()),
  warnings: z.array(z.string()),
  caveats: z
    .array(caveatViewSchema)
    .optional()
    .describe(
      "present when the decision rests on a reading AWS's documentation leaves open: the statements, and the decision under the other reading",
    ),
});
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

function viewCondition(c: ConditionExplanation): z.infer<typeof conditionViewSchema> {
  return {
    operator: c.operator,
    key: c.key,
    policyValues: c.resolvedPolicyValues ?? c.policyValues,
    contextValue: c.contextValue === undefined ? null : c.contextValue,
    result: tri(c.result),
    reason: c.reason,
  };
}

export function viewStatement(s: StatementEvaluation): StatementView {
  return {
    ...locate(s),
    applies: tri(s.applies),
    reason: s.reason,
    action: {
      element: s.action.element,
      patterns: s.action.patterns,
      matchedPatterns: s.action.matchedPatterns,
    },
    resource: s.resource
      ? {
          element: s.resource.element,
          patterns: s.resource.patterns,
          matchedPatterns: s.resource.matchedPatterns,
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
    allowedBy: r.decision === "allowed" ? deciding.filter((s) => s.effect === "Allow") : [],
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
