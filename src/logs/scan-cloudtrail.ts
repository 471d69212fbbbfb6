/**
 * Phase 1 of the parser: CloudTrail events in the paste, whole JSON blocks first, then openers never
 * closed (a truncated event), then fragments outside any block (a paste that starts mid-event).
 */
import { thousands } from "./limits.js";
import {
  collectEvents,
  eventFromFragment,
  jsonErrorPosition,
  sightingFromEvent,
  type BlockScan,
  type JsonBlock,
} from "./cloudtrail.js";
import { overLimit, takeEvent, type ScanState } from "./scan-state.js";

/** Largest JSON block handed to JSON.parse. */
const MAX_JSON_BLOCK = 32 * 1024 * 1024;
/** Blocks that may fail JSON.parse (a throw costs far more than a parse); the rest are read by pattern. */
const MAX_FAILED_PARSES = 1_000;

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

/** The first block start after `pos`. */
function firstStartAfter(starts: Float64Array, pos: number): number | undefined {
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((starts[mid] as number) > pos) hi = mid;
    else lo = mid + 1;
  }
  return starts[lo];
}

export function scanCloudTrail(state: ScanState, scan: BlockScan): void {
  readBlocks(state, scan.blocks);
  readUnterminated(state, scan.blockStarts, scan.unterminated);
  readFragments(state);
}

/** Count one CloudTrail event; false once the paste is over the events limit. */
function takeCloudTrailEvent(state: ScanState): boolean {
  state.cloudTrailEvents++;
  return takeEvent(state);
}

type BlockParse = { ok: true; value: unknown } | { ok: false; message: string } | { ok: null };

