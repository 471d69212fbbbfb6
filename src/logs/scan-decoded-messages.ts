/**
 * Phase 2 of the parser: decoded authorization messages in the paste, in the forms people paste
 * them: the CLI's `{"DecodedMessage": "{\"allowed\":false,…}"}` (or its member line alone), the
 * same with `--output text` (one line of JSON), or pretty-printed by jq.
 */
import { isDecodedMessage, sightingFromDecoded } from "./decoded-message.js";
import { MAX_MESSAGE_MATCHES, thousands } from "./limits.js";
import { overLimit, takeEvent, type ScanState } from "./scan-state.js";

/** Longest decoded message read (the real ones are a few kilobytes). */
const MAX_DECODED_CHARS = 256 * 1024;
const ALLOWED_RE = /(\\?)"allowed\\?"[ \t\r\n]{0,20}:[ \t\r\n]{0,20}(?:true|false)/g;

interface Found {
  start: number;
  end: number;
  value: unknown;
}

/** The string literal that ends at the first unescaped quote after `open` (a quote). */
function stringLiteralEnd(text: string, open: number): number {
  const limit = Math.min(text.length, open + MAX_DECODED_CHARS);
  for (let i = open + 1; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 34) return i + 1;
    else if (c === 10) return -1;
  }
  return -1;
}

/** The JSON object that opens at `open` ("{"), across lines: its end, or -1. */
function objectEnd(text: string, open: number): number {
  const limit = Math.min(text.length, open + MAX_DECODED_CHARS);
  let depth = 0;
  let inString = false;
  for (let i = open; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123) depth++;
    else if (c === 125 && --depth === 0) return i + 1;
  }
  return -1;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The message around an "allowed" key at `at`, escaped inside a JSON string or as JSON. */
function readAt(input: string, at: number, escaped: boolean): Found | null {
  let j = at - 1;
  while (j >= 0 && at - j < 200 && /\s/.test(input.charAt(j))) j--;
  if (input.charAt(j) !== "{") return null;
  if (escaped) {
    // `"DecodedMessage": "{\"allowed\":…}"`: the string literal opens just before the brace.
    const quote = j - 1;
    if (input.charAt(quote) !== '"') return null;
    const end = stringLiteralEnd(input, quote);
    if (end === -1) return { start: quote, end: quote + 1, value: undefined };
    const inner = parse(input.slice(quote, end));
    return { start: quote, end, value: typeof inner === "string" ? parse(inner) : undefined };
  }
  const end = objectEnd(input, j);
  if (end === -1) return { start: j, end: j + 1, value: undefined };
  return { start: j, end, value: parse(input.slice(j, end)) };
}

export function scanDecodedMessages(state: ScanState): void {
  const { input, lines } = state;
  if (!input.includes("allowed")) return;
  ALLOWED_RE.lastIndex = 0;
  let until = -1;
  let seen = 0;
  for (let m = ALLOWED_RE.exec(input); m !== null && !overLimit(state); m = ALLOWED_RE.exec(input)) {
    if (m.index < until || state.claimed.has(m.index)) continue;
    if (++seen > MAX_MESSAGE_MATCHES) {
      state.warnings.addOnce(
        "decoded-cap",
        () =>
          `The text has more than ${thousands(MAX_MESSAGE_MATCHES)} "allowed" keys; only the first ${thousands(MAX_MESSAGE_MATCHES)} were read.`,
      );
      return;
    }
    const found = readAt(input, m.index, m[1] === "\\");
    if (found === null) continue;
    until = found.end;
    const line = lines.index(found.start) + 1;
    if (!isDecodedMessage(found.value)) {
      // Only a message that says what it is (its explicitDeny or context key) is worth a warning.
      const near = input.slice(m.index, m.index + 400);
      if (/explicitDeny|matchedStatements/.test(near)) {
        state.warnings.add(
          "malformed-decoded-message",
          () =>
            `Line ${line} holds what looks like a decoded authorization message that is not complete JSON; it was not read.`,
        );
      }
      continue;
    }
    if (!takeEvent(state)) return;
    const s = sightingFromDecoded(found.value, found.start, line);
    if (s) state.sightings.push(s);
    state.claimed.add(found.start, found.end);
  }
}
