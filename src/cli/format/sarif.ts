/**
 * SARIF 2.1.0 for code scanning (GitHub, Azure DevOps...). Every result has a physical location, as
 * GitHub code scanning requires: drift findings point at the baseline file (the policy entry, or the
 * statement inside it), or at the copy of a secret's or the demo's baseline the command writes; lint
 * findings at the line of the policy file, or of the copy of an organization policy's document.
 */
import { createHash } from "node:crypto";
import { DRIFT_KIND_INFO, DRIFT_KINDS, type DriftFinding } from "../../policy/diff.js";
import { severityRank, type Severity } from "../../policy/findings.js";
import { locateInJson, type PathSegment } from "../../policy/json-locate.js";
import { LINT_RULE_IDS, LINT_RULES, type LintFinding } from "../../policy/lint.js";
import { SERVER_NAME, SERVER_VERSION } from "../../version.js";
import type { CliOutput, LintItem } from "./report.js";

type Level = "error" | "warning" | "note";

export function sarifLevel(severity: Severity): Level {
  return severity === "critical" || severity === "high"
    ? "error"
    : severity === "medium"
      ? "warning"
      : "note";
}

/** A security-severity score (0-10) as GitHub code scanning reads it. */
export const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "1.0",
};

export const pascal = (id: string): string =>
  id
    .split("_")
    .map((w) => (w[0] ?? "").toUpperCase() + w.slice(1))
    .join("");

