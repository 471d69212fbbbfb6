/**
 * The error-log parser: checks the paste, then reads it in phases (CloudTrail events, decoded
 * authorization messages, IAM access-denied messages, the tails of cut messages, bare error codes),
 * each skipping text an earlier phase claimed, and merges the sightings into distinct denied requests.
 */
import { isRegion } from "./aws-names.js";
import { scanJsonBlocks } from "./cloudtrail.js";
import { MAX_LOG_CHARS, MAX_LOG_EVENTS, thousands } from "./limits.js";
import { scanCloudTrail } from "./scan-cloudtrail.js";
import { scanDecodedMessages } from "./scan-decoded-messages.js";
import { scanDenyClauses } from "./scan-deny-clauses.js";
import { scanErrorCodes } from "./scan-error-codes.js";
import { scanIamMessages } from "./scan-iam-messages.js";
import { overLimit, type ScanState } from "./scan-state.js";
import { finalise, mergeRequests } from "./sighting.js";
import { Lines, Ranges } from "./text-index.js";
import type { LogSource, ParseCounts, ParseHints, ParseLimits, ParseResult } from "./types.js";
import { Warnings } from "./warnings.js";

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
  return { characters, lines, events: 0, sightings: 0, denials: 0, cloudTrailEvents: 0, bySource: {} };
}

/** Warnings about the text and the hints, before reading it. */
function checkInput(input: string, hints: ParseHints | undefined, warnings: Warnings): void {
  if (hints?.accountId !== undefined && !/^\d{12}$/.test(hints.accountId)) {
    warnings.add(
      "hint-account",
      `The accountId hint "${hints.accountId.slice(0, 40)}" is not a 12-digit account id; it was ignored.`,
    );
  }
  if (hints?.region !== undefined && !isRegion(hints.region)) {
    warnings.add(
      "hint-region",
      `The region hint "${hints.region.slice(0, 40)}" is not an AWS region name; it was ignored.`,
    );
  }
  const binary = looksBinary(input);
  if (binary > 0.05) {
    warnings.add(
      "binary",
      `The text looks binary (${Math.round(binary * 100)}% control characters); it may not be a log, and results may be incomplete.`,
    );
  }
  if (/\((?:truncated|trimmed)\.{0,3}\)|\[(?:truncated|trimmed)\]|\.\.\.\s?\(truncated/i.test(input)) {
    warnings.add("truncation", "The text contains a truncation marker; some messages may be incomplete.");
  } else if (/(?:\.\.\.|\u2026)\s*$/.test(input)) {
    warnings.add("truncation", "The text ends with an ellipsis; it may be truncated.");
  }
}

/**
 * Find every distinct denied request in pasted text: IAM access-denied messages in any wrapping
 * (AWS CLI, boto3, SDKs for JavaScript/Java/Go/PHP, Terraform, CloudFormation, XML/JSON error
 * bodies), CloudTrail events and EC2 encoded authorization failure messages. Never throws. A paste
 * over a limit (characters, events) is not reported on: `limitExceeded` says which.
 */
export function parseErrorLog(text: string, hints?: ParseHints, limits: ParseLimits = {}): ParseResult {
  const maxCharacters = limits.maxCharacters ?? MAX_LOG_CHARS;
  const maxEvents = limits.maxEvents ?? MAX_LOG_EVENTS;
  const input = typeof text === "string" ? text : "";
  if (typeof text !== "string") return empty(input, ["The input is not text."]);
  if (input.length > maxCharacters) {
    return {
      ...empty(input, [
        `The text is ${input.length} characters long, over the limit of ${thousands(maxCharacters)}.`,
      ]),
      limitExceeded: { limit: "characters", max: maxCharacters, found: input.length },
    };
  }
  if (input.trim().length === 0) return empty(input, ["The text is empty."]);
  const warnings = new Warnings();
  checkInput(input, hints, warnings);
  const state: ScanState = {
    input,
    lines: new Lines(input),
    claimed: new Ranges(),
    sightings: [],
    warnings,
    cloudTrailEvents: 0,
    events: 0,
    maxEvents,
  };
  scanCloudTrail(state, scanJsonBlocks(input));
  scanDecodedMessages(state);
  scanIamMessages(state);
  scanDenyClauses(state);
  scanErrorCodes(state);
  if (overLimit(state)) {
    return {
      ...empty(input, [
        `The text holds more than ${thousands(maxEvents)} events, over the limit of ${thousands(maxEvents)}.`,
      ]),
      counts: { ...emptyCounts(input.length, state.lines.count), events: state.events },
      limitExceeded: { limit: "events", max: maxEvents, found: state.events },
    };
  }

  const finals = state.sightings.map((s) => finalise(s, hints));
  const denials = mergeRequests(finals);
  const bySource: Partial<Record<LogSource, number>> = {};
  for (const d of finals) bySource[d.source] = (bySource[d.source] ?? 0) + 1;
  if (denials.length === 0) warnings.add("no-denial", "No denied request was found in the text.");
  return {
    denials,
    warnings: warnings.list(),
    counts: {
      characters: input.length,
      lines: state.lines.count,
      events: state.events,
      sightings: finals.length,
      denials: denials.length,
      cloudTrailEvents: state.cloudTrailEvents,
      bySource,
    },
    limitExceeded: null,
  };
}

function empty(input: string, warnings: string[]): ParseResult {
  return {
    denials: [],
    warnings,
    counts: emptyCounts(input.length, input.length === 0 ? 0 : 1),
    limitExceeded: null,
  };
}
