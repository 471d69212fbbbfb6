import { isDenialCode, isRegion } from "./aws-names.js";
import {
  collectEvents,
  eventFromFragment,
  jsonErrorPosition,
  scanJsonBlocks,
  sightingFromEvent,
  type JsonBlock,
} from "./cloudtrail.js";
import { JSON_CODE_SOURCE, JS_PRINTED_CODE_SOURCE, XML_CODE_SOURCE } from "./code-patterns.js";
import { readContext, type WrapperContext } from "./wrappers.js";
import { IAM_ANCHOR_SOURCE, parseIamMessage } from "./iam-message.js";
import {
  applyIamMessage,
  collapse,
  emptySighting,
  finalise,
  mergeRequests,
  type Sighting,
} from "./sighting.js";
import type { LogSource, ParseCounts, ParseHints, ParseResult } from "./types.js";

/** Larger pastes are cut here (characters). */
export const MAX_INPUT_CHARS = 64 * 1024 * 1024;
/** Largest JSON block handed to JSON.parse. */
/** Error-like lines without an IAM message read in one paste (each reads a window around it). */
const MAX_GENERIC_ANCHORS = 5_000;
const MAX_JSON_BLOCK = 32 * 1024 * 1024;
/** Context windows around a message. */
const BEFORE_LINES = 3;
const BEFORE_CHARS = 1500;
const AFTER_LINES = 12;
const AFTER_CHARS = 6000;
const GENERIC_NOTE =
  "The log gives no IAM access-denied message for this request; only the error code and the SDK operation (if named) identify it.";

/** A line that starts a new error record; context windows stop there. */
const RECORD_START_RE =
  /An error occurred \(|operation error |Error executing "|<Code>|\bError:|\bERROR\b|Traceback \(|\[ERROR\]|Exception:/;

class Lines {
  readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }
  /** Number of lines; a final newline does not start another line. */
  get count(): number {
    return this.text.endsWith("\n") ? this.starts.length - 1 : this.starts.length;
  }
  /** 0-based line index of an offset. */
  index(pos: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  start(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))] as number;
  }
  /** Offset of the newline ending `line` (or the text length). */
  end(line: number): number {
    const next = this.starts[line + 1];
    return next === undefined ? this.text.length : next - 1;
  }
}

