/** Severities and directions shared by drift findings and lint findings, and how they rank. */

export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What a change does to a guardrail: weakens it (allows more), tightens it (denies more), or neither. */
export const DIRECTIONS = ["weakens", "tightens", "neutral"] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** 0 for critical ... 4 for info: lower is more dangerous. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** True when `severity` is at least as serious as `threshold`. */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) <= severityRank(threshold);
}

/** One level more serious (critical stays critical). */
export function raise(severity: Severity): Severity {
  return SEVERITIES[Math.max(0, severityRank(severity) - 1)] ?? severity;
}

/** Weakening ranks above tightening, which ranks above neutral (docs/baseline.md, "Ranking"). */
export function directionRank(direction: Direction): number {
  return DIRECTIONS.indexOf(direction);
}

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

/** Counts per severity, every severity present (0 when none). */
export function countBySeverity(items: readonly { severity: Severity }[]): Record<Severity, number> {
  const counts = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const item of items) counts[item.severity]++;
  return counts;
}