/** Parse one block within the budget that keeps nested failures linear. */
function parseBlock(
  state: ScanState,
  block: JsonBlock,
  slice: string,
  budget: { left: number; failures: number },
): BlockParse {
  if (budget.failures >= MAX_FAILED_PARSES) {
    state.warnings.addOnce(
      "json-failures",
      () =>
        `More than ${thousands(MAX_FAILED_PARSES)} CloudTrail-like JSON blocks failed to parse; the rest were read by pattern only.`,
    );
    return { ok: null };
  }
  if (slice.length > budget.left) {
    // Nested blocks that fail to parse would each be parsed again: a budget keeps it linear.
    state.warnings.addOnce(
      "json-nesting",
      "Too many nested JSON blocks failed to parse; the rest were read by pattern only.",
    );
    return { ok: null };
  }
  if (slice.length > MAX_JSON_BLOCK) {
    state.warnings.add(
      "json-too-large",
      () =>
        `A JSON block at line ${state.lines.index(block.start) + 1} is larger than ${thousands(MAX_JSON_BLOCK)} characters; it was not parsed.`,
    );
    return { ok: null };
  }
  budget.left -= slice.length;
  try {
    return { ok: true, value: JSON.parse(slice) as unknown };
  } catch (error) {
    budget.failures++;
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

function readEvents(state: ScanState, block: JsonBlock, parsed: unknown): void {
  const events: Record<string, unknown>[] = [];
  collectEvents(parsed, events);
  if (events.length === 0) return;
  const line = state.lines.index(block.start) + 1;
  for (const event of events) {
    if (!takeCloudTrailEvent(state)) return;
    const s = sightingFromEvent(event, block.start, line);
    if (s) state.sightings.push(s);
  }
  state.claimed.add(block.start, block.end + 1);
}

/** Whether a block that failed to parse holds inner blocks with events (they are tried instead). */
function innerHasEvents(input: string, blocks: readonly JsonBlock[], b: number): boolean {
  const block = blocks[b] as JsonBlock;
  for (let k = b + 1; k < blocks.length && (blocks[k] as JsonBlock).start < block.end; k++) {
    const inner = blocks[k] as JsonBlock;
    const found = input.indexOf("eventSource", inner.start);
    // No later "eventSource" inside this block: none of its other inner blocks has one either.
    if (found === -1 || found > block.end) return false;
    if (found < inner.end) return true;
  }
  return false;
}

/** A block that is not JSON: say where it broke and read its fields by pattern. */
function readMalformed(state: ScanState, block: JsonBlock, slice: string, failure: string | undefined): void {
  const { lines } = state;
  state.warnings.add("malformed-cloudtrail", () => {
    const pos = failure === undefined ? null : jsonErrorPosition(failure);
    const where = pos === null ? block.start : block.start + pos;
    const line = lines.index(where);
    return `Malformed CloudTrail JSON starting at line ${lines.index(block.start) + 1} (error at line ${line + 1}, column ${where - lines.start(line) + 1}): ${failure ?? "not valid JSON"}. Fields were read by pattern.`;
  });
  const anchor = slice.indexOf('"errorCode"');
  if (anchor !== -1 && takeCloudTrailEvent(state)) {
    const s = sightingFromEvent(eventFromFragment(slice, anchor), block.start, lines.index(block.start) + 1);
    if (s) {
      s.notes.push("Read from malformed CloudTrail JSON by pattern.");
      state.sightings.push(s);
    }
  }
  state.claimed.add(block.start, block.end + 1);
}

function readBlocks(state: ScanState, blocks: readonly JsonBlock[]): void {
  const { input } = state;
  const budget = { left: input.length * 3 + 1_000_000, failures: 0 };
  let consumedUntil = -1;
  let lastFailure: string | undefined;
  for (let b = 0; b < blocks.length && !overLimit(state); b++) {
    const block = blocks[b] as JsonBlock;
    if (block.start <= consumedUntil) continue;
    const slice = input.slice(block.start, block.end + 1);
    if (!slice.includes("eventSource") && !slice.includes("eventName")) {
      consumedUntil = block.end;
      continue;
    }
    const parsed = parseBlock(state, block, slice, budget);
    if (parsed.ok === false) lastFailure = parsed.message;
    if (parsed.ok === true) {
      readEvents(state, block, parsed.value);
      consumedUntil = block.end;
      continue;
    }
    // Not JSON: let inner blocks try, unless there are none with events.
    if (innerHasEvents(input, blocks, b)) continue;
    readMalformed(state, block, slice, lastFailure);
    consumedUntil = block.end;
  }
}

/** Openers never closed: a truncated event. */
function readUnterminated(
  state: ScanState,
  blockStarts: Float64Array,
  unterminated: readonly number[],
): void {
  const { input, lines } = state;
  for (const open of unterminated) {
    if (overLimit(state)) return;
    if (state.claimed.has(open)) continue;
    const end = Math.min(input.length, open + 64 * 1024, firstStartAfter(blockStarts, open) ?? input.length);
    const slice = input.slice(open, end);
    if (!slice.includes('"eventSource"') && !slice.includes('"eventVersion"')) continue;
    const line = lines.index(open) + 1;
    state.warnings.add(
      "truncated-cloudtrail",
      () =>
        `Truncated CloudTrail JSON starting at line ${line}: the event never closes. Fields were read by pattern.`,
    );
    const anchor = slice.indexOf('"errorCode"');
    if (anchor !== -1 && takeCloudTrailEvent(state)) {
      const s = sightingFromEvent(eventFromFragment(slice, anchor), open, line);
      if (s) {
        s.notes.push("Read from truncated CloudTrail JSON by pattern.");
        state.sightings.push(s);
      }
    }
    state.claimed.add(open, end);
  }
}

/** CloudTrail keys outside any JSON block (a paste that starts mid-event, a table row). */
function readFragments(state: ScanState): void {
  const { input, lines } = state;
  const fragmentRe = /"errorCode"[ \t\r\n]{0,20}:[ \t\r\n]{0,20}"/g;
  let eventKeys: number[] | undefined;
  let fragmentUntil = -1;
  for (let m = fragmentRe.exec(input); m !== null && !overLimit(state); m = fragmentRe.exec(input)) {
    if (m.index < fragmentUntil || state.claimed.has(m.index)) continue;
    eventKeys ??= eventKeyPositions(input);
    const line = lines.index(m.index);
    const start = Math.max(lines.start(Math.max(0, line - 60)), m.index - 8000);
    const end = Math.min(lines.end(Math.min(lines.starts.length - 1, line + 20)), m.index + 4000);
    const key = eventKeys[firstIndexAtOrAfter(eventKeys, start)];
    if (key === undefined || key >= end) continue;
    const window = input.slice(start, end);
    if (!takeCloudTrailEvent(state)) return;
    const s = sightingFromEvent(eventFromFragment(window, m.index - start), m.index, line + 1);
    if (s) {
      s.notes.push("Read from a fragment of a CloudTrail event by pattern.");
      state.sightings.push(s);
      state.warnings.add(
        "cloudtrail-fragment",
        () =>
          `Line ${line + 1} holds part of a CloudTrail event that is not complete JSON; its fields were read by pattern.`,
      );
    }
    state.claimed.add(start, end);
    fragmentUntil = end;
  }
}

/** Where "eventSource" and "eventName" keys are, sorted: read only when a fragment needs them. */
function eventKeyPositions(input: string): number[] {
  const keys: number[] = [];
  for (const key of ['"eventSource"', '"eventName"']) {
    for (let i = input.indexOf(key); i !== -1; i = input.indexOf(key, i + 1)) keys.push(i);
  }
  return keys.sort((x, y) => x - y);
}
