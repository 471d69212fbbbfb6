import { thousands } from "./limits.js";

/**
 * Warnings about a paste, one per kind: the first occurrence is described and the rest counted, so a
 * paste of a million malformed lines gives one warning, not a million. A kind is a short name
 * ("malformed-cloudtrail", "match-cap"); warnings keep the order their kinds first appeared in.
 */

/** Longest text a warning keeps (a JSON.parse message can quote the input). */
const MAX_WARNING_CHARS = 400;

export class Warnings {
  private readonly byKind = new Map<string, { text: string; count: number }>();

  /** Record one occurrence; `text` describes the first one (a function, so later ones cost nothing). */
  add(kind: string, text: string | (() => string)): void {
    const seen = this.byKind.get(kind);
    if (seen) {
      seen.count++;
      return;
    }
    const value = typeof text === "string" ? text : text();
    const shown = value.length > MAX_WARNING_CHARS ? `${value.slice(0, MAX_WARNING_CHARS - 1)}\u2026` : value;
    this.byKind.set(kind, { text: shown, count: 1 });
  }

  /** Record a warning once, uncounted (a cap: "only the first N were read"). */
  addOnce(kind: string, text: string | (() => string)): void {
    if (!this.byKind.has(kind)) this.add(kind, text);
  }

  get size(): number {
    return this.byKind.size;
  }

  list(): string[] {
    return [...this.byKind.values()].map(({ text, count }) =>
      count === 1 ? text : `${text} (${thousands(count)} like this in the text; the first is shown.)`,
    );
  }
}