/** A file path as a SARIF artifact URI: relative paths keep forward slashes, absolute ones become file URIs. */
export function artifactUri(path: string): string {
  const forward = path.replace(/\\/g, "/");
  if (forward.startsWith("/")) return `file://${encodeURI(forward)}`;
  return encodeURI(forward.replace(/^\.\//, ""));
}

interface SarifRegion {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

interface SarifLocation {
  physicalLocation: { artifactLocation: { uri: string }; region: SarifRegion };
  logicalLocations?: { name: string; fullyQualifiedName?: string; kind?: string }[];
}

/**
 * The region GitHub requires (start and end line and column, 1-based, the end column just past the
 * region): from the position found to the end of its line, or line 1 when there is none.
 */
function regionAt(lines: readonly string[], line: number | null, column: number | null): SarifRegion {
  const startLine = line ?? 1;
  const startColumn = column ?? 1;
  const length = (lines[startLine - 1] ?? "").replace(/\r$/, "").length;
  return { startLine, startColumn, endLine: startLine, endColumn: Math.max(length + 1, startColumn + 1) };
}

const linesOf = (text: string | undefined): string[] => (text ?? "").split("\n");

function driftLocations(
  out: Extract<CliOutput, { command: "audit" }>,
  lines: readonly string[],
  f: DriftFinding,
): SarifLocation[] {
  const logical = [
    {
      name: f.policy.name,
      fullyQualifiedName: `${f.policy.type}/${f.policy.name}${f.policy.id ? `/${f.policy.id}` : ""}`,
      kind: "module",
    },
  ];
  const { file, text } = out.baseline;
  let pointer: PathSegment[] = ["policies"];
  if (f.policy.baselineIndex !== null) {
    pointer = ["policies", f.policy.baselineIndex];
    const st = f.statement?.expected;
    if (f.kind === "target_unresolved") pointer.push("targets");
    else if (st) pointer.push("content", "Statement", st.index);
    else if (f.element === "attachment") pointer.push("targets");
  }
  const pos = text !== undefined ? locateInJson(text, pointer) : undefined;
  return [
    {
      physicalLocation: {
        artifactLocation: { uri: artifactUri(file) },
        region: regionAt(lines, pos?.line ?? null, pos?.column ?? null),
      },
      logicalLocations: logical,
    },
  ];
}

function lintLocations(item: LintItem, lines: readonly string[], f: LintFinding): SarifLocation[] {
  const logical = item.name
    ? [{ name: item.name, fullyQualifiedName: `${item.result.type}/${item.name}`, kind: "module" }]
    : undefined;
  const path =
    item.source.kind === "file"
      ? item.source.path
      : (item.artifact ?? `aws-organizations/policies/${item.source.id}.json`);
  return [
    {
      physicalLocation: {
        artifactLocation: { uri: artifactUri(path) },
        region: regionAt(lines, f.location.line, f.location.column),
      },
      ...(logical ? { logicalLocations: logical } : {}),
    },
  ];
}

/** Identifies a lint result across runs whatever line it moves to (GitHub requires partialFingerprints). */
function lintFingerprint(item: LintItem, f: LintFinding): string {
  const source = item.source.kind === "file" ? `file:${item.source.path}` : `policy:${item.source.id}`;
  const key = [source, item.name ?? "", f.ruleId, f.location.path, f.location.sid ?? "", f.message].join(
    "\u0000",
  );
  return createHash("sha256").update(key).digest("hex").slice(0, 16);
}

export function formatSarif(out: CliOutput): string {
  let rules: { id: string; title: string; description: string; severity: Severity }[];
  let results: Record<string, unknown>[];
  if (out.command === "audit") {
    rules = DRIFT_KINDS.map((k) => ({ id: k, ...DRIFT_KIND_INFO[k], severity: "medium" as Severity }));
    const lines = linesOf(out.baseline.text);
    results = out.report.findings.map((f) => ({
      ruleId: f.kind,
      ruleIndex: DRIFT_KINDS.indexOf(f.kind),
      level: sarifLevel(f.severity),
      message: { text: f.explanation },
      locations: driftLocations(out, lines, f),
      partialFingerprints: { "driftFinding/v1": f.id },
      properties: {
        severity: f.severity,
        "security-severity": SECURITY_SEVERITY[f.severity],
        direction: f.direction,
        accountsAffected: f.accountsAffected,
        policyId: f.policy.id,
        targets: f.targets.map((t) => t.id),
        ...(f.path ? { documentPath: f.path } : {}),
      },
    }));
  } else {
    rules = LINT_RULE_IDS.map((id) => ({ id, ...LINT_RULES[id] }));
    results = out.items.flatMap((item) => {
      const lines = linesOf(item.text);
      return item.result.findings.map((f) => ({
        ruleId: f.ruleId,
        ruleIndex: LINT_RULE_IDS.indexOf(f.ruleId),
        level: sarifLevel(f.severity),
        message: { text: f.suggestedFix ? `${f.message}. Fix: ${f.suggestedFix}` : f.message },
        locations: lintLocations(item, lines, f),
        partialFingerprints: { "lintFinding/v1": lintFingerprint(item, f) },
        properties: {
          severity: f.severity,
          "security-severity": SECURITY_SEVERITY[f.severity],
          documentPath: f.location.path,
          ...(f.location.sid ? { sid: f.location.sid } : {}),
        },
      }));
    });
  }
  // GitHub code scanning reads security-severity from the rule, not the result: give each rule the
  // highest severity among its results in this run (its default otherwise).
  const ruleSeverity = new Map<string, Severity>();
  for (const r of results) {
    const id = r["ruleId"] as string;
    const sev = (r["properties"] as { severity: Severity }).severity;
    const seen = ruleSeverity.get(id);
    if (!seen || severityRank(sev) < severityRank(seen)) ruleSeverity.set(id, sev);
  }
  return sarifLog(
    rules.map((r) =>
      sarifRule({
        id: r.id,
        title: r.title,
        description: r.description,
        doc: "docs/baseline.md",
        level: sarifLevel(r.severity),
        tags: ["security", "aws", "scp"],
        severity: ruleSeverity.get(r.id) ?? r.severity,
      }),
    ),
    `${SERVER_NAME}/${out.command}/`,
    results,
  );
}

/** A SARIF rule: its id, texts, level and the security severity GitHub code scanning ranks it by. */
export function sarifRule(r: {
  id: string;
  title: string;
  description: string;
  doc: string;
  level: Level;
  tags: string[];
  severity: Severity;
}): Record<string, unknown> {
  return {
    id: r.id,
    name: pascal(r.id),
    shortDescription: { text: r.title },
    fullDescription: { text: r.description },
    help: { text: `${r.description} See ${r.doc} in ${SERVER_NAME}.` },
    defaultConfiguration: { level: r.level },
    properties: { tags: r.tags, "security-severity": SECURITY_SEVERITY[r.severity] },
  };
}

/** A SARIF 2.1.0 log of one run of this server's rules. */
export function sarifLog(rules: unknown[], automationId: string, results: unknown[]): string {
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: SERVER_NAME, version: SERVER_VERSION, rules } },
        automationDetails: { id: automationId },
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
