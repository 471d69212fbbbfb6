/**
 * CloudTrail records out of pasted text: a log file ({"Records": [...]}), the output of
 * `aws cloudtrail lookup-events` (each event's CloudTrailEvent is a JSON string), EventBridge
 * envelopes, CloudWatch Logs exports, one event per line, or pretty-printed events cut short.
 * Whatever is not a record is counted, with the line of the first one, and the rest is still read.
 */
import { scanJsonBlocks } from "../logs/cloudtrail.js";
import { isCloudTrailRecord, type SkipReason } from "./records.js";

export interface SkipTally {
  count: number;
  /** 1-based line of the first such item, when the text says. */
  firstLine?: number;
}

export interface TextRecords {
  records: Record<string, unknown>[];
  skipped: Partial<Record<SkipReason, SkipTally>>;
}

const MAX_DEPTH = 6;
const WRAPPER_KEYS = ["Records", "records", "Events", "events", "logEvents", "detail"];

export function countSkip(
  skipped: Partial<Record<SkipReason, SkipTally>>,
  reason: SkipReason,
  n = 1,
  line?: number,
): void {
  const t = (skipped[reason] ??= { count: 0 });
  t.count += n;
  if (line !== undefined && t.firstLine === undefined) t.firstLine = line;
}

class Collector {
  readonly records: Record<string, unknown>[] = [];
  readonly skipped: Partial<Record<SkipReason, SkipTally>> = {};
  constructor(private readonly maxRecords: number) {}

  take(record: Record<string, unknown>): void {
    if (this.records.length >= this.maxRecords) countSkip(this.skipped, "over_limit");
    else this.records.push(record);
  }

  /** Records inside one parsed JSON value; anything else in it is counted as not CloudTrail. */
  collect(value: unknown, line: number | undefined, depth = 0): void {
    if (depth > MAX_DEPTH) return countSkip(this.skipped, "not_cloudtrail", 1, line);
    if (Array.isArray(value)) {
      for (const item of value) this.collect(item, line, depth + 1);
      return;
    }
    if (isCloudTrailRecord(value)) return this.take(value);
    if (typeof value === "object" && value !== null) {
      const obj = value as Record<string, unknown>;
      // lookup-events: {"EventId": ..., "CloudTrailEvent": "<the record as a JSON string>"}
      const embedded = obj["CloudTrailEvent"] ?? obj["message"];
      if (typeof embedded === "string") return this.collectString(embedded, line, depth);
      const wrapped = WRAPPER_KEYS.filter((k) => obj[k] !== undefined);
      if (wrapped.length > 0) {
        for (const k of wrapped) this.collect(obj[k], line, depth + 1);
        return;
      }
    }
    countSkip(this.skipped, "not_cloudtrail", 1, line);
  }

  private collectString(text: string, line: number | undefined, depth: number): void {
    try {
      this.collect(JSON.parse(text) as unknown, line, depth + 1);
    } catch {
      countSkip(this.skipped, "truncated_json", 1, line);
    }
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

function lineOf(starts: readonly number[], pos: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** Every non-blank line is one JSON value: JSON lines. */
function readJsonLines(text: string, c: Collector): boolean {
  const lines = text.split("\n");
  if (!lines.every((l) => l.trim() === "" || /^\s*[[{]/.test(l))) return false;
  lines.forEach((l, i) => {
    if (l.trim() === "") return;
    try {
      c.collect(JSON.parse(l) as unknown, i + 1);
    } catch {
      countSkip(c.skipped, "truncated_json", 1, i + 1);
    }
  });
  return true;
}

/** Pretty-printed or mixed text: the outermost JSON blocks holding event keys, the rest line by line. */
function readBlocks(text: string, c: Collector): void {
  const starts = lineStarts(text);
  const scan = scanJsonBlocks(text);
  const covered: [number, number][] = [];
  let until = -1;
  for (const block of scan.blocks) {
    if (block.start <= until) continue;
    const line = lineOf(starts, block.start);
    try {
      c.collect(JSON.parse(text.slice(block.start, block.end + 1)) as unknown, line);
      until = block.end;
      covered.push([block.start, block.end]);
    } catch {
      // An outer block that does not parse may hold inner events that do: let them try.
      const inner = scan.blocks.some((b) => b.start > block.start && b.end < block.end);
      if (!inner) {
        countSkip(c.skipped, "truncated_json", 1, line);
        until = block.end;
        covered.push([block.start, block.end]);
      }
    }
  }
  for (const open of scan.unterminated) {
    if (covered.some(([s, e]) => open >= s && open <= e)) continue;
    const nextClosed = scan.blocks.find((b) => b.start > open);
    const end = nextClosed ? nextClosed.start : text.length;
    // A truncated container whose inner events closed was read through them; count only bare fragments.
    if (scan.blocks.some((b) => b.start > open && b.start < end)) continue;
    if (/"event(Source|Name|Version)"/.test(text.slice(open, Math.min(end, open + 65_536)))) {
      countSkip(c.skipped, "truncated_json", 1, lineOf(starts, open));
      covered.push([open, end - 1]);
    }
  }
  covered.sort((a, b) => a[0] - b[0]);
  // Lines outside every block: prose or other JSON.
  let k = 0;
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i] as number;
    const e = (starts[i + 1] ?? text.length + 1) - 1;
    while (k < covered.length && (covered[k] as [number, number])[1] < s) k++;
    const cov = covered[k];
    if (cov && cov[0] <= e && cov[1] >= s) continue;
    const line = text.slice(s, e).trim();
    if (line === "" || /^[\]}),]+$/.test(line)) continue;
    countSkip(c.skipped, "not_cloudtrail", 1, i + 1);
  }
}

/** Reads every CloudTrail record in `text`, at most `maxRecords` (the rest counted as over_limit). */
export function readActivityText(text: string, maxRecords: number): TextRecords {
  const c = new Collector(maxRecords);
  const trimmed = text.trim();
  if (trimmed === "") return { records: [], skipped: {} };
  let whole: unknown;
  let parsed = false;
  if (/^[[{]/.test(trimmed)) {
    try {
      whole = JSON.parse(trimmed) as unknown;
      parsed = true;
    } catch {
      // not one JSON document
    }
  }
  if (parsed) c.collect(whole, 1);
  else if (!readJsonLines(text, c)) readBlocks(text, c);
  return { records: c.records, skipped: c.skipped };
}
