import { iamPrefixForEventSource, isDenialCode } from "./aws-names.js";
import { IAM_ANCHOR_SOURCE, parseIamMessage } from "./iam-message.js";
import { applyIamMessage, emptySighting, type Sighting } from "./sighting.js";

/**
 * CloudTrail events: a single event, a `{"Records":[…]}` document, JSON lines, pretty-printed
 * events pasted among other text, CloudWatch Logs exports whose messages are JSON strings, and
 * EventBridge "AWS API Call via CloudTrail" envelopes. Broken JSON is read field by field.
 */

export interface JsonBlock {
  start: number;
  /** Index of the closing bracket. */
  end: number;
}

export interface BlockScan {
  /**
   * Closed blocks whose opener is the first bracket on its line and that hold an "eventSource" or
   * "eventName" key (the only ones a CloudTrail reader wants), sorted by start.
   */
  blocks: JsonBlock[];
  /** Where every such closed block starts, with a key or not, sorted. */
  blockStarts: Float64Array;
  /** Such openers never closed (truncated text), in order. */
  unterminated: number[];
}

/** Sorted offsets of the words a CloudTrail event's keys contain (quoted, or escaped in a string). */
function eventWordPositions(text: string): number[] {
  const out: number[] = [];
  for (const word of ["eventSource", "eventName"]) {
    for (let i = text.indexOf(word); i !== -1; i = text.indexOf(word, i + 1)) out.push(i);
  }
  return out.sort((a, b) => a - b);
}

/** Whether a sorted list has a value in [from, to). */
function hasWithin(sorted: readonly number[], from: number, to: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) >= from) hi = mid;
    else lo = mid + 1;
  }
  return lo < sorted.length && (sorted[lo] as number) < to;
}

const MAX_UNTERMINATED = 1000;
/** Nesting kept by the bracket scan (CloudTrail nests a few levels; a paste of openers is not JSON). */
const MAX_NESTING = 1000;

/**
 * One pass over the text pairing brackets. JSON strings never span lines, so string state is reset
 * at each newline; a stray quote in prose can only hide brackets on its own line.
 */
export function scanJsonBlocks(text: string): BlockScan {
  // Only blocks holding an event key are kept as objects: a paste of millions of small blocks keeps
  // their starts (numbers), not millions of objects to sort.
  const words = eventWordPositions(text);
  const starts: number[] = [];
  const stackPos: number[] = [];
  const stackChar: number[] = [];
  const stackCandidate: boolean[] = [];
  const blocks: JsonBlock[] = [];
  let inString = false;
  let lineHasBracket = false;
  /** Openers past MAX_NESTING, counted so their closers still pair. */
  let deeper = 0;
  const n = text.length;
  // Nothing before the first bracket can open a block: start there (a paste with none costs nothing).
  const firstBrace = text.indexOf("{");
  const firstBracket = text.indexOf("[");
  const first =
    firstBrace === -1 ? firstBracket : firstBracket === -1 ? firstBrace : Math.min(firstBrace, firstBracket);
  if (first === -1) return { blocks, blockStarts: new Float64Array(0), unterminated: [] };
  // Start on the bracket's line, so the line's string state is right.
  const lineStart = text.lastIndexOf("\n", first) + 1;
  for (let i = lineStart; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      inString = false;
      lineHasBracket = false;
      continue;
    }
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
    } else if (c === 123 || c === 91) {
      if (stackPos.length < MAX_NESTING) {
        stackPos.push(i);
        stackChar.push(c);
        stackCandidate.push(!lineHasBracket);
      } else {
        deeper++;
      }
      lineHasBracket = true;
    } else if (c === 125 || c === 93) {
      lineHasBracket = true;
      if (deeper > 0) {
        // Closes an opener past the nesting kept: pair it, keep nothing.
        deeper--;
        continue;
      }
      const top = stackChar.length - 1;
      if (top < 0) continue;
      const open = stackChar[top];
      if ((c === 125 && open !== 123) || (c === 93 && open !== 91)) continue;
      const start = stackPos.pop() as number;
      stackChar.pop();
      const candidate = stackCandidate.pop() as boolean;
      if (candidate) {
        starts.push(start);
        if (hasWithin(words, start, i)) blocks.push({ start, end: i });
      }
    }
  }
  const unterminated: number[] = [];
  for (let k = 0; k < stackPos.length && unterminated.length < MAX_UNTERMINATED; k++) {
    if (stackCandidate[k]) unterminated.push(stackPos[k] as number);
  }
  blocks.sort((a, b) => a.start - b.start);
  return { blocks, blockStarts: Float64Array.from(starts).sort(), unterminated };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === "string" && v.length > 0 ? v : null;
}

