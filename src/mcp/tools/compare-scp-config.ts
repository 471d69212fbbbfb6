import { z } from "zod";
import type { LoadedBaseline } from "../../audit/baseline-source.js";
import { incomplete, type CallBudget } from "../../audit/budget.js";
import { computeDrift } from "../../audit/drift.js";
import { errorMessage, invalidInput, UserError } from "../../errors.js";
import { targetIdSchema } from "../../model/ids.js";
import { JsonTooLargeError, parseJsonBounded } from "../../offload/json.js";
import { BaselineValidationError, parseBaselineSliced } from "../../policy/baseline-schema.js";
import { DRIFT_KINDS, type DriftFinding } from "../../policy/diff.js";
import { atLeast, DIRECTIONS } from "../../policy/findings.js";
import {
  compactJsonLength,
  count as formatCount,
  MAX_BASELINE_CHARS,
  MAX_BASELINE_POLICIES,
  MAX_BASELINE_TARGETS,
  MAX_POLICY_TARGETS,
} from "../../policy/limits.js";
import { defineTool } from "../define-tool.js";
import { PAGE_SIZES, pageLine, pageSchema, paginate, pagingInput, sizeOf } from "../paging.js";
import { describeIncomplete, incompleteSchema } from "../incomplete.js";
import { requireOrg } from "../require-org.js";
import { count, policyTypeSchema, targetSchema } from "../schemas.js";
import { severitySchema } from "./lint-scp-policy.js";

/** What one finding shows at most: targets, list entries, characters of a value. */
const MAX_SHOWN_TARGETS = 50;
const MAX_SHOWN_ITEMS = 50;
const MAX_SHOWN_CHARS = 1_000;

const statementRefSchema = z.object({ index: count, sid: z.string().nullable() }).nullable();

export const driftFindingSchema = z.object({
  id: z.string().describe("stable identifier of this difference"),
  kind: z.enum(DRIFT_KINDS).describe("stable finding kind (docs/baseline.md, Finding kinds)"),
  severity: severitySchema,
  direction: z.enum(DIRECTIONS).describe("weakens (allows more), tightens (denies more) or neutral"),
  policy: z.object({
    name: z.string(),
    type: policyTypeSchema,
    id: z.string().nullable().describe("the organization's policy id; null when it does not exist there"),
    baselineIndex: z
      .number()
      .int()
      .nullable()
      .describe("position in the baseline's policies; null if not in it"),
  }),
  targets: z.array(targetSchema.extend({ path: z.string() })).describe("targets concerned, inside the scope"),
  statement: z
    .object({ expected: statementRefSchema, actual: statementRefSchema })
    .nullable()
    .describe("the paired statements (index and Sid) in the baseline and in the organization"),
  element: z
    .string()
    .nullable()
    .describe("Effect, Action, NotAction, Resource, Condition, Statement, attachment..."),
  condition: z.object({ operator: z.string(), key: z.string() }).nullable(),
  path: z.string().nullable().describe("where in the organization's document"),
  expected: z.unknown().describe("the baseline's value at that place (null when absent)"),
  actual: z.unknown().describe("the organization's value at that place (null when absent)"),
  difference: z.array(z.string()).describe("exactly the values that differ"),
  explanation: z.string(),
  accountsAffected: z
    .number()
    .int()
    .describe("accounts in scope the difference reaches (never the management account)"),
  targetsNotListed: z
    .number()
    .int()
    .optional()
    .describe(`targets concerned beyond the ${MAX_SHOWN_TARGETS} listed`),
});

/** A finding's values as shown: long lists and strings shortened, with a marker saying how much. */
function shown(value: unknown, depth = 0): unknown {
  if (typeof value === "string")
    return value.length > MAX_SHOWN_CHARS
      ? `${value.slice(0, MAX_SHOWN_CHARS)}...[${value.length - MAX_SHOWN_CHARS} more characters]`
      : value;
  if (Array.isArray(value)) {
    const head = value.slice(0, MAX_SHOWN_ITEMS).map((v) => shown(v, depth + 1));
    return value.length > head.length ? [...head, `...[${value.length - head.length} more]`] : head;
  }
  if (value !== null && typeof value === "object") {
    if (depth >= 8) return "[...]";
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shown(v, depth + 1)]));
  }
  return value;
}

/**
 * A finding bounded whatever the baseline holds: a statement of hundreds of actions, or a policy
 * expected on \`Root/**\` of a large organization, would otherwise list every one.
 */
