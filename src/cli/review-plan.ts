/**
 * aws-organizations-mcp-server review-plan plan.json: a Terraform plan's SCP and RCP changes for a
 * pull request (text, Markdown for a PR comment, SARIF, JSON), exit codes like `audit`; with
 * --activity FILE and an organization, the replay of recorded activity under the plan.
 */
import { previewChange, type PreviewReport } from "../audit/preview-change.js";
import { reviewPlan, type PlanFinding, type PlanReview } from "../audit/review-plan.js";
import { ConfigError, errorMessage } from "../errors.js";
import type { OrganizationService } from "../org/service.js";
import { DRIFT_KIND_INFO, DRIFT_KINDS } from "../policy/diff.js";
import { atLeast, countBySeverity, severityRank, type Severity } from "../policy/findings.js";
import { locateInJson } from "../policy/json-locate.js";
import { activityFromText } from "../preview/activity.js";
import { changedTypes } from "../preview/change.js";
import { parsePlan, PlanFormatError } from "../preview/plan.js";
import type { ReplayView } from "../preview/report.js";
import { SERVER_NAME, SERVER_VERSION } from "../version.js";
import { artifactUri, sarifLevel, sarifLog, sarifRule, SECURITY_SEVERITY } from "./format/sarif.js";
import type { FailOn, OutputFormat } from "./format/report.js";

export interface ReviewPlanOutput {
  planFile: string;
  planText: string;
  organization: string | null;
  review: PlanReview;
  replay: PreviewReport | null;
}

const MAX_ACTIVITY_RECORDS = 1_000_000;

export async function runReviewPlan(options: {
  planFile: string;
  activityFile?: string;
  readText: (p: string) => Promise<string>;
  opened?: { org: OrganizationService; label: string };
}): Promise<ReviewPlanOutput> {
  let planText: string;
  try {
    planText = await options.readText(options.planFile);
  } catch (error) {
    throw new ConfigError(`Cannot read the plan ${options.planFile}: ${errorMessage(error)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(planText);
  } catch (error) {
    throw new ConfigError(
      `The plan ${options.planFile} is not JSON (${errorMessage(error)}): give the output of \`terraform show -json plan.out\`, not the binary plan.`,
    );
  }
  let plan;
  try {
    plan = parsePlan(raw);
  } catch (error) {
    if (error instanceof PlanFormatError)
      throw new ConfigError(`The plan ${options.planFile}: ${error.message}`);
    throw error;
  }
  const review = await reviewPlan(plan, options.opened?.org);
  let replay: PreviewReport | null = null;
  if (options.activityFile !== undefined && options.opened) {
    let text: string;
    try {
      text = await options.readText(options.activityFile);
    } catch (error) {
      throw new ConfigError(`Cannot read the activity ${options.activityFile}: ${errorMessage(error)}`);
    }
    const activity = activityFromText(text, `file ${options.activityFile}`, MAX_ACTIVITY_RECORDS);
    replay = await previewChange(
      options.opened.org,
      {
        primitives: review.primitives,
        policyTypes: changedTypes(review.primitives),
        description: "the plan's SCP and RCP changes",
        documentChanges: [],
        reachTargets: [],
        warnings: [],
        notes: [],
      },
      activity,
      { maxGroups: 25, budgetBytes: 60_000 },
    );
  }
  return {
    planFile: options.planFile,
    planText,
    organization: options.opened?.label ?? null,
    review,
    replay,
  };
}

export function reviewFailing(out: ReviewPlanOutput, failOn: FailOn): number {
  if (failOn === "none") return 0;
  return out.review.findings.filter((f) => atLeast(f.severity, failOn)).length;
}

// ---------------------------------------------------------------------------------------------
// Formats

function witnessText(f: PlanFinding): string | null {
  const w = f.witness;
  if (!w) return f.witnessNote;
  const ctx = Object.entries(w.context)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(",")}]` : v}`)
    .join(", ");
  return (
    `${w.action} by ${w.principalArn} (account ${w.accountId}) on ${w.resource} in ${w.region}` +
    `${ctx ? ` with ${ctx}` : ""}: ${w.before.replace(/_/g, " ")} -> ${w.after.replace(/_/g, " ")} (${w.decidingStatement})`
  );
}

function summaryLine(out: ReviewPlanOutput): string {
  const { findings, reviewed, cosmetic } = out.review;
  const weakens = findings.filter((f) => f.direction === "weakens").length;
  const tightens = findings.filter((f) => f.direction === "tightens").length;
  if (reviewed === 0) return "The plan changes no SCP or RCP: nothing to review.";
  return `${reviewed} SCP/RCP resource change(s): ${weakens} weaken a guardrail, ${tightens} tighten one, ${
    findings.length - weakens - tightens
  } neutral${cosmetic.length ? `; ${cosmetic.length} cosmetic only (no finding)` : ""}.`;
}

function replayLines(r: ReplayView, cell: (s: string) => string = (s) => s): string[] {
  const lines = [`Replay of the recorded activity: ${r.verdict}`];
  for (const [title, groups] of [
    ["newly denied", r.newlyDenied],
    ["newly allowed", r.newlyAllowed],
    ["now depends on context", r.nowDependsOnContext],
  ] as const) {
    for (const g of groups.slice(0, 10))
      lines.push(
        `- ${title}: ${cell(g.action)} by ${cell(g.principal)} in ${g.accountId} (${g.events} request(s)): ${cell(g.reason)}`,
      );
  }
  return lines;
}

