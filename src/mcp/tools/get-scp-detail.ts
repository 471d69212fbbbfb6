import { z } from "zod";
import { lintDocument, MAX_FINDINGS_PER_RULE } from "../../audit/lint-policy.js";
import { policyIdSchema } from "../../model/ids.js";
import type { PolicyType } from "../../model/policy-type.js";
import { defineTool } from "../define-tool.js";
import { ANSWER_BUDGET, sizeOf } from "../paging.js";
import { clip } from "../text.js";
import { deepFreeze } from "../../org/freeze.js";
import { Recent } from "../recent.js";
import { requireOrg } from "../require-org.js";
import { count, policySizeSchema, policyTypeSchema, visibleTargetSchema } from "../schemas.js";
import { describeStatements, documentViewSchema, policySize, viewDocument } from "../policy-view.js";
import {
  bySeveritySchema,
  describeLintFinding,
  lintFindingSchema,
  viewLint,
  type lintViewSchema,
} from "./lint-scp-policy.js";

/** Lint findings shown here, the most severe first; lint_scp_policy pages through them all. */
const MAX_LINT_SHOWN = 10;
/** Characters (text and JSON) the lint findings shown may take; at least one is shown. */
const LINT_BUDGET = 3_000;
/** Characters of the text the statements take at most, and at least when the answer is full. */
const STATEMENT_TEXT_BUDGET = 6_000;
const MIN_STATEMENT_TEXT = 1_500;
/** Targets listed here; get_scp_targets pages through them all. */
const MAX_TARGETS_SHOWN = 10;
/** Characters (text and JSON) the targets shown may take; at least one is shown. */
const TARGETS_BUDGET = 1_500;
/**
 * What the whole answer stays within. The exact text (up to the quota) comes first, then the
 * statements in the text, the lint findings and targets; the parsed statements take what is left,
 * since `raw` holds them all.
 */
const DETAIL_BUDGET = ANSWER_BUDGET + 3_500;
const TARGET_ORDER = { ROOT: 0, ORGANIZATIONAL_UNIT: 1, ACCOUNT: 2 } as const;

type LintView = z.infer<typeof lintViewSchema>;

// Lint views of the documents shown recently, by type and text: linting is a pure function of both
// (the catalogue is bundled) and costs 0.1 to 0.8 ms, on every get_scp_detail call. Each view is a
// JSON copy, so it shares nothing with the linter's own structures, kept frozen.
const lintViews = new Recent<Promise<LintView>>(256);

function lintViewOf(content: string, type: PolicyType): Promise<LintView> {
  const key = `${type}\u0000${content}`;
  return lintViews.get(key, () => {
    const view = lintDocument(content, type, {}, [], { maxFindingsPerRule: MAX_FINDINGS_PER_RULE }).then(
      (result) => deepFreeze(JSON.parse(JSON.stringify(viewLint(result))) as LintView),
    );
    // A failure is not kept: the next call lints again.
    view.catch(() => lintViews.delete(key));
    return view;
  });
}

