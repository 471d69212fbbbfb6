/** Markdown for a pull-request comment or a job summary. */
import { driftWhere, lintSourceLabel, lintWhere, severityLine, type CliOutput } from "./report.js";

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function formatMarkdown(out: CliOutput): string {
  const lines: string[] = [];
  if (out.command === "audit") {
    const { report } = out;
    lines.push(
      "## SCP baseline drift",
      "",
      `Baseline: ${cell(out.baseline.origin)}. Organization: ${cell(out.organization)}${
        report.scopeId ? `, scope \`${report.scopeId}\`` : ""
      } (${report.accountsInScope} accounts).`,
      "",
      `**${report.summary.total} difference(s)**: ${severityLine(report.findings)}; ${report.summary.byDirection.weakens} weaken a guardrail.`,
      "",
    );
    if (report.findings.length) {
      lines.push(
        "| severity | direction | kind | policy | where | accounts | explanation |",
        "| --- | --- | --- | --- | --- | ---: | --- |",
      );
      for (const f of report.findings) {
        lines.push(
          `| ${f.severity} | ${f.direction} | \`${f.kind}\` | ${cell(f.policy.name)} | ${cell(driftWhere(f))} | ${
            f.accountsAffected
          } | ${cell(f.explanation)} |`,
        );
      }
    } else lines.push("The organization matches the baseline.");
    for (const n of report.notes) lines.push("", `> ${cell(n)}`);
  } else {
    const total = out.items.flatMap((i) => i.result.findings);
    lines.push("## SCP lint", "", `**${total.length} finding(s)**: ${severityLine(total)}.`);
    for (const item of out.items) {
      lines.push("", `### ${cell(lintSourceLabel(item))}`, "");
      if (!item.result.findings.length) {
        lines.push("No findings.");
        continue;
      }
      lines.push("| severity | rule | where | message | suggested fix |", "| --- | --- | --- | --- | --- |");
      for (const f of item.result.findings) {
        lines.push(
          `| ${f.severity} | \`${f.ruleId}\` | ${cell(lintWhere(f))} | ${cell(f.message)} | ${cell(f.suggestedFix ?? "")} |`,
        );
      }
    }
  }
  return `${lines.join("\n")}\n`;
}
