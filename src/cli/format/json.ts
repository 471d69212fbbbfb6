/** JSON for scripts: the same fields as the MCP tools' structuredContent. */
import { countBySeverity } from "../../policy/findings.js";
import { SERVER_NAME, SERVER_VERSION } from "../../version.js";
import type { CliOutput } from "./report.js";

export function formatJson(out: CliOutput): string {
  const tool = { name: SERVER_NAME, version: SERVER_VERSION };
  if (out.command === "audit") {
    const { report } = out;
    return `${JSON.stringify(
      {
        tool,
        command: "audit",
        baseline: { origin: out.baseline.origin },
        organization: out.organization,
        scopeId: report.scopeId,
        accountsInScope: report.accountsInScope,
        summary: report.summary,
        compared: report.compared,
        findings: report.findings,
        notes: report.notes,
      },
      null,
      2,
    )}\n`;
  }
  const findings = out.items.flatMap((i) => i.result.findings);
  return `${JSON.stringify(
    {
      tool,
      command: "lint",
      summary: { total: findings.length, bySeverity: countBySeverity(findings) },
      policies: out.items.map((i) => ({
        source: i.source,
        name: i.name ?? null,
        policyType: i.result.type,
        size: { characters: i.result.size, limit: i.result.sizeLimit },
        findings: i.result.findings,
        skipped: i.result.skipped,
      })),
    },
    null,
    2,
  )}\n`;
}
