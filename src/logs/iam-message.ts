import { isPlaceholder, looksLikeArn, readToken, stripTrailingPunctuation } from "./arn.js";
import type { DenyKind, MessagePolicyType } from "./types.js";

/**
 * The "is not authorized to perform" grammar AWS uses in access-denied messages:
 *
 *   User: ARN is not authorized to perform: ACTION [on resource: RESOURCE]
 *     [with an explicit deny [in a TYPE [: POLICY-ARN | , with policy ARN: POLICY-ARN]]
 *      | because no TYPE allows the ACTION action
 *      | because <other reason>]
 *
 * plus "You are not authorized to perform this operation" (EC2) and "Not authorized to perform X".
 */

/** Finds the anchor phrase. Bounded whitespace quantifiers keep it linear. */
export const IAM_ANCHOR_SOURCE = String.raw`(?:\b(?:is|are)[ \t\r\n]{1,40})?\bnot[ \t\r\n]{1,40}authorized[ \t\r\n]{1,40}to[ \t\r\n]{1,40}perform\b`;

export interface IamMessage {
  /** The principal text as written (ARN, name or placeholder), or null ("You are not authorized …"). */
  principal: string | null;
  action: string | null;
  /** The action as written when it differs from the normalised form. */
  actionWritten: string | null;
  resource: string | null;
  policyType: MessagePolicyType | null;
  denyKind: DenyKind | null;
  policyArn: string | null;
  /** "You are not authorized to perform this operation." with nothing else. */
  genericOperation: boolean;
  notes: string[];
  /** Offsets in the parsed string. */
  start: number;
  end: number;
}

interface PhraseRule {
  phrase: string;
  type: MessagePolicyType;
  note?: string;
}

const PHRASES: readonly PhraseRule[] = [
  { phrase: "service control polic", type: "service control policy" },
  { phrase: "resource control polic", type: "resource control policy" },
  { phrase: "identity-based polic", type: "identity-based policy" },
  { phrase: "identity based polic", type: "identity-based policy" },
  { phrase: "permissions boundar", type: "permissions boundary" },
  { phrase: "permission boundar", type: "permissions boundary" },
  { phrase: "sessions polic", type: "session policy" },
  { phrase: "session polic", type: "session policy" },
  { phrase: "vpc endpoint polic", type: "VPC endpoint policy" },
  { phrase: "resource-based polic", type: "resource-based policy" },
  { phrase: "resource based polic", type: "resource-based policy" },
  {
    phrase: "role trust polic",
    type: "resource-based policy",
    note: "The message names the role trust policy, which is the role's resource-based policy.",
  },
  {
    phrase: "trust polic",
    type: "resource-based policy",
    note: "The message names the role trust policy, which is the role's resource-based policy.",
  },
];

function matchPhrase(text: string): { rule: PhraseRule; length: number } | null {
  const lower = text.toLowerCase();
  for (const rule of PHRASES) {
    if (lower.startsWith(rule.phrase)) {
      // Consume the rest of the word ("policy", "policies", "boundary", "boundaries").
      let end = rule.phrase.length;
      while (end < lower.length && end < rule.phrase.length + 6 && /[a-z]/.test(lower.charAt(end))) end++;
      return { rule, length: end };
    }
  }
  return null;
}

/** Normalise an IAM action: lower-case service prefix, keep the action name. */
export function normaliseAction(action: string): string {
  const colon = action.indexOf(":");
  if (colon <= 0) return action;
  return action.slice(0, colon).toLowerCase() + action.slice(colon);
}

const ACTION_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}:[A-Za-z0-9*][A-Za-z0-9*_-]{0,127}$/;

function skipSpaces(s: string, i: number): number {
  let j = i;
  while (j < s.length && (s.charAt(j) === " " || s.charAt(j) === "\t")) j++;
  return j;
}