export const getScpDetail = defineTool({
  name: "get_scp_detail",
  title: "Show one SCP or RCP",
  description:
    "Shows one policy by id (p-...): its metadata, the document (raw text, parsed statements, one text line per statement), its size against the quota, where it is attached, and its most severe lint findings. Use it to read what a guardrail actually says.",
  input: { policyId: policyIdSchema.describe("the policy id, e.g. p-FullAWSAccess or p-abcd1234") },
  output: {
    policy: z.object({
      id: z.string(),
      name: z.string(),
      description: z.string(),
      type: policyTypeSchema,
      awsManaged: z.boolean(),
      arn: z.string().nullable(),
    }),
    document: documentViewSchema.extend({
      omittedStatements: count.describe(
        "statements left out of `statements` to keep the answer small; `raw` holds them all",
      ),
    }),
    size: policySizeSchema,
    targets: z
      .array(visibleTargetSchema)
      .describe(
        `the first ones (at most ${MAX_TARGETS_SHOWN}), root and OUs first; get_scp_targets pages them all`,
      ),
    targetCount: count,
    hiddenTargetCount: count.describe("attachments outside the allowed scope, not shown"),
    lint: z
      .object({
        findings: z
          .array(lintFindingSchema)
          .describe(
            `the most severe (at most ${MAX_LINT_SHOWN}); lint_scp_policy gives them all, a page at a time`,
          ),
        findingCount: count,
        bySeverity: bySeveritySchema,
        skipped: z.array(z.string()),
      })
      .describe("the document's lint findings"),
  },
  handler: async ({ policyId }, ctx) => {
    const { org } = requireOrg(ctx);
    const found = await org.policyWithTargets(policyId, false);
    const { policy, hiddenTargetCount } = found;
    const sorted = [...found.targets].sort(
      (a, b) => TARGET_ORDER[a.type] - TARGET_ORDER[b.type] || a.path.localeCompare(b.path),
    );
    const targetText = (t: (typeof sorted)[number]): string => `${clip(t.path, 120)} (${t.id})`;
    const targets = within(sorted.slice(0, MAX_TARGETS_SHOWN), TARGETS_BUDGET, (t) =>
      sizeOf(t, [targetText(t)]),
    );
    const document = viewDocument(policy.content);
    const size = policySize(policy);
    const lint = await lintViewOf(policy.content, policy.type);
    const lintLine = (f: (typeof lint.findings)[number]): string => `- ${describeLintFinding(f)}`;
    const shownLint = within(lint.findings.slice(0, MAX_LINT_SHOWN), LINT_BUDGET, (f) =>
      sizeOf(f, [lintLine(f)]),
    );
    const head = [
      `${policy.name} (${policy.id}), ${policy.type}${policy.awsManaged ? ", AWS managed" : ""}`,
      policy.description ? `Description: ${clip(policy.description, 512)}` : undefined,
      `${document.statements.length} statement(s); ${size.characters} of ${size.limit} characters (${size.percentOfLimit}%)`,
      document.parseError
        ? `The document does not parse as JSON: ${clip(document.parseError, 300)}`
        : undefined,
    ].filter((l) => l !== undefined);
    const tail = [
      `Attached to: ${targets.map(targetText).join(", ") || "nothing"}` +
        (found.targets.length > targets.length
          ? ` and ${found.targets.length - targets.length} more (get_scp_targets lists them)`
          : "") +
        (hiddenTargetCount ? `; ${hiddenTargetCount} target(s) outside the scope` : ""),
      lint.findings.length
        ? `Lint: ${lint.findings.length} finding(s)${lint.findings.length > shownLint.length ? `, the ${shownLint.length} most severe below (lint_scp_policy with policyId "${policy.id}" gives them all)` : ""}\n` +
          shownLint.map(lintLine).join("\n")
        : "Lint: no findings",
    ];
    const policyData = {
      id: policy.id,
      name: policy.name,
      description: policy.description,
      type: policy.type,
      awsManaged: policy.awsManaged,
      arn: policy.arn ?? null,
    };
    // The parts always shown, then the statements: first in the text, then parsed in what is left.
    let used = sizeOf({ policyData, raw: document.raw, size, targets, shownLint }, [...head, ...tail]) + 200;
    const statementLines = describeStatements(
      document.statements,
      Math.min(STATEMENT_TEXT_BUDGET, Math.max(MIN_STATEMENT_TEXT, DETAIL_BUDGET - used)),
    );
    used += statementLines.reduce((n, l) => n + l.length + 1, 0);
    const statements = within(
      document.statements,
      DETAIL_BUDGET - used,
      (st) => JSON.stringify(st).length + 1,
      0,
    );
    const summary = [...head, ...statementLines, ...tail].join("\n");
    return {
      summary,
      data: {
        policy: policyData,
        document: {
          ...document,
          statements,
          omittedStatements: document.statements.length - statements.length,
        },
        size,
        targets,
        targetCount: found.targets.length,
        hiddenTargetCount,
        lint: {
          findings: shownLint,
          findingCount: lint.findings.length,
          bySeverity: lint.bySeverity,
          skipped: lint.skipped,
        },
      },
    };
  },
});

/**
 * The first of `items` whose costs add up to at most `budget`, and never fewer than `least` (one by
 * default: the budget keeps a long list from growing the answer, not a short one from being said).
 */
function within<T>(items: readonly T[], budget: number, cost: (item: T) => number, least = 1): T[] {
  const kept: T[] = [];
  let used = 0;
  for (const item of items) {
    const c = cost(item);
    if (kept.length >= least && used + c > budget) break;
    kept.push(item);
    used += c;
  }
  return kept;
}
