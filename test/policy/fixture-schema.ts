/** Schema of the data-driven evaluator cases in test/fixtures/evaluator/*.json, and their chain builder. */
import { z } from "zod";
import type { ChainTarget } from "../../src/model/chain.js";
import type { EvaluationChain } from "../../src/policy/index.js";

const targetSchema = z.object({
  id: z.string(),
  type: z.enum(["ROOT", "ORGANIZATIONAL_UNIT", "ACCOUNT"]),
  name: z.string(),
});

/** A level is either a list of policy ids (targets are filled in by position) or an explicit target. */
const levelSchema = z.union([
  z.array(z.string()),
  z.object({ target: targetSchema.optional(), policies: z.array(z.string()) }),
]);

const chainSchema = z.object({
  policyType: z.enum(["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"]).default("SERVICE_CONTROL_POLICY"),
  levels: z.array(levelSchema).min(1),
  isManagementAccount: z.boolean().default(false),
  managementAccountId: z.string().default("999999999999"),
});

const policySchema = z.object({
  name: z.string(),
  awsManaged: z.boolean().optional(),
  /** The document as JSON; or `content`, the exact text Organizations would store. */
  document: z.record(z.string(), z.unknown()).optional(),
  content: z.string().optional(),
});

const decisionSchema = z.enum(["allowed", "explicitly_denied", "implicitly_denied", "depends_on_context"]);

const statementRefSchema = z.object({
  policy: z.string(),
  /** Statement index, or its Sid. */
  statement: z.union([z.number().int().nonnegative(), z.string()]),
});

const contextValueSchema = z.union([z.string(), z.array(z.string())]);

/** A sentence of AWS's documentation the case rests on, quoted, and its page. */
const sourceSchema = z.object({ url: z.url(), quote: z.string().min(20) });

const readingSchema = z.enum([
  "resource_variable_before_resource_part",
  "multivalued_key_without_set_operator",
  "unresolved_policy_variable",
  "resource_arn_prefix_case",
  "for_any_value_if_exists_absent",
]);

const caseSchema = z.object({
  name: z.string(),
  /** Why the case matters (free text). */
  why: z.string().optional(),
  /** The documentation the expected answer follows, quoted. */
  sources: z.array(sourceSchema).optional(),
  chain: z.union([z.string(), chainSchema]),
  request: z.object({
    action: z.string(),
    resource: z.string().optional(),
    principalArn: z.string().optional(),
    principalAccount: z.string().optional(),
    region: z.string().optional(),
    context: z.record(z.string(), contextValueSchema).optional(),
  }),
  options: z
    .object({
      missingKeys: z.enum(["unknown", "absent"]).optional(),
      now: z.string().optional(),
    })
    .optional(),
  expect: z.object({
    decision: decisionSchema,
    /** Exactly the deciding statements (order-insensitive, deduplicated across levels). */
    deciding: z.array(statementRefSchema),
    /** Target ids of the levels with no matching Allow. */
    missingAllowAt: z.array(z.string()).optional(),
    missingContextKeys: z.array(z.string()).optional(),
    /** Keys the decision reads as absent through IfExists, Null or a set operator. */
    keysAssumedAbsent: z.array(z.string()).optional(),
    exemption: z
      .enum([
        "management_account",
        "service_linked_role",
        "rcp_unsupported_service",
        "rcp_action_not_restricted",
        "action_needs_no_permission",
      ])
      .optional(),
    decisionWithoutExemption: decisionSchema.optional(),
    actionStatus: z.enum(["known", "unknown_action", "unknown_service", "not_loaded", "invalid"]).optional(),
    /** Scenario → decision, for depends_on_context. */
    outcomes: z.record(z.string(), decisionSchema).optional(),
    /** Scenarios that must not be listed (no case of the missing keys yields them). */
    noOutcome: z.array(z.string()).optional(),
    /** Scenario → the key values listed as yielding it. */
    outcomeContexts: z.record(z.string(), z.record(z.string(), contextValueSchema)).optional(),
    derivedContext: z.record(z.string(), z.string()).optional(),
    warningIncludes: z.array(z.string()).optional(),
    noteIncludes: z.array(z.string()).optional(),
    /** Substrings the explanation (summary, deciding statements and their conditions) must contain. */
    reasonIncludes: z.array(z.string()).optional(),
    /**
     * The caveats: each open reading (src/policy/readings.ts) the answer rests on, the decision under
     * the other reading and the statements named. Absent: the answer must carry none.
     */
    caveats: z
      .array(
        z.object({
          reading: readingSchema,
          decisionUnderOtherReading: decisionSchema,
          statements: z.array(statementRefSchema).optional(),
        }),
      )
      .optional(),
  }),
});

export const fixtureFileSchema = z.object({
  description: z.string(),
  source: z.union([z.string(), z.array(z.string())]).optional(),
  policies: z.record(z.string(), policySchema),
  chains: z.record(z.string(), chainSchema).default({}),
  cases: z.array(caseSchema).min(1),
});

export type FixtureFile = z.infer<typeof fixtureFileSchema>;
export type FixtureCase = z.infer<typeof caseSchema>;
export type FixtureChain = z.infer<typeof chainSchema>;

export const DEFAULT_ACCOUNT = "111111111111";

/** Default targets by position: the root, then OUs, then the member account. */
export function defaultTarget(index: number, count: number): ChainTarget {
  if (index === 0) return { id: "r-ab12", type: "ROOT", name: "Root" };
  if (index === count - 1) return { id: DEFAULT_ACCOUNT, type: "ACCOUNT", name: "Member" };
  return { id: `ou-ab12-0000000${index}`, type: "ORGANIZATIONAL_UNIT", name: `OU${index}` };
}

export function buildChain(file: FixtureFile, spec: FixtureChain): EvaluationChain {
  const levels = spec.levels.map((level, index) => {
    const ids = Array.isArray(level) ? level : level.policies;
    const target = (!Array.isArray(level) && level.target) || defaultTarget(index, spec.levels.length);
    return {
      target,
      policies: ids.map((id) => {
        const p = file.policies[id];
        if (!p) throw new Error(`unknown policy ${id}`);
        const content = p.content ?? JSON.stringify(p.document);
        return {
          id,
          name: p.name,
          content,
          ...(p.awsManaged !== undefined ? { awsManaged: p.awsManaged } : {}),
        };
      }),
    };
  });
  const last = levels[levels.length - 1];
  return {
    policyType: spec.policyType,
    ...(last ? { target: last.target } : {}),
    levels,
    isManagementAccount: spec.isManagementAccount,
    managementAccountId: spec.managementAccountId,
  };
}
