/**
 * The error-log parser: checks the paste, then reads it in phases (CloudTrail events, IAM
 * access-denied messages, bare error codes), each skipping text an earlier phase claimed, and
 * merges the sightings into distinct denied requests.
 */
import { isRegion } from "./aws-names.js";
import { scanCloudTrail } from "./scan-cloudtrail.js";
import { scanErrorCodes } from "./scan-error-codes.js";
import { scanIamMessages } from "./scan-iam-messages.js";
import type { ScanState } from "./scan-state.js";
import { finalise, mergeRequests } from "./sighting.js";
import { Lines, Ranges } from "./text-index.js";
import type { LogSource, ParseCounts, ParseHints, ParseResult } from "./types.js";

/** Larger pastes are cut here (characters). */
export const MAX_INPUT_CHARS = 64 * 1024 * 1024;

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

/** The text to read (cut to the limit), with warnings about the input and the hints. */
function checkInput(text: string, hints: ParseHints | undefined, warnings: string[]): string {
  let input = typeof text === "string" ? text : "";
  if (typeof text !== "string") warnings.push("The input is not text.");
  if (input.length > MAX_INPUT_CHARS) {
    warnings.push(
      `The text is ${input.length} characters long; only the first ${MAX_INPUT_CHARS} were examined (input truncated).`,
    );
    input = input.slice(0, MAX_INPUT_CHARS);
  }
  if (input.trim().length === 0) return input;
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
  return input;
}

/**
 * Find every distinct denied request in pasted text: IAM access-denied messages in any wrapping
 * (AWS CLI, boto3, SDKs for JavaScript/Java/Go/PHP, Terraform, CloudFormation, XML/JSON error
 * bodies), CloudTrail events and EC2 encoded authorization failure messages. Never throws.
 */
export function parseErrorLog(text: string, hints?: ParseHints): ParseResult {
  const warnings: string[] = [];
  const input = checkInput(text, hints, warnings);
  if (input.trim().length === 0) {
    warnings.push("The text is empty.");
    return { denials: [], warnings, counts: emptyCounts(input.length, input.length === 0 ? 0 : 1) };
  }
  const state: ScanState = {
    input,
    lines: new Lines(input),
    claimed: new Ranges(),
    sightings: [],
    warnings,
    cloudTrailEvents: 0,
  };
  scanCloudTrail(state);
  scanIamMessages(state);
  scanErrorCodes(state);

  const finals = state.sightings.map((s) => finalise(s, hints));
  const denials = mergeRequests(finals);
  const bySource: Partial<Record<LogSource, number>> = {};
  for (const d of finals) bySource[d.source] = (bySource[d.source] ?? 0) + 1;
  if (denials.length === 0) warnings.push("No denied request was found in the text.");
  return {
    denials,
    warnings,
    counts: {
      characters: input.length,
      lines: state.lines.count,
      sightings: finals.length,
      denials: denials.length,
      cloudTrailEvents: state.cloudTrailEvents,
      bySource,
    },
  };
}