/** Sorted, merged [start, end) ranges with binary-search lookup. */
class Ranges {
  private list: [number, number][] = [];
  private sorted = true;
  add(start: number, end: number): void {
    if (end <= start) return;
    const last = this.list[this.list.length - 1];
    if (last !== undefined && this.sorted && start >= last[0]) {
      if (start <= last[1]) {
        last[1] = Math.max(last[1], end);
        return;
      }
    } else if (last !== undefined) {
      this.sorted = false;
    }
    this.list.push([start, end]);
  }
  private normalise(): void {
    if (this.sorted) return;
    this.list.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const r of this.list) {
      const last = merged[merged.length - 1];
      if (last !== undefined && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    }
    this.list = merged;
    this.sorted = true;
  }
  /** End of the last range that ends at or before `pos` (0 when none). */
  floor(pos: number): number {
    this.normalise();
    let lo = 0;
    let hi = this.list.length - 1;
    let best = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.list[mid] as [number, number];
      if (r[1] <= pos) {
        best = r[1];
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return best;
  }
  has(pos: number): boolean {
    this.normalise();
    let lo = 0;
    let hi = this.list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.list[mid] as [number, number];
      if (pos < r[0]) hi = mid - 1;
      else if (pos >= r[1]) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

/** Collapse whitespace; re-join ARNs a terminal wrapped after a hyphen ("us-east-\n   1:…"). */
function normalise(text: string): string {
  // Terraform draws its diagnostics in a box: wrapped lines start with "│ " (or ╷ ╵).
  const unboxed = text.includes("\n") ? text.replace(/(^|\n)[ \t]*[\u2502\u2577\u2575][ \t]?/g, "$1") : text;
  const joined = unboxed.includes("\n")
    ? unboxed.replace(/-[ \t]{0,200}\r?\n[ \t]{0,200}(?=[0-9a-z])/g, "-")
    : unboxed;
  return joined.replace(/\s+/g, " ");
}

function beforeStart(lines: Lines, pos: number, floor: number): number {
  const line = lines.index(pos);
  let start = lines.start(line);
  if (!RECORD_START_RE.test(lines.text.slice(Math.max(start, pos - BEFORE_CHARS), pos))) {
    for (let k = 1; k <= BEFORE_LINES && line - k >= 0; k++) {
      const s = lines.start(line - k);
      if (s < floor || pos - s > BEFORE_CHARS) break;
      start = s;
      if (RECORD_START_RE.test(lines.text.slice(s, lines.end(line - k)))) break;
    }
  }
  return Math.max(start, floor, pos - BEFORE_CHARS);
}

function afterEnd(lines: Lines, pos: number, ceiling: number): number {
  const line = lines.index(pos);
  let end = lines.end(line);
  for (let k = 1; k <= AFTER_LINES; k++) {
    const s = lines.start(line + k);
    if (s <= end || s >= ceiling) break;
    const e = lines.end(line + k);
    if (e - pos > AFTER_CHARS) break;
    if (RECORD_START_RE.test(lines.text.slice(s, e))) break;
    end = e;
  }
  return Math.min(end, ceiling, pos + AFTER_CHARS);
}

function applyContext(s: Sighting, ctx: WrapperContext): void {
  s.errorCode ??= ctx.errorCode;
  s.sdkOperation ??= ctx.sdkOperation;
  s.servicePrefix ??= ctx.servicePrefix;
  s.requestId ??= ctx.requestId;
  s.region ??= ctx.region;
  s.encodedMessage ??= ctx.encodedMessage;
  for (const n of ctx.notes) if (!s.notes.includes(n)) s.notes.push(n);
  for (const src of ctx.sources) if (!s.sources.includes(src)) s.sources.push(src);
}

interface GenericAnchor {
  pos: number;
  kind: "cli" | "go-v2" | "go-v1" | "xml" | "json" | "java" | "prefix" | "cfn" | "encoded";
  code: string | null;
  status: number | null;
}

const GENERIC_PATTERNS: readonly {
  re: RegExp;
  kind: GenericAnchor["kind"];
  code?: number;
  status?: number;
}[] = [
  { re: /An error occurred \(([A-Za-z0-9.]{1,64})\)/g, kind: "cli", code: 1 },
  { re: /api error ([A-Za-z0-9.]{1,64}):/g, kind: "go-v2", code: 1 },
  { re: /status code: (\d{3}),[ \t]{0,3}request id:/g, kind: "go-v1", status: 1 },
  { re: new RegExp(XML_CODE_SOURCE, "g"), kind: "xml", code: 1 },
  { re: new RegExp(JSON_CODE_SOURCE, "g"), kind: "json", code: 1 },
  { re: new RegExp(JS_PRINTED_CODE_SOURCE, "g"), kind: "json", code: 1 },
  { re: /x-amzn-ErrorType:[ \t]{0,3}([A-Za-z0-9.]{1,64})/g, kind: "json", code: 1 },
  {
    re: /\(Service: [^;,)\n]{1,60}[;,][ \t]{0,3}Status Code: (\d{3})[;,][ \t]{0,3}(?:Error Code: ([^;,)\n]{1,64})[;,])?/g,
    kind: "java",
    status: 1,
    code: 2,
  },
  {
    re: /\b(AccessDenied|AccessDeniedException|UnauthorizedOperation|Client\.UnauthorizedOperation|ForbiddenException|Forbidden): (?:Access Denied|Access denied|Forbidden)/g,
    kind: "prefix",
    code: 1,
  },
  { re: /HandlerErrorCode: ([A-Za-z0-9]{1,64})/g, kind: "cfn", code: 1 },
  { re: /Encoded authorization failure message/g, kind: "encoded" },
];

const KIND_SOURCE: Readonly<Record<GenericAnchor["kind"], LogSource>> = {
  cli: "aws-cli",
  "go-v2": "go-sdk",
  "go-v1": "go-sdk",
  xml: "xml-error",
  json: "json-error",
  java: "java-sdk",
  prefix: "iam-message",
  cfn: "cloudformation",
  encoded: "encoded-authorization-message",
};

function firstIndexAtOrAfter(sorted: readonly number[], pos: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) >= pos) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function firstBlockAfter(blocks: readonly JsonBlock[], pos: number): JsonBlock | undefined {
  let lo = 0;
  let hi = blocks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((blocks[mid] as JsonBlock).start > pos) hi = mid;
    else lo = mid + 1;
  }
  return blocks[lo];
}

