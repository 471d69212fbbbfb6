/**
 * Comparing the answer about an id outside the scope with the answer about an id that exists
 * nowhere: the two must be the same, word for word, once each id is written as the other.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

/**
 * `value` as JSON with every occurrence of each key of `renames` written as its value, and the
 * clock's times (a baseline's loadedAt) written alike.
 */
export function renamed(value: unknown, renames: ReadonlyMap<string, string> = new Map()): string {
  let text = JSON.stringify(value).replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>");
  for (const [from, to] of renames) text = text.split(from).join(to);
  return text;
}

/** A tool result as the comparison sees it: what a client reads (the text, isError, the data). */
export function answerOf(result: CallToolResult): {
  isError: boolean;
  content: CallToolResult["content"];
  data: Record<string, unknown> | null;
} {
  return {
    isError: result.isError === true,
    content: result.content,
    data: result.structuredContent ?? null,
  };
}