function viewFinding(f: DriftFinding): z.infer<typeof driftFindingSchema> {
  return {
    ...f,
    targets: f.targets.slice(0, MAX_SHOWN_TARGETS),
    ...(f.targets.length > MAX_SHOWN_TARGETS
      ? { targetsNotListed: f.targets.length - MAX_SHOWN_TARGETS }
      : {}),
    expected: shown(f.expected),
    actual: shown(f.actual),
    difference: shown(f.difference) as string[],
  };
}

export function describeDriftFinding(f: DriftFinding): string {
  return `[${f.severity}, ${f.direction}] ${f.kind}: ${f.explanation}${
    f.accountsAffected ? ` (${f.accountsAffected} account${f.accountsAffected === 1 ? "" : "s"})` : ""
  }`;
}

export const compareScpConfig = defineTool({
  name: "compare_scp_config",
  title: "Compare the SCPs and RCPs with the baseline",
  description:
    "Compares the organization's SCPs and RCPs with the expected-policy baseline the platform team keeps and lists where reality differs, most dangerous first: missing or unexpected policies and attachments, FullAWSAccess detached, denies removed or added, allows widened, conditions loosened or tightened, resource scope or effect changed. Each finding says whether it weakens or tightens a guardrail, where (statement, element) and how many accounts it reaches. Use it to audit drift or check a draft baseline (`baseline`); narrow with `policy` or `scopeId`.",
  input: {
    policy: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe("only this policy: its name or organization id (p-...)"),
    scopeId: targetIdSchema
      .optional()
      .describe("only differences reaching this OU, account or root (inside the allowed scope)"),
    baseline: z
      .union([
        z
          .string()
          .min(1)
          .max(
            MAX_BASELINE_CHARS,
            `baseline is longer than ${formatCount(MAX_BASELINE_CHARS)} characters, the limit of compare_scp_config: compare part of it (policy) or split it`,
          ),
        z.record(z.string(), z.unknown()),
      ])
      .optional()
      .describe(
        "a baseline (JSON text or object) instead of the configured one; at most " +
          `${formatCount(MAX_BASELINE_CHARS)} characters, ${formatCount(MAX_BASELINE_POLICIES)} policies, ` +
          `${formatCount(MAX_POLICY_TARGETS)} targets each, ${formatCount(MAX_BASELINE_TARGETS)} in all`,
      ),
    reloadBaseline: z
      .boolean()
      .default(false)
      .describe("re-read the configured baseline from its source (secret or file) before comparing"),
    minSeverity: severitySchema.default("info").describe("leave out findings below this severity"),
    ...pagingInput("findings", PAGE_SIZES.findings),
  },
  output: {
    baseline: z.object({
      origin: z.string().describe("where the baseline was read from"),
      policies: count,
      loadedAt: z.string(),
    }),
    summary: z.object({
      total: count,
      bySeverity: z.record(z.string(), count),
      byDirection: z.record(z.string(), count),
      byKind: z.record(z.string(), count),
    }),
    findings: z.array(driftFindingSchema).describe("this page: weakening first, then by severity and reach"),
    page: pageSchema,
    scopeId: z.string().nullable(),
    accountsInScope: count,
    compared: z.object({
      policyTypes: z.array(policyTypeSchema),
      baselinePolicies: count,
      organizationPolicies: count,
      matchedPolicies: count,
    }),
    notes: z.array(z.string()),
    incomplete: incompleteSchema,
  },
  handler: async (args, ctx) => {
    const { org } = requireOrg(ctx);
    let loaded: LoadedBaseline;
    if (args.baseline !== undefined) {
      if (args.reloadBaseline)
        throw invalidInput(
          "reloadBaseline applies to the configured baseline: leave it out when passing `baseline`.",
        );
      loaded = await baselineFromArgument(args.baseline, ctx.budget);
    } else if (args.reloadBaseline) {
      if (!ctx.runtime.reloadBaseline) throw noBaseline();
      try {
        loaded = await ctx.runtime.reloadBaseline();
      } catch (error) {
        throw new UserError(
          "unavailable",
          `Reloading the baseline failed, so the previous one is still in use: ${errorMessage(error)}`,
        );
      }
    } else {
      const current = ctx.runtime.baseline;
      if (!current) throw noBaseline();
      loaded = current;
    }

    const report = await computeDrift(org, {
      baseline: loaded.baseline,
      ...(args.policy !== undefined ? { policy: args.policy } : {}),
      ...(args.scopeId !== undefined ? { scopeId: args.scopeId } : {}),
      budget: ctx.budget,
    });
    const kept = report.findings.filter((f) => atLeast(f.severity, args.minSeverity));
    const paged = await paginate(
      kept,
      {
        tool: "compare_scp_config",
        args: {
          policy: args.policy,
          scopeId: args.scopeId,
          baseline: args.baseline,
          minSeverity: args.minSeverity,
        },
        limit: args.limit,
        cursor: args.cursor,
        what: "findings",
      },
      {
        key: (f) => `${f.id}:${f.accountsAffected}`,
        view: (f) => ({ f: viewFinding(f), line: `- ${describeDriftFinding(f)}` }),
        cost: ({ f, line }) => sizeOf(f, [line]),
      },
    );
    const stopped = report.notCompared.length
      ? incomplete(ctx.budget.describe(), report.comparedPolicies, report.notCompared)
      : null;
    const lines = [
      `Baseline from ${loaded.origin}: ${loaded.baseline.policies.length} policies; ${report.summary.total} difference(s)` +
        (report.summary.total
          ? ` (${Object.entries(report.summary.bySeverity)
              .filter(([, n]) => n > 0)
              .map(([s, n]) => `${n} ${s}`)
              .join(", ")}; ${report.summary.byDirection.weakens} weaken a guardrail)`
          : ": the organization matches the baseline") +
        (args.scopeId ? ` reaching ${args.scopeId}` : "") +
        ".",
      ...(kept.length < report.findings.length
        ? [`${report.findings.length - kept.length} below ${args.minSeverity} left out.`]
        : []),
      ...paged.items.map((v) => v.line),
      ...report.notes.map((n) => `Note: ${n}`),
      ...(paged.page.nextCursor || paged.page.offset ? [pageLine(paged, "findings") as string] : []),
      ...(stopped ? [describeIncomplete(stopped, "Baseline policies compared", "Not compared")] : []),
    ];
    return {
      summary: lines.join("\n"),
      data: {
        baseline: {
          origin: loaded.origin,
          policies: loaded.baseline.policies.length,
          loadedAt: loaded.loadedAt.toISOString(),
        },
        summary: report.summary,
        findings: paged.items.map((v) => v.f),
        page: paged.page,
        scopeId: report.scopeId,
        accountsInScope: report.accountsInScope,
        compared: report.compared,
        notes: report.notes,
        incomplete: stopped,
      },
    };
  },
});

