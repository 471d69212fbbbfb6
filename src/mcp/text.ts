/** Small pieces of the tools' text answers, which must stay bounded whatever the data holds. */

/** `s`, cut to `max` characters with a mark when longer. */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 3))}...`;
}

/** "[a, b, c, +7 more]": the first `max` items of a list. */
export function listText(items: readonly string[], max = 8, itemMax = 120): string {
  const shown = items.slice(0, max).map((i) => clip(i, itemMax));
  const more = items.length - shown.length;
  return `[${shown.join(", ")}${more > 0 ? `${shown.length ? ", " : ""}+${more} more` : ""}]`;
}

/** Lines in first-seen order, each repeated one once with how many times it came. */
export function collapseRepeats(lines: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].map(([line, n]) => (n > 1 ? `${line} (x${n})` : line));
}

/** A tool's text answer: its lines, the absent ones left out. */
export function textLines(lines: readonly (string | undefined)[]): string {
  return lines.filter((l) => l !== undefined).join("\n");
}