function looksBinary(text: string): number {
  const sample = Math.min(text.length, 1 << 20);
  let odd = 0;
  for (let i = 0; i < sample; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd || c === 0x7f) odd++;
  }
  return sample === 0 ? 0 : odd / sample;
}

function emptyCounts(characters: number, lines: number): ParseCounts {
  return { characters, lines, sightings: 0, denials: 0, cloudTrailEvents: 0, bySource: {} };
}

/**
 * Find every distinct denied request in pasted text: IAM access-denied messages in any wrapping
 * (AWS CLI, boto3, SDKs for JavaScript/Java/Go/PHP, Terraform, CloudFormation, XML/JSON error
 * bodies), CloudTrail events and EC2 encoded authorization failure messages. Never throws.
 */
export function parseErrorLog(text: string, hints?: ParseHints): ParseResult {
  const warnings: string[] = [];
  let input = typeof text === "string" ? text : "";
  if (typeof text !== "string") warnings.push("The input is not text.");
  if (input.length > MAX_INPUT_CHARS) {
    warnings.push(
      `The text is ${input.length} characters long; only the first ${MAX_INPUT_CHARS} were examined (input truncated).`,
    );
    input = input.slice(0, MAX_INPUT_CHARS);
  }
  if (input.trim().length === 0) {
    warnings.push("The text is empty.");
    return { denials: [], warnings, counts: emptyCounts(input.length, input.length === 0 ? 0 : 1) };
  }
  if (hints?.accountId !== undefined && !/^\d{12}$/.test(hints.accountId)) {
    warnings.push(
      `The accountId hint "${hints.accountId.slice(0, 40)}" is not a 12-digit account id; it was ignored.`,
    );
  }
  if (hints?.region !== undefined && !isRegion(hints.region)) {
    warnings.push(
      `The region hint "${hints.region.slice(0, 40)}" is not an AWS region name; it was ignored.`,
    );
  }
  const binary = looksBinary(input);
  if (binary > 0.05) {
    warnings.push(
      `The text looks binary (${Math.round(binary * 100)}% control characters); it may not be a log, and results may be incomplete.`,
    );
  }
  if (/\((?:truncated|trimmed)\.{0,3}\)|\[(?:truncated|trimmed)\]|\.\.\.\s?\(truncated/i.test(input)) {
    warnings.push("The text contains a truncation marker; some messages may be incomplete.");
  } else if (/(?:\.\.\.|\u2026)\s*$/.test(input)) {
    warnings.push("The text ends with an ellipsis; it may be truncated.");
  }

  const lines = new Lines(input);
  const sightings: Sighting[] = [];
  const claimed = new Ranges();
  let cloudTrailEvents = 0;

  // 1. CloudTrail events.
  const scan = scanJsonBlocks(input);
  let parseBudget = input.length * 3 + 1_000_000;
  let budgetWarned = false;
  let consumedUntil = -1;
  const blocks = scan.blocks;
  const failed: { block: JsonBlock; message: string }[] = [];
  for (let b = 0; b < blocks.length; b++) {
    const block = blocks[b] as JsonBlock;
    if (block.start <= consumedUntil) continue;
    const slice = input.slice(block.start, block.end + 1);
    if (!slice.includes("eventSource") && !slice.includes("eventName")) {
      consumedUntil = block.end;
      continue;
    }
    let parsed: unknown;
    let ok = false;
    if (slice.length > parseBudget) {
      // Nested blocks that fail to parse would each be parsed again: a budget keeps it linear.
      if (!budgetWarned) {
        warnings.push("Too many nested JSON blocks failed to parse; the rest were read by pattern only.");
        budgetWarned = true;
      }
    } else if (slice.length <= MAX_JSON_BLOCK) {
      parseBudget -= slice.length;
      try {
        parsed = JSON.parse(slice) as unknown;
        ok = true;
      } catch (error) {
        failed.push({ block, message: error instanceof Error ? error.message : String(error) });
      }
    } else {
      warnings.push(
        `A JSON block at line ${lines.index(block.start) + 1} is larger than ${MAX_JSON_BLOCK} characters; it was not parsed.`,
      );
    }
    if (ok) {
      const events: Record<string, unknown>[] = [];
      collectEvents(parsed, events);
      if (events.length > 0) {
        const line = lines.index(block.start) + 1;
        for (const event of events) {
          cloudTrailEvents++;
          const s = sightingFromEvent(event, block.start, line);
          if (s) sightings.push(s);
        }
        claimed.add(block.start, block.end + 1);
      }
      consumedUntil = block.end;
      continue;
    }
    // Not JSON: let inner blocks try, unless there are none with events.
    let innerHasEvents = false;
    for (let k = b + 1; k < blocks.length && (blocks[k] as JsonBlock).start < block.end; k++) {
      const inner = blocks[k] as JsonBlock;
      const found = input.indexOf("eventSource", inner.start);
      // No later "eventSource" inside this block: none of its other inner blocks has one either.
      if (found === -1 || found > block.end) break;
      if (found < inner.end) {
        innerHasEvents = true;
        break;
      }
    }
    if (innerHasEvents) continue;
    const failure = failed[failed.length - 1];
    const pos = failure === undefined ? null : jsonErrorPosition(failure.message);
    const where = pos === null ? block.start : block.start + pos;
    const line = lines.index(where);
    warnings.push(
      `Malformed CloudTrail JSON starting at line ${lines.index(block.start) + 1} (error at line ${line + 1}, column ${where - lines.start(line) + 1}): ${failure?.message ?? "not valid JSON"}. Fields were read by pattern.`,
    );
    const anchor = slice.indexOf('"errorCode"');
    if (anchor !== -1) {
      cloudTrailEvents++;
      const s = sightingFromEvent(
        eventFromFragment(slice, anchor),
        block.start,
        lines.index(block.start) + 1,
      );
      if (s) {
        s.notes.push("Read from malformed CloudTrail JSON by pattern.");
        sightings.push(s);
      }
    }
    claimed.add(block.start, block.end + 1);
    consumedUntil = block.end;
  }
  // Openers never closed: a truncated event.
  for (const open of scan.unterminated) {
    if (claimed.has(open)) continue;
    const nextBlock = firstBlockAfter(blocks, open);
    const end = Math.min(input.length, open + 64 * 1024, nextBlock?.start ?? input.length);
    const slice = input.slice(open, end);
    if (!slice.includes('"eventSource"') && !slice.includes('"eventVersion"')) continue;
    const line = lines.index(open) + 1;
    warnings.push(
      `Truncated CloudTrail JSON starting at line ${line}: the event never closes. Fields were read by pattern.`,
    );
    const anchor = slice.indexOf('"errorCode"');
    if (anchor !== -1) {
      cloudTrailEvents++;
      const s = sightingFromEvent(eventFromFragment(slice, anchor), open, line);
      if (s) {
        s.notes.push("Read from truncated CloudTrail JSON by pattern.");
        sightings.push(s);
      }
    }
    claimed.add(open, end);
  }
  // Fragments: CloudTrail keys outside any JSON block (a paste that starts mid-event, a table row).
  const eventKeys: number[] = [];
  for (const key of ['"eventSource"', '"eventName"']) {
    for (let i = input.indexOf(key); i !== -1; i = input.indexOf(key, i + 1)) eventKeys.push(i);
  }
  eventKeys.sort((x, y) => x - y);
  const fragmentRe = /"errorCode"[ \t\r\n]{0,20}:[ \t\r\n]{0,20}"/g;
  let fragmentUntil = -1;
  for (let m = fragmentRe.exec(input); m !== null; m = fragmentRe.exec(input)) {
    if (m.index < fragmentUntil || claimed.has(m.index)) continue;
    const line = lines.index(m.index);
    const start = Math.max(lines.start(Math.max(0, line - 60)), m.index - 8000);
    const end = Math.min(lines.end(Math.min(lines.starts.length - 1, line + 20)), m.index + 4000);
    const key = eventKeys[firstIndexAtOrAfter(eventKeys, start)];
    if (key === undefined || key >= end) continue;
    const window = input.slice(start, end);
    cloudTrailEvents++;
    const s = sightingFromEvent(eventFromFragment(window, m.index - start), m.index, line + 1);
    if (s) {
      s.notes.push("Read from a fragment of a CloudTrail event by pattern.");
      sightings.push(s);
      warnings.push(
        `Line ${line + 1} holds part of a CloudTrail event that is not complete JSON; its fields were read by pattern.`,
      );
    }
    claimed.add(start, end);
    fragmentUntil = end;
  }

  // 2. IAM access-denied messages.
  const anchorRe = new RegExp(IAM_ANCHOR_SOURCE, "gi");
  const anchors: { pos: number; end: number; floor: number }[] = [];
  for (let m = anchorRe.exec(input); m !== null; m = anchorRe.exec(input)) {
    if (!claimed.has(m.index))
      anchors.push({ pos: m.index, end: m.index + m[0].length, floor: claimed.floor(m.index) });
  }
  let prevCut = 0;
  for (let a = 0; a < anchors.length; a++) {
    const { pos, end, floor } = anchors[a] as { pos: number; end: number; floor: number };
    const next = anchors[a + 1];
    const ceiling = next === undefined ? input.length : next.pos;
    const start = beforeStart(lines, pos, Math.max(prevCut, floor));
    const stop = Math.max(end, afterEnd(lines, pos, ceiling));
    const sBefore = normalise(input.slice(start, pos));
    const sAnchor = normalise(input.slice(pos, end));
    const sAfter = normalise(input.slice(end, stop));
    const s = sBefore + sAnchor + sAfter;
    const parsed = parseIamMessage(s, sBefore.length, sBefore.length + sAnchor.length);
    if (
      parsed.genericOperation &&
      next !== undefined &&
      next.pos - end < 2500 &&
      /^[ \t]{0,5}this operation\.?[ \t]{0,5}User:/.test(input.slice(end, next.pos))
    ) {
      // EC2: "You are not authorized to perform this operation. User: … is not authorized to perform: …"
      continue;
    }
    const line = lines.index(pos) + 1;
    const sighting = emptySighting(pos, line);
    applyIamMessage(sighting, parsed);
    sighting.rawMessage = s.slice(parsed.start, parsed.end).replace(/^User:\s?/, "User: ");
    const ctx = readContext(s.slice(0, parsed.start), input.slice(end, stop));
    if (parsed.genericOperation || (parsed.action === null && parsed.principal === null)) {
      if (ctx.encodedMessage !== null || ctx.encodedPhrase)
        sighting.sources.push("encoded-authorization-message");
      if (
        ctx.errorCode === null &&
        /^You are not authorized to perform this operation/i.test(sighting.rawMessage)
      ) {
        sighting.errorCode = "UnauthorizedOperation";
      }
    }
    applyContext(sighting, ctx);
    if (sighting.errorCode === null && parsed.genericOperation) sighting.errorCode = "UnauthorizedOperation";
    const evidence =
      parsed.action !== null ||
      parsed.genericOperation ||
      parsed.denyKind !== null ||
      parsed.resource !== null ||
      (parsed.principal !== null && parsed.principal.startsWith("arn:")) ||
      sighting.errorCode !== null ||
      sighting.encodedMessage !== null;
    if (!evidence) continue; // prose such as "if you are not authorized to perform an action, …"
    sightings.push(sighting);
    claimed.add(start, stop);
    // The next message may start right after this one ends (same line or the next).
    const consumed = Math.max(0, parsed.end - sBefore.length - sAnchor.length);
    prevCut = Math.max(prevCut, Math.min(end + consumed, ceiling));
  }

  // 3. Denials with no IAM message: wrapped error codes, "Access Denied", encoded messages.
  const generic: GenericAnchor[] = [];
  for (const pattern of GENERIC_PATTERNS) {
    const re = pattern.re;
    re.lastIndex = 0;
    for (let m = re.exec(input); m !== null; m = re.exec(input)) {
      if (claimed.has(m.index)) continue;
      const code = pattern.code === undefined ? null : (m[pattern.code] ?? null);
      const status = pattern.status === undefined ? null : Number(m[pattern.status]);
      generic.push({ pos: m.index, kind: pattern.kind, code: code?.trim() ?? null, status });
    }
  }
  generic.sort((x, y) => x.pos - y.pos);
  let genericUntil = -1;
  // Each anchor reads a window of lines around it: one anchor per line, and a cap, keep a paste of
  // repeated error-like fragments linear instead of re-reading the same text per fragment.
  let lastGenericLine = -1;
  let genericRead = 0;
  for (const g of generic) {
    if (g.pos < genericUntil) continue;
    const codeIsDenial = g.code !== null && isDenialCode(g.code);
    if (g.kind !== "encoded" && g.kind !== "go-v1" && g.kind !== "java" && !codeIsDenial) continue;
    const anchorLine = lines.index(g.pos);
    if (anchorLine === lastGenericLine) continue;
    lastGenericLine = anchorLine;
    if (++genericRead > MAX_GENERIC_ANCHORS) {
      warnings.push(
        `More than ${MAX_GENERIC_ANCHORS} error-like lines without an IAM message; only the first ${MAX_GENERIC_ANCHORS} were read.`,
      );
      break;
    }
    const start = beforeStart(lines, g.pos, Math.max(0, genericUntil, claimed.floor(g.pos)));
    const stop = afterEnd(lines, g.pos, input.length);
    const window = input.slice(start, stop);
    const ctx = readContext(window, input.slice(g.pos, stop));
    const code = codeIsDenial ? g.code : ctx.errorCode;
    const denied =
      g.kind === "encoded" ||
      (code !== null && isDenialCode(code)) ||
      ((g.status === 403 || ctx.statusCode === 403) &&
        /access denied|forbidden|not authori[sz]ed/i.test(window));
    if (!denied) continue;
    const line = lines.index(g.pos);
    const sighting = emptySighting(g.pos, line + 1);
    sighting.errorCode = code;
    sighting.sources.push(
      g.kind === "encoded" ? "encoded-authorization-message" : (ctx.sources[0] ?? KIND_SOURCE[g.kind]),
    );
    applyContext(sighting, ctx);
    if (g.kind === "encoded" && sighting.encodedMessage === null) {
      sighting.notes.push("The encoded authorization failure message itself is missing from the log.");
    }
    sighting.notes.push(GENERIC_NOTE);
    sighting.rawMessage = collapse(input.slice(Math.max(lines.start(line), g.pos - 300), stop), 500);
    sightings.push(sighting);
    genericUntil = stop;
  }

  // 4. Merge.
  const finals = sightings.map((s) => finalise(s, hints));
  const denials = mergeRequests(finals);
  const bySource: Partial<Record<LogSource, number>> = {};
  for (const d of finals) bySource[d.source] = (bySource[d.source] ?? 0) + 1;
  if (denials.length === 0) warnings.push("No denied request was found in the text.");
  return {
    denials,
    warnings,
    counts: {
      characters: input.length,
      lines: lines.count,
      sightings: finals.length,
      denials: denials.length,
      cloudTrailEvents,
      bySource,
    },
  };
}
