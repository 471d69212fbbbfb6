/** Plain text for a terminal or a CI log. */
import { lintSourceLabel, lintWhere, driftWhere, severityLine, type CliOutput } from "./report.js";

export function formatText(out: CliOutput): string {
  const lines: string[] = [];
  if (out.command === "audit") {
    const { report } = out;
    lines.push(
      `Baseline: ${out.baseline.origin}`,
      `Organization: ${out.organization}${report.scopeId ? `, scope ${report.scopeId}` : ""} (${report.accountsInScope} accounts)`,
      `${report.summary.total} difference(s): ${severityLine(report.findings)}; ${report.summary.byDirection.weakens} weaken a guardrail`,
      "",
    );
    for (const f of report.findings) {
      lines.push(
        `${f.severity.toUpperCase().padEnd(8)} ${f.direction.padEnd(8)} ${f.kind}  ${f.policy.name}${
          f.policy.id ? ` (${f.policy.id})` : ""
        }`,
      );
      const where = driftWhere(f);
      if (where) lines.push(`         at ${where}`);
      lines.push(`         ${f.explanation}`);
      if (f.accountsAffected) lines.push(`         accounts affected: ${f.accountsAffected}`);
    }
    for (const n of report.notes) lines.push(`note: ${n}`);
  } else {
    const total = out.items.flatMap((i) => i.result.findings);
    for (const item of out.items) {
      lines.push(`${lintSourceLabel(item)}: ${item.result.findings.length} finding(s)`);
      for (const f of item.result.findings) {
        lines.push(`  ${f.severity.toUpperCase().padEnd(8)} ${f.ruleId}  ${lintWhere(f)}`);
        lines.push(`           ${f.message}`);
        if (f.suggestedFix) lines.push(`           fix: ${f.suggestedFix}`);
      }
      for (const s of item.result.skipped) lines.push(`  skipped: ${s}`);
    }
    lines.push(
      "",
      `${total.length} finding(s) in ${out.items.length} polic${out.items.length === 1 ? "y" : "ies"}: ${severityLine(total)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