const MAX_WALK_DEPTH = 8;
const MAX_EVENTS = 1_000_000;
const MAX_EMBEDDED_JSON = 1_000_000;

/** Collect CloudTrail-looking events from parsed JSON. */
export function collectEvents(value: unknown, out: Record<string, unknown>[], depth = 0): void {
  if (depth > MAX_WALK_DEPTH || out.length >= MAX_EVENTS) return;
  if (Array.isArray(value)) {
    for (const item of value) collectEvents(item, out, depth + 1);
    return;
  }
  if (typeof value === "string") {
    if (value.length <= MAX_EMBEDDED_JSON && value.startsWith("{") && value.includes('"eventSource"')) {
      try {
        collectEvents(JSON.parse(value) as unknown, out, depth + 1);
      } catch {
        // not JSON after all
      }
    }
    return;
  }
  if (!isObject(value)) return;
  if (str(value["eventSource"]) !== null && str(value["eventName"]) !== null) {
    out.push(value);
    return;
  }
  for (const key of [
    "Records",
    "records",
    "detail",
    "events",
    "Events",
    "logEvents",
    "message",
    "CloudTrailEvent",
  ]) {
    const inner = value[key];
    if (inner !== undefined) collectEvents(inner, out, depth + 1);
  }
}

const ANCHOR = new RegExp(IAM_ANCHOR_SOURCE, "i");

/** Build a sighting from a CloudTrail event; `null` when the event was not denied. */
export function sightingFromEvent(
  event: Record<string, unknown>,
  position: number,
  line: number,
): Sighting | null {
  const errorCode = str(event["errorCode"]);
  if (errorCode === null || !isDenialCode(errorCode)) return null;
  const s = emptySighting(position, line);
  s.sources = ["cloudtrail"];
  s.errorCode = errorCode;
  const eventSource = str(event["eventSource"]);
  const eventName = str(event["eventName"]);
  const prefix = eventSource === null ? null : iamPrefixForEventSource(eventSource);
  s.servicePrefix = prefix;
  s.sdkOperation = eventName;
  s.region = str(event["awsRegion"]);
  s.requestId = str(event["requestID"]) ?? str(event["requestId"]);

  const identity = isObject(event["userIdentity"]) ? event["userIdentity"] : {};
  const identityArn = str(identity["arn"]);
  const identityType = str(identity["type"]);
  const identityAccount = str(identity["accountId"]);
  const recipient = str(event["recipientAccountId"]);
  const session = isObject(identity["sessionContext"]) ? identity["sessionContext"] : {};
  const issuer = isObject(session["sessionIssuer"]) ? session["sessionIssuer"] : {};
  const issuerArn = str(issuer["arn"]);

  const errorMessage = str(event["errorMessage"]);
  let rawMessage = errorMessage ?? `${errorCode}: ${eventSource ?? "?"} ${eventName ?? "?"}`;
  if (errorMessage !== null) {
    const flat = errorMessage.replace(/\s+/g, " ");
    const m = ANCHOR.exec(flat);
    if (m) {
      const parsed = parseIamMessage(flat, m.index, m.index + m[0].length);
      applyIamMessage(s, parsed);
      if (parsed.genericOperation) {
        // EC2 prefixes the real message with "You are not authorized to perform this operation."
        const next = ANCHOR.exec(flat.slice(parsed.end));
        if (next) {
          const offset = parsed.end + next.index;
          applyIamMessage(s, parseIamMessage(flat, offset, offset + next[0].length));
        }
      }
    }
    const enc = /Encoded authorization failure message:?\s{0,5}([A-Za-z0-9_-]{16,20000})/.exec(errorMessage);
    if (enc?.[1] !== undefined) s.encodedMessage = enc[1];
    rawMessage = errorMessage;
  }
  s.rawMessage = rawMessage;

  // The principal: the message's, else userIdentity.
  if (s.principal === null || !s.principal.startsWith("arn:")) {
    if (identityArn !== null) s.principal = identityArn;
    else if (identityType === "Root" && identityAccount !== null)
      s.principal = `arn:aws:iam::${identityAccount}:root`;
  }
  if (identityAccount !== null) s.accountHint = identityAccount;
  else if (recipient !== null) {
    s.accountHint = recipient;
    s.notes.push("The account id is CloudTrail's recipientAccountId (the userIdentity has none).");
  }
  if (identityType === "AssumedRole" && issuerArn !== null) {
    s.notes.push(`The principal is a session of the role ${issuerArn}.`);
  }
  const invokedBy = str(identity["invokedBy"]);
  if (invokedBy !== null) s.notes.push(`The call was made by ${invokedBy} on the principal's behalf.`);

  // No action in the message: finalise derives it from servicePrefix and sdkOperation (eventName).
  if (s.resource === null) {
    const resources = event["resources"];
    if (Array.isArray(resources)) {
      for (const r of resources) {
        const arn = isObject(r) ? str(r["ARN"]) : null;
        if (arn !== null) {
          s.resource = arn;
          break;
        }
      }
    }
  }
  return s;
}

