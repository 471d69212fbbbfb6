/**
 * What analyze_error_log keeps of a parsed paste: the distinct denials, ranked, at most `keep` of
 * them, and counts of all. A pure function of the text, so it can run on a worker thread; what it
 * sends back is bounded by the event limit, not by the paste's length.
 */
import { parseErrorLog } from "../logs/parse-error-log.js";
import type { DeniedRequest, ParseHints, ParseResult } from "../logs/types.js";

export interface LogDigest {
  /** The parse, with `denials` ranked, the most important first, at most `keep` of them. */
  parse: ParseResult;
  /** Distinct denials found. */
  found: number;
  /** Distinct denials found, by the policy type their message names ("not named" when none). */
  byPolicyType: Record<string, number>;
}

export function digestLog(text: string, hints: ParseHints, keep: number): LogDigest {
  const parse = parseErrorLog(text, hints);
  const byPolicyType: Record<string, number> = {};
  for (const d of parse.denials) {
    const type = d.policyType ?? "not named";
    byPolicyType[type] = (byPolicyType[type] ?? 0) + 1;
  }
  const found = parse.denials.length;
  const ranked = [...parse.denials].sort(byImportance).slice(0, keep);
  return { parse: { ...parse, denials: ranked }, found, byPolicyType };
}

/**
 * The order of the answer: denials the message blames on an SCP or RCP first, then those that name
 * no policy (the organization may explain them), then other policy types, then those without an
 * action; within each, explicit before implicit, the most frequent first, then the earliest.
 */
export function byImportance(a: DeniedRequest, b: DeniedRequest): number {
  const tier = (d: DeniedRequest): number => {
    if (d.action === null) return 3;
    if (d.policyType === "service control policy" || d.policyType === "resource control policy") return 0;
    return d.policyType === null ? 1 : 2;
  };
  const kind = (d: DeniedRequest): number =>
    d.denyKind === "explicit" ? 0 : d.denyKind === "implicit" ? 1 : 2;
  return tier(a) - tier(b) || kind(a) - kind(b) || b.occurrences - a.occurrences || a.line - b.line;
}
