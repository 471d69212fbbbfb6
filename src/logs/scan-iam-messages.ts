/**
 * Phase 3 of the parser: IAM access-denied messages ("User: … is not authorized to perform: …") in
 * any wrapping, each read with the record around it for the wrapper's facts.
 */
import { IAM_ANCHOR_SOURCE, parseIamMessage, type IamMessage } from "./iam-message.js";
import { MAX_MESSAGE_MATCHES, thousands } from "./limits.js";
import { overLimit, takeEvent, type ScanState } from "./scan-state.js";
import { applyContext, applyIamMessage, emptySighting, type Sighting } from "./sighting.js";
import { afterEnd, beforeStart, normalise } from "./text-index.js";
import { readContext } from "./wrappers.js";

interface Anchor {
  pos: number;
  end: number;
  floor: number;
}

/** The phrase's matches outside claimed text, at most MAX_MESSAGE_MATCHES (then a warning). */
function findAnchors(state: ScanState): Anchor[] {
  const { input, claimed } = state;
  const anchorRe = new RegExp(IAM_ANCHOR_SOURCE, "gi");
  const anchors: Anchor[] = [];
  for (let m = anchorRe.exec(input); m !== null; m = anchorRe.exec(input)) {
    if (claimed.has(m.index)) continue;
    if (anchors.length === MAX_MESSAGE_MATCHES) {
      const line = state.lines.index(m.index) + 1;
      state.warnings.addOnce(
        "match-cap",
        () =>
          `The text has more than ${thousands(MAX_MESSAGE_MATCHES)} "not authorized to perform" phrases; only the first ${thousands(MAX_MESSAGE_MATCHES)} were read (the rest start at line ${line}).`,
      );
      break;
    }
    anchors.push({ pos: m.index, end: m.index + m[0].length, floor: claimed.floor(m.index) });
  }
  return anchors;
}

export function scanIamMessages(state: ScanState): void {
  const { input, lines } = state;
  const anchors = findAnchors(state);
  // Where the next message's record may start: never before text an earlier match has read, so
  // each character is read a bounded number of times however close the matches are.
  let prevCut = 0;
  let skipped = false;
  for (let a = 0; a < anchors.length && !overLimit(state); a++) {
    const { pos, end, floor } = anchors[a] as Anchor;
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
      !skipped &&
      parsed.genericOperation &&
      next !== undefined &&
      next.pos - end < 2500 &&
      /^[ \t]{0,5}this operation\.?[ \t]{0,5}User:/.test(input.slice(end, next.pos))
    ) {
      // EC2: "You are not authorized to perform this operation. User: … is not authorized to perform: …"
      // The next match reads this one's wrapper too, so never skip twice in a row.
      skipped = true;
      continue;
    }
    skipped = false;
    const before = s.slice(0, parsed.start);
    if (!parsedEvidence(parsed) && !ERRORISH_RE.test(before) && !ERRORISH_RE.test(input.slice(end, stop))) {
      // Prose, and nothing around it a wrapper could turn into evidence: skip reading the wrapper.
      prevCut = Math.max(prevCut, end);
      continue;
    }
    const sighting = emptySighting(pos, lines.index(pos) + 1);
    applyIamMessage(sighting, parsed);
    sighting.rawMessage = s.slice(parsed.start, parsed.end).replace(/^User:\s?/, "User: ");
    const ctx = readContext(before, input.slice(end, stop));
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
    if (!hasEvidence(sighting, parsed)) {
      // Prose such as "if you are not authorized to perform an action, …".
      prevCut = Math.max(prevCut, end);
      continue;
    }
    if (!takeEvent(state)) return;
    state.sightings.push(sighting);
    state.claimed.add(start, stop);
    // The next message may start right after this one ends (same line or the next).
    const consumed = Math.max(0, parsed.end - sBefore.length - sAnchor.length);
    prevCut = Math.max(prevCut, Math.min(end + consumed, ceiling));
  }
}

/**
 * Text without any of these gives readContext nothing that counts as evidence: every error code it
 * reads sits after "error" ("An error occurred (", "api error", "Error Code:") or in "<Code>", or is
 * a denial code itself, and the encoded message follows "Encoded authorization failure message".
 */
const ERRORISH_RE = /error|denied|unauthori|notauthori|forbidden|<code>|encoded|accessdisabled/i;

/** What the message itself says that makes it a denial rather than prose using the phrase. */
function parsedEvidence(parsed: IamMessage): boolean {
  return (
    parsed.action !== null ||
    parsed.genericOperation ||
    parsed.denyKind !== null ||
    parsed.resource !== null ||
    (parsed.principal !== null && parsed.principal.startsWith("arn:"))
  );
}

/** Whether a match is a real denial rather than prose that happens to use the phrase. */
function hasEvidence(sighting: Sighting, parsed: IamMessage): boolean {
  return parsedEvidence(parsed) || sighting.errorCode !== null || sighting.encodedMessage !== null;
}
