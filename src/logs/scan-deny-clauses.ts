/**
 * Phase 4 of the parser: the tail of an access-denied message with its head cut off by a wrapper or
 * by whoever pasted it ("AccessDeniedException: ... with an explicit deny in a service control
 * policy", "because no identity-based policy allows the iam:PassRole action(Service:Lambda, status
 * code:403)"). The clause still names the policy type and the deny kind, and an implicit one the
 * action. Runs after the IAM-message phase, so only tails no whole message claimed are read.
 */
import { isDenialCode } from "./aws-names.js";
import { normaliseAction, readDenyClause } from "./iam-message.js";
import { MAX_MESSAGE_MATCHES, thousands } from "./limits.js";
import { overLimit, takeEvent, type ScanState } from "./scan-state.js";
import { applyContext, emptySighting } from "./sighting.js";
import { afterEnd, beforeStart, normalise } from "./text-index.js";
import { readContext } from "./wrappers.js";

const CLAUSE_RE = /\bwith an? explicit deny in (?:an?|the) |\bbecause no /gi;
const ACTION_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}:[A-Za-z0-9*][A-Za-z0-9*_-]{0,127}$/;
/** Someone cut the message here: "...", "…", "[...]" just before the clause. */
const ELIDED_BEFORE_RE = /(?:\.{3}|\u2026|\[(?:\.{3}|\u2026)\])[ \t]*$/;
const STATUS_403_RE = /\b(?:status[ _]?code|StatusCode)\W{0,3}403\b|\b403 Forbidden\b/i;

export const TAIL_NOTE =
  "Only the end of the access-denied message is in the log (no principal, action or resource clause); the policy type and deny kind come from it.";

function findClauses(state: ScanState): number[] {
  const found: number[] = [];
  CLAUSE_RE.lastIndex = 0;
  for (let m = CLAUSE_RE.exec(state.input); m !== null; m = CLAUSE_RE.exec(state.input)) {
    if (state.claimed.has(m.index)) continue;
    if (found.length === MAX_MESSAGE_MATCHES) {
      state.warnings.addOnce(
        "clause-cap",
        () =>
          `The text has more than ${thousands(MAX_MESSAGE_MATCHES)} deny clauses outside whole messages; only the first ${thousands(MAX_MESSAGE_MATCHES)} were read.`,
      );
      break;
    }
    found.push(m.index);
  }
  return found;
}

export function scanDenyClauses(state: ScanState): void {
  const { input, lines } = state;
  const clauses = findClauses(state);
  let prevCut = 0;
  for (let c = 0; c < clauses.length && !overLimit(state); c++) {
    const pos = clauses[c] as number;
    const ceiling = clauses[c + 1] ?? input.length;
    const start = beforeStart(lines, pos, Math.max(prevCut, state.claimed.floor(pos)));
    const stop = Math.max(pos, afterEnd(lines, pos, ceiling));
    prevCut = Math.max(prevCut, pos);
    const tail = normalise(input.slice(pos, stop));
    const notes: string[] = [];
    const clause = readDenyClause(tail, 0, notes);
    if (clause.policyType === null) continue; // "because no one …": not a policy clause
    const before = input.slice(start, pos);
    const ctx = readContext(before, input.slice(pos, stop));
    const action =
      clause.namedAction !== null && ACTION_RE.test(clause.namedAction) ? clause.namedAction : null;
    const evidence =
      action !== null ||
      (ctx.errorCode !== null && isDenialCode(ctx.errorCode)) ||
      ctx.statusCode === 403 ||
      STATUS_403_RE.test(tail.slice(0, 600)) ||
      ELIDED_BEFORE_RE.test(before);
    if (!evidence) continue; // prose quoting the clause
    const sighting = emptySighting(pos, lines.index(pos) + 1);
    sighting.policyType = clause.policyType;
    sighting.denyKind = clause.denyKind;
    sighting.policyArn = clause.policyArn;
    sighting.action = action === null ? null : normaliseAction(action);
    sighting.notes.push(TAIL_NOTE, ...notes);
    sighting.rawMessage = tail.slice(0, clause.end);
    applyContext(sighting, ctx);
    if (sighting.sources.length === 0) sighting.sources.push("iam-message");
    if (!takeEvent(state)) return;
    state.sightings.push(sighting);
    state.claimed.add(pos, Math.min(stop, pos + clause.end + 1));
    prevCut = Math.max(prevCut, pos + clause.end);
  }
}
