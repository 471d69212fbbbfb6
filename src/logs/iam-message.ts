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

export const ROLE_TRUST_NOTE =
  "A role trust policy is the role's own resource-based policy (its AssumeRolePolicyDocument): it names who may assume the role, and AWS names it apart from other resource-based policies.";

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
  { phrase: "role trust polic", type: "role trust policy", note: ROLE_TRUST_NOTE },
  { phrase: "trust polic", type: "role trust policy", note: ROLE_TRUST_NOTE },
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

interface ActionPart {
  action: string | null;
  actionWritten: string | null;
  genericOperation: boolean;
  end: number;
}

/** ": ACTION" after "perform" (or "this operation" in EC2's message, or "null"). */
function readAction(s: string, anchorStart: number, anchorEnd: number, notes: string[]): ActionPart {
  let i = skipSpaces(s, anchorEnd);
  if (s.charAt(i) === ":") i = skipSpaces(s, i + 1);
  if (s.startsWith("action ", i)) i += 7;
  const token = readToken(s, i);
  if (token && ACTION_RE.test(token.value)) {
    return {
      action: normaliseAction(token.value),
      actionWritten: token.value,
      genericOperation: false,
      end: token.end,
    };
  }
  if (token && /^null$/i.test(token.value)) {
    notes.push('The message names the action as "null"; the service did not report which action was denied.');
    return { action: null, actionWritten: null, genericOperation: false, end: token.end };
  }
  if (
    /^this operation/i.test(s.slice(i, i + 20)) &&
    /\byou\s+are\s+not\s+authorized\s+to\s+perform$/i.test(s.slice(Math.max(0, anchorStart - 8), anchorEnd))
  ) {
    return { action: null, actionWritten: null, genericOperation: true, end: i + "this operation".length };
  }
  return { action: null, actionWritten: null, genericOperation: false, end: i };
}

/**
 * IAM resources named by kind and name rather than ARN: "role NAME", "user NAME", "group NAME",
 * "policy NAME", "instance profile NAME", "policy path /", "role path /" and the like.
 */