// One compiled pattern per key (a fragment asks for about ten keys); callers reset lastIndex.
const keyValuePatterns = new Map<string, RegExp>();
const KEY_VALUE = (key: string): RegExp => {
  let re = keyValuePatterns.get(key);
  if (!re) {
    re = new RegExp(
      `"${key}"\\s{0,20}:\\s{0,20}("(?:[^"\\\\\\n]|\\\\.){0,4000}"|null|true|false|-?\\d{1,20})`,
      "g",
    );
    keyValuePatterns.set(key, re);
  }
  re.lastIndex = 0;
  return re;
};

function decode(literal: string): unknown {
  try {
    return JSON.parse(literal) as unknown;
  } catch {
    return literal.replace(/^"|"$/g, "");
  }
}

/** Value of `key` nearest to `anchor` in `text` (a broken or partial event). */
function nearest(text: string, key: string, anchor: number, after = -1): string | null {
  const re = KEY_VALUE(key);
  let best: { d: number; v: unknown } | null = null;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index < after) continue;
    const d = Math.abs(m.index - anchor);
    if (best === null || d < best.d) best = { d, v: decode(m[1] ?? "null") };
  }
  return best === null ? null : str(best.v);
}

/**
 * Read a CloudTrail event out of text that is not valid JSON (truncated, pasted into a table, with
 * a line break inside). `anchor` is the offset of `"errorCode"` in `text`.
 */
export function eventFromFragment(text: string, anchor: number): Record<string, unknown> {
  const identityAt = text.lastIndexOf('"userIdentity"', anchor);
  const event: Record<string, unknown> = {};
  for (const key of [
    "eventSource",
    "eventName",
    "awsRegion",
    "errorCode",
    "errorMessage",
    "recipientAccountId",
    "requestID",
  ]) {
    const v = nearest(text, key, anchor);
    if (v !== null) event[key] = v;
  }
  const identity: Record<string, unknown> = {};
  const from = identityAt === -1 ? 0 : identityAt;
  for (const key of ["arn", "accountId", "type"]) {
    const re = KEY_VALUE(key);
    re.lastIndex = from;
    const m = re.exec(text);
    if (m && m.index < anchor + 200) {
      const v = str(decode(m[1] ?? "null"));
      if (v !== null) identity[key] = v;
    }
  }
  event["userIdentity"] = identity;
  return event;
}

/** Position in `text` from a JSON.parse error message, when it reports one. */
export function jsonErrorPosition(message: string): number | null {
  const m = /position (\d{1,12})/.exec(message);
  return m?.[1] !== undefined ? Number(m[1]) : null;
}
