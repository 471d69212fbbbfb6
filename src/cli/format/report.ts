/** What the audit and lint commands produce, whatever the output format. */
import type { DriftReport } from "../../audit/drift.js";
import type { DriftFinding } from "../../policy/diff.js";
import { atLeast, countBySeverity, type Severity } from "../../policy/findings.js";
import type { LintFinding, LintResult } from "../../policy/lint.js";

export type FailOn = Severity | "none";
export const OUTPUT_FORMATS = ["text", "json", "markdown", "sarif"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface AuditOutput {
  command: "audit";
  baseline: {
    origin: string;
    /**
     * The file SARIF results point at: the baseline file given, or (generated) where the command
     * writes the document read from a secret or the demo's.
     */
    file: string;
    generated: boolean;
    /** Its text, to turn a JSON path into a line. */
    text?: string;
  };
  organization: string;
  report: DriftReport;
}

export interface LintItem {
  /** A file, or an organization policy. */
  source: { kind: "file"; path: string } | { kind: "policy"; id: string };
  /** The policy's name (baseline entry or organization policy), when it has one. */
  name?: string;
  result: LintResult;
  /** The text linted (the file, or the organization policy's document), for SARIF regions. */
  text?: string;
  /** For an organization policy: the file SARIF results point at, where the command writes its document. */
  artifact?: string;
}

export interface LintOutput {
  command: "lint";
  items: LintItem[];
  /** Files that could not be read or parsed at all are reported as invalid_json findings of their item. */
}

export type CliOutput = AuditOutput | LintOutput;

export interface Formatted {
  text: string;
  /** Findings at or above --fail-on. */
  failing: number;
}

export function allFindings(out: CliOutput): (DriftFinding | LintFinding)[] {
  return out.command === "audit" ? out.report.findings : out.items.flatMap((i) => i.result.findings);
}

export function failingCount(out: CliOutput, failOn: FailOn): number {
  if (failOn === "none") return 0;
  return allFindings(out).filter((f) => atLeast(f.severity, failOn)).length;
}

export function severityLine(findings: readonly { severity: Severity }[]): string {
  const counts = countBySeverity(findings);
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  return parts.length ? parts.join(", ") : "none";
}

export function lintSourceLabel(item: LintItem): string {
  const base = item.source.kind === "file" ? item.source.path : item.source.id;
  return item.name ? `${base} (${item.name})` : base;
}

export function lintWhere(f: LintFinding): string {
  const loc = f.location;
  const statement =
    loc.statementIndex !== null
      ? `statement ${loc.statementIndex}${loc.sid ? ` "${loc.sid}"` : ""}`
      : undefined;
  const parts = [statement, loc.element ?? undefined].filter(Boolean).join(", ");
  const line = loc.line !== null ? `line ${loc.line}` : undefined;
  return [line, parts || "document"].filter(Boolean).join(", ");
}

export function driftWhere(f: DriftFinding): string {
  const st = f.statement?.actual ?? f.statement?.expected;
  const statement = st ? `statement ${st.index}${st.sid ? ` "${st.sid}"` : ""}` : undefined;
  const cond = f.condition ? `${f.condition.operator} ${f.condition.key}` : undefined;
  const targets = f.targets.length ? f.targets.map((t) => t.path).join(", ") : undefined;
  return [statement, f.element && f.element !== "attachment" ? f.element : undefined, cond, targets]
    .filter(Boolean)
    .join(", ");
}