const IAM_NAMED_RESOURCE_RE =
  /^((?:policy|role|user|group|instance profile|server certificate|saml provider|oidc provider|mfa device|virtual mfa device) path|instance profile|server certificate|saml provider|oidc provider|virtual mfa device|mfa device|role|user|group|policy) ([^\s"'`]{1,256})/i;

/** "on resource: RESOURCE", "on this resource", or the S3 guide's `on "arn:…"`. */
function readResource(s: string, from: number, notes: string[]): { resource: string | null; end: number } {
  let i = skipSpaces(s, from);
  const rest = s.slice(i, i + 40);
  const onResource = /^on (?:the )?resource\b:?/i.exec(rest);
  const onThis = /^on (?:this|the|your) resource\b\.?/i.exec(rest);
  if (onThis && !/^on (?:the )?resource:/i.test(rest)) return { resource: null, end: i + onThis[0].length };
  if (onResource) {
    i = skipSpaces(s, i + onResource[0].length);
    const named = IAM_NAMED_RESOURCE_RE.exec(s.slice(i, i + 300));
    if (named?.[2] !== undefined && !/^(?:with|because)$/i.test(named[2])) {
      // IAM names some resources by kind and name: "role NAME", "policy path /", "user NAME".
      const name = stripTrailingPunctuation(named[2]);
      const resource = `${named[1] ?? ""} ${name === "" ? named[2] : name}`;
      notes.push(`IAM names the resource by kind and name (${resource}), not by ARN.`);
      return { resource, end: i + named[0].length };
    }
    const token = readToken(s, i);
    if (!token || /^(?:with|because)$/i.test(token.value)) return { resource: null, end: i };
    if (isPlaceholder(token.value)) {
      notes.push(`The resource is a placeholder (${token.value}); it was redacted.`);
      return { resource: null, end: token.end };
    }
    return { resource: token.value, end: token.end };
  }
  if (/^on ["'\\a]/.test(rest)) {
    // The S3 guide's shorthand: "… to perform s3:GetObject on "arn:aws:s3:::bucket/key" because …"
    const token = readToken(s, skipSpaces(s, i + 3));
    if (token && (token.quoted || looksLikeArn(token.value)))
      return { resource: token.value, end: token.end };
  }
  return { resource: null, end: i };
}

export interface DenyClause {
  policyType: MessagePolicyType | null;
  denyKind: DenyKind | null;
  policyArn: string | null;
  /** The action an implicit-deny clause names ("because no X allows the ACTION action"). */
  namedAction: string | null;
  end: number;
}

/** "with an explicit deny in a TYPE[: ARN]": `i` is just past "with an explicit deny". */
function readExplicitClause(s: string, from: number, notes: string[]): DenyClause {
  let i = from;
  const clause: DenyClause = {
    policyType: null,
    denyKind: "explicit",
    policyArn: null,
    namedAction: null,
    end: i,
  };
  const inMatch = /^ in (?:an?|the) /i.exec(s.slice(i, i + 12));
  if (!inMatch) {
    notes.push(
      "The message says the deny is explicit but does not name the policy type (older message format).",
    );
    return clause;
  }
  const phraseStart = i + inMatch[0].length;
  const phrase = matchPhrase(s.slice(phraseStart, phraseStart + 60));
  if (!phrase) {
    const unknown = /^[A-Za-z -]{3,60}?polic(?:y|ies)|^[A-Za-z -]{3,40}?boundar(?:y|ies)/i.exec(
      s.slice(phraseStart, phraseStart + 80),
    );
    const shown = unknown ? unknown[0] : s.slice(phraseStart, phraseStart + 40);
    notes.push(`Unrecognised policy type in the deny clause: "${shown.trim()}".`);
    clause.end = phraseStart + (unknown ? unknown[0].length : 0);
    return clause;
  }
  clause.policyType = phrase.rule.type;
  if (phrase.rule.note) notes.push(phrase.rule.note);
  i = phraseStart + phrase.length;
  const transit = /^ transitively through an? (service control|resource control) polic[a-z]{1,3}/i.exec(
    s.slice(i, i + 80),
  );
  if (transit) {
    const via: MessagePolicyType =
      transit[1]?.toLowerCase() === "resource control" ? "resource control policy" : "service control policy";
    notes.push(
      `The denial came through a ${clause.policyType} transitively through a ${via} (the VPC endpoint owner's organization policy); the ${via} is reported.`,
    );
    clause.policyType = via;
    i += transit[0].length;
  }
  const arnIntro = /^ ?(?::|,? with policy ARN:?) ?/i.exec(s.slice(i, i + 24));
  if (arnIntro) {
    const token = readToken(s, i + arnIntro[0].length);
    if (token && token.value.startsWith("arn:")) {
      clause.policyArn = token.value;
      i = token.end;
      if (/\.\.\.|\u2026|\*{3}/.test(token.value)) notes.push("The policy ARN is partially redacted.");
    }
  }
  clause.end = i;
  return clause;
}

/** "because no TYPE allows the ACTION action": `from` is just past "because no ". */
function readImplicitClause(s: string, from: number, notes: string[]): DenyClause {
  const clause: DenyClause = {
    policyType: null,
    denyKind: "implicit",
    policyArn: null,
    namedAction: null,
    end: from,
  };
  const phrase = matchPhrase(s.slice(from, from + 60));
  if (!phrase) {
    const shown = s.slice(from, from + 60).split(/ allows?\b/)[0] ?? "";
    notes.push(`Unrecognised policy type in the implicit-deny clause: "${shown.trim()}".`);
    clause.end = from + shown.length;
    return clause;
  }
  clause.policyType = phrase.rule.type;
  if (phrase.rule.note) notes.push(phrase.rule.note);
  clause.end = from + phrase.length;
  const allows = /^ allows? the ([^\s]{1,200}) action/i.exec(s.slice(clause.end, clause.end + 240));
  if (allows) {
    clause.namedAction = allows[1] ?? "";
    clause.end += allows[0].length;
  }
  return clause;
}

/** An ellipsis someone left where they cut a message: "...", "…", "[...]". */
const ELISION_RE = /^(?:\.{3}|\u2026|\[(?:\.{3}|\u2026)\])[ \t]*/;
const CLAUSE_START_RE = /^(?:with an? explicit deny\b|because no )/i;

/** The reason after the resource: an explicit or implicit deny clause, or another "because …". */
export function readDenyClause(s: string, from: number, notes: string[]): DenyClause {
  let i = skipSpaces(s, from);
  if (s.charAt(i) === "," || s.charAt(i) === "-") i = skipSpaces(s, i + 1);
  const elided = ELISION_RE.exec(s.slice(i, i + 8));
  if (elided && CLAUSE_START_RE.test(s.slice(i + elided[0].length, i + elided[0].length + 24))) {
    // "… is not authorized to perform: iam:GetRole ... with an explicit deny in …": a part was cut out.
    notes.push(
      "Part of the message was cut out where it shows an ellipsis; the deny clause after it was read.",
    );
    i += elided[0].length;
  }
  const clause = s.slice(i, i + 400);
  const explicit = /^with an? explicit deny\b/i.exec(clause);
  if (explicit) return readExplicitClause(s, i + explicit[0].length, notes);
  const implicit = /^because no /i.exec(clause);
  if (implicit) return readImplicitClause(s, i + implicit[0].length, notes);
  const none: DenyClause = { policyType: null, denyKind: null, policyArn: null, namedAction: null, end: i };
  if (/^because /i.test(clause)) {
    const reason = /^because ([^.]{1,300})/i.exec(clause);
    const text = (reason?.[1] ?? "").trim();
    if (/Block Public Access/i.test(text)) {
      notes.push(`Denied by an S3 Block Public Access setting, not by a policy: ${text}.`);
    } else {
      notes.push(`Denied for a reason other than a policy: ${text}.`);
    }
    none.end = i + (reason ? reason[0].length : 0);
  }
  return none;
}

/**
 * Parse one message. `s` is whitespace-collapsed text; the anchor phrase occupies
 * [anchorStart, anchorEnd) (ending just after "perform").
 */
export function parseIamMessage(s: string, anchorStart: number, anchorEnd: number): IamMessage {
  const notes: string[] = [];
  const { principal, start } = readPrincipal(s, anchorStart);
  const read = readAction(s, anchorStart, anchorEnd, notes);
  let { action, actionWritten } = read;
  const { resource, end: resourceEnd } = readResource(s, read.end, notes);
  const clause = readDenyClause(s, resourceEnd, notes);
  const named = clause.namedAction;
  if (named !== null) {
    if (action !== null && normaliseAction(named) !== action) {
      notes.push(
        `The deny clause names a different action (${named}); the action from the "perform:" clause (${action}) is reported.`,
      );
    } else if (action === null && ACTION_RE.test(named)) {
      action = normaliseAction(named);
      actionWritten = named;
    }
  }
  if (actionWritten !== null && action !== null && actionWritten !== action) {
    notes.push(`The service prefix was lower-cased (${actionWritten} \u2192 ${action}).`);
  }
  return {
    principal,
    action,
    actionWritten,
    resource,
    policyType: clause.policyType,
    denyKind: clause.denyKind,
    policyArn: clause.policyArn,
    genericOperation: read.genericOperation,
    notes,
    start: Math.min(start, anchorStart),
    end: Math.max(clause.end, anchorEnd),
  };
}