/**
 * A baseline passed in the call, held to the same limits as text or as an object: its size, its
 * JSON values (a large text is parsed on the worker thread), then the schema, policy by policy in
 * slices of the call's budget.
 */
async function baselineFromArgument(
  raw: string | Record<string, unknown>,
  budget: CallBudget,
): Promise<LoadedBaseline> {
  let doc: unknown = raw;
  if (typeof raw === "string") {
    try {
      doc = await parseJsonBounded(raw);
    } catch (error) {
      if (error instanceof SyntaxError)
        throw invalidInput(
          `Baseline in the request is not valid JSON (${error.message}): send one JSON object.`,
        );
      if (error instanceof JsonTooLargeError)
        throw invalidInput(`The baseline is too large: ${error.problem}.`);
      throw error;
    }
  } else if (compactJsonLength(raw, MAX_BASELINE_CHARS) === undefined) {
    throw invalidInput(
      `baseline is more than ${formatCount(MAX_BASELINE_CHARS)} characters as compact JSON, the limit of compare_scp_config: compare part of it (policy) or split it.`,
    );
  }
  const meter = budget.meter();
  try {
    const baseline = await parseBaselineSliced(
      doc,
      "the request",
      () => meter.next(),
      () =>
        invalidInput(
          `Checking the baseline used up the call's time budget (${budget.describe()}): send a smaller baseline.`,
        ),
    );
    return { baseline, source: "request", origin: "the request", loadedAt: new Date() };
  } catch (error) {
    if (error instanceof BaselineValidationError) throw invalidInput(error.message);
    throw error;
  } finally {
    meter.stop();
  }
}

function noBaseline(): UserError {
  return new UserError(
    "not_configured",
    "No baseline is configured: set `baseline` in the runtime configuration (inline, secretsmanager or file; see " +
      "docs/baseline.md), or pass a baseline document in the `baseline` argument.",
  );
}