/** Principal before the anchor: "User: X", "USER X", or the word before "is not authorized". */
function readPrincipal(s: string, anchorStart: number): { principal: string | null; start: number } {
  const lookback = Math.max(0, anchorStart - 600);
  const before = s.slice(lookback, anchorStart);
  const userAt = Math.max(before.lastIndexOf("User:"), before.lastIndexOf("user:"));
  if (userAt !== -1 && before.length - userAt <= 500) {
    const raw = before.slice(userAt + 5).trim();
    if (raw.length > 0 && !/not authorized/i.test(raw)) {
      const token = readToken(raw, 0);
      const principal = token?.value ?? stripTrailingPunctuation(raw);
      return { principal: principal.replace(/^["'\\]+/, ""), start: lookback + userAt };
    }
  }
  // The word just before the anchor.
  let end = before.length;
  while (end > 0 && before.charAt(end - 1) === " ") end--;
  let begin = end;
  while (begin > 0 && begin > end - 2048 && !/\s/.test(before.charAt(begin - 1))) begin--;
  const word = before.slice(begin, end).replace(/^["'\\([]+/, "");
  const cleaned = stripTrailingPunctuation(word);
  if (cleaned === "" || word.endsWith(":")) return { principal: null, start: lookback + end };
  if (/^(?:you|we|i|it|this|request|caller|and|but|error|message)$/i.test(cleaned)) {
    return { principal: null, start: lookback + begin };
  }
  return { principal: cleaned, start: lookback + begin };
}

/**
 * Parse one message. `s` is whitespace-collapsed text; the anchor phrase occupies
 * [anchorStart, anchorEnd) (ending just after "perform").
 */
export function parseIamMessage(s: string, anchorStart: number, anchorEnd: number): IamMessage {
  const notes: string[] = [];
  const { principal, start } = readPrincipal(s, anchorStart);
  let i = anchorEnd;
  let action: string | null = null;
  let actionWritten: string | null = null;
  let genericOperation = false;

  // ACTION
  i = skipSpaces(s, i);
  if (s.charAt(i) === ":") i = skipSpaces(s, i + 1);
  if (s.startsWith("action ", i)) i += 7;
  const actionToken = readToken(s, i);
  if (actionToken && ACTION_RE.test(actionToken.value)) {
    actionWritten = actionToken.value;
    action = normaliseAction(actionToken.value);
    i = actionToken.end;
  } else if (actionToken && /^null$/i.test(actionToken.value)) {
    notes.push('The message names the action as "null"; the service did not report which action was denied.');
    i = actionToken.end;
  } else if (
    /^this operation/i.test(s.slice(i, i + 20)) &&
    /\byou\s+are\s+not\s+authorized\s+to\s+perform$/i.test(s.slice(Math.max(0, anchorStart - 8), anchorEnd))
  ) {
    genericOperation = true;
    i += "this operation".length;
  }

  // RESOURCE
  let resource: string | null = null;
  i = skipSpaces(s, i);
  const rest = s.slice(i, i + 40);
  const onResource = /^on (?:the )?resource\b:?/i.exec(rest);
  const onThis = /^on (?:this|the|your) resource\b\.?/i.exec(rest);
  if (onThis && !/^on (?:the )?resource:/i.test(rest)) {
    i += onThis[0].length;
  } else if (onResource) {
    i = skipSpaces(s, i + onResource[0].length);
    const token = readToken(s, i);
    if (token && !/^(?:with|because)$/i.test(token.value)) {
      i = token.end;
      if (isPlaceholder(token.value)) {
        notes.push(`The resource is a placeholder (${token.value}); it was redacted.`);
      } else {
        resource = token.value;
      }
    }
  } else if (/^on ["'\\a]/.test(rest)) {
    // The S3 guide's shorthand: "… to perform s3:GetObject on "arn:aws:s3:::bucket/key" because …"
    const token = readToken(s, skipSpaces(s, i + 3));
    if (token && (token.quoted || looksLikeArn(token.value))) {
      resource = token.value;
      i = token.end;
    }
  }

  // CLAUSE
  let policyType: MessagePolicyType | null = null;
  let denyKind: DenyKind | null = null;
  let policyArn: string | null = null;
  i = skipSpaces(s, i);
  if (s.charAt(i) === "," || s.charAt(i) === "-") i = skipSpaces(s, i + 1);
  const clause = s.slice(i, i + 400);
  const explicit = /^with an? explicit deny\b/i.exec(clause);
  const implicit = /^because no /i.exec(clause);
  if (explicit) {
    denyKind = "explicit";
    i += explicit[0].length;
    const inMatch = /^ in (?:an?|the) /i.exec(s.slice(i, i + 12));
    if (inMatch) {
      const phraseStart = i + inMatch[0].length;
      const phrase = matchPhrase(s.slice(phraseStart, phraseStart + 60));
      if (phrase) {
        policyType = phrase.rule.type;
        if (phrase.rule.note) notes.push(phrase.rule.note);
        i = phraseStart + phrase.length;
        const transit = /^ transitively through an? (service control|resource control) polic[a-z]{1,3}/i.exec(
          s.slice(i, i + 80),
        );
        if (transit) {
          const via: MessagePolicyType =
            transit[1]?.toLowerCase() === "resource control"
              ? "resource control policy"
              : "service control policy";
          notes.push(
            `The denial came through a ${policyType} transitively through a ${via} (the VPC endpoint owner's organization policy); the ${via} is reported.`,
          );
          policyType = via;
          i += transit[0].length;
        }
        const arnIntro = /^ ?(?::|,? with policy ARN:?) ?/i.exec(s.slice(i, i + 24));
        if (arnIntro) {
          const token = readToken(s, i + arnIntro[0].length);
          if (token && token.value.startsWith("arn:")) {
            policyArn = token.value;
            i = token.end;
            if (/\.\.\.|\u2026|\*{3}/.test(policyArn)) notes.push("The policy ARN is partially redacted.");
          }
        }
      } else {
        const unknown = /^[A-Za-z -]{3,60}?polic(?:y|ies)|^[A-Za-z -]{3,40}?boundar(?:y|ies)/i.exec(
          s.slice(phraseStart, phraseStart + 80),
        );
        const shown = unknown ? unknown[0] : s.slice(phraseStart, phraseStart + 40);
        notes.push(`Unrecognised policy type in the deny clause: "${shown.trim()}".`);
        i = phraseStart + (unknown ? unknown[0].length : 0);
      }
    } else {
      notes.push(
        "The message says the deny is explicit but does not name the policy type (older message format).",
      );
    }
  } else if (implicit) {
    denyKind = "implicit";
    const phraseStart = i + implicit[0].length;
    const phrase = matchPhrase(s.slice(phraseStart, phraseStart + 60));
    if (phrase) {
      policyType = phrase.rule.type;
      if (phrase.rule.note) notes.push(phrase.rule.note);
      i = phraseStart + phrase.length;
      const allows = /^ allows? the ([^\s]{1,200}) action/i.exec(s.slice(i, i + 240));
      if (allows) {
        const named = allows[1] ?? "";
        i += allows[0].length;
        if (action !== null && normaliseAction(named) !== action) {
          notes.push(
            `The deny clause names a different action (${named}); the action from the "perform:" clause (${action}) is reported.`,
          );
        } else if (action === null && ACTION_RE.test(named)) {
          action = normaliseAction(named);
          actionWritten = named;
        }
      }
    } else {
      denyKind = "implicit";
      const shown = s.slice(phraseStart, phraseStart + 60).split(/ allows?\b/)[0] ?? "";
      notes.push(`Unrecognised policy type in the implicit-deny clause: "${shown.trim()}".`);
      i = phraseStart + shown.length;
    }
  } else if (/^because /i.test(clause)) {
    const reason = /^because ([^.]{1,300})/i.exec(clause);
    const text = (reason?.[1] ?? "").trim();
    if (/Block Public Access/i.test(text)) {
      notes.push(`Denied by an S3 Block Public Access setting, not by a policy: ${text}.`);
    } else {
      notes.push(`Denied for a reason other than a policy: ${text}.`);
    }
    i += reason ? reason[0].length : 0;
  }

  if (actionWritten !== null && action !== null && actionWritten !== action) {
    notes.push(`The service prefix was lower-cased (${actionWritten} → ${action}).`);
  }
  return {
    principal,
    action,
    actionWritten,
    resource,
    policyType,
    denyKind,
    policyArn,
    genericOperation,
    notes,
    start: Math.min(start, anchorStart),
    end: Math.max(i, anchorEnd),
  };
}