export function formatReviewText(out: ReviewPlanOutput): string {
  const lines = [
    `Plan: ${out.planFile}${out.organization ? `; organization: ${out.organization}` : ""}`,
    summaryLine(out),
    "",
  ];
  for (const f of out.review.findings) {
    lines.push(
      `${f.severity.toUpperCase().padEnd(8)} ${f.direction.padEnd(8)} ${f.kind}  ${f.address} (${f.policy.name})`,
    );
    lines.push(`         ${f.explanation}`);
    const w = witnessText(f);
    if (w) lines.push(`         ${f.witness ? "e.g." : "note:"} ${w}`);
  }
  if (out.review.cosmetic.length) lines.push(`cosmetic only: ${out.review.cosmetic.join(", ")}`);
  for (const n of out.review.notes) lines.push(`note: ${n}`);
  if (out.replay) lines.push("", ...replayLines(out.replay.replay));
  return `${lines.join("\n")}\n`;
}

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function formatReviewMarkdown(out: ReviewPlanOutput): string {
  const lines = ["## SCP and RCP changes in this plan", "", `**${summaryLine(out)}**`, ""];
  if (out.review.findings.length) {
    lines.push(
      "| severity | direction | kind | resource | what changes | a request it flips |",
      "| --- | --- | --- | --- | --- | --- |",
    );
    for (const f of out.review.findings) {
      const w = witnessText(f);
      lines.push(
        `| ${f.severity} | ${f.direction} | \`${f.kind}\` | \`${cell(f.address)}\` | ${cell(f.explanation)} | ${w ? cell(f.witness ? w : `_${w}_`) : ""} |`,
      );
    }
  }
  if (out.review.cosmetic.length)
    lines.push("", `Cosmetic only (no finding): ${out.review.cosmetic.map((a) => `\`${a}\``).join(", ")}.`);
  for (const n of out.review.notes) lines.push("", `> ${cell(n)}`);
  if (out.replay)
    lines.push("", "### Replay of recorded activity", "", ...replayLines(out.replay.replay, cell));
  return `${lines.join("\n")}\n`;
}

export function formatReviewJson(out: ReviewPlanOutput): string {
  const { findings } = out.review;
  return `${JSON.stringify(
    {
      tool: { name: SERVER_NAME, version: SERVER_VERSION },
      command: "review-plan",
      plan: out.planFile,
      terraformVersion: out.review.terraformVersion,
      organization: out.organization,
      summary: {
        reviewed: out.review.reviewed,
        total: findings.length,
        bySeverity: countBySeverity(findings),
        byDirection: {
          weakens: findings.filter((f) => f.direction === "weakens").length,
          tightens: findings.filter((f) => f.direction === "tightens").length,
          neutral: findings.filter((f) => f.direction === "neutral").length,
        },
      },
      findings,
      cosmetic: out.review.cosmetic,
      notes: out.review.notes,
      replay: out.replay,
    },
    null,
    2,
  )}\n`;
}

export function formatReviewSarif(out: ReviewPlanOutput): string {
  const ruleSeverity = new Map<string, Severity>();
  for (const f of out.review.findings) {
    const seen = ruleSeverity.get(f.kind);
    if (!seen || severityRank(f.severity) < severityRank(seen)) ruleSeverity.set(f.kind, f.severity);
  }
  const results = out.review.findings.map((f) => {
    const pos = locateInJson(out.planText, ["resource_changes", f.resourceIndex]);
    const w = witnessText(f);
    return {
      ruleId: f.kind,
      ruleIndex: DRIFT_KINDS.indexOf(f.kind),
      level: sarifLevel(f.severity),
      message: {
        text: `${f.address}: ${f.explanation}${w ? ` ${f.witness ? "For example" : "Note"}: ${w}` : ""}`,
      },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: artifactUri(out.planFile) },
            region: { startLine: pos?.line ?? 1, ...(pos ? { startColumn: pos.column } : {}) },
          },
          logicalLocations: [{ name: f.address, kind: "resource" }],
        },
      ],
      partialFingerprints: { "planFinding/v1": f.id },
      properties: {
        severity: f.severity,
        "security-severity": SECURITY_SEVERITY[f.severity],
        direction: f.direction,
        policyId: f.policy.id,
        targets: f.targets,
        ...(f.witness ? { witness: f.witness } : {}),
      },
    };
  });
  return sarifLog(
    DRIFT_KINDS.map((k) =>
      sarifRule({
        id: k,
        title: DRIFT_KIND_INFO[k].title,
        description: DRIFT_KIND_INFO[k].description,
        doc: "docs/preview.md",
        level: "warning",
        tags: ["security", "aws", "scp", "terraform"],
        severity: ruleSeverity.get(k) ?? "medium",
      }),
    ),
    `${SERVER_NAME}/review-plan/`,
    results,
  );
}

export const REVIEW_FORMATTERS: Record<OutputFormat, (o: ReviewPlanOutput) => string> = {
  text: formatReviewText,
  json: formatReviewJson,
  markdown: formatReviewMarkdown,
  sarif: formatReviewSarif,
};
