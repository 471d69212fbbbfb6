import { judgeAccount, looksLikeArn, regionFromArn, splitArn } from "./arn.js";
import { actionForOperation, isRegion, serviceForUniqueOperation } from "./aws-names.js";
import type { IamMessage } from "./iam-message.js";
import type { DeniedRequest, DenialFacts, LogSource, ParseHints } from "./types.js";
import type { WrapperContext } from "./wrappers.js";

export const RAW_MESSAGE_MAX = 1000;

export const INFERRED_ACTION_NOTE =
  "The action was inferred from the SDK operation name; IAM action names can differ.";
const CLOUDTRAIL_ACTION_NOTE =
  "The action was inferred from the CloudTrail eventSource and eventName; IAM action names can differ.";
export const DECODE_NOTE =
  "The encoded authorization failure message holds the full decision (matched statements, context). Decode it with `aws sts decode-authorization-message --encoded-message <msg>` (needs sts:DecodeAuthorizationMessage).";

/** One recognised denial before de-duplication. Internal to the parser. */
export interface Sighting extends DenialFacts {
  /** Principal as written (ARN, name or placeholder). */
  principal: string | null;
  /** Account id supplied by a structured source (CloudTrail); otherwise derived from the principal ARN. */
  accountHint: string | null;
  sources: LogSource[];
  sdkOperation: string | null;
  /** IAM prefix of the service the wrapper names (for inferring the action). */
  servicePrefix: string | null;
  errorCode: string | null;
  requestId: string | null;
  encodedMessage: string | null;
  requestContext: Record<string, string[]> | null;
  rawMessage: string;
  position: number;
  line: number;
  notes: string[];
}

export function emptySighting(position: number, line: number): Sighting {
  return {
    principal: null,
    accountHint: null,
    action: null,
    resource: null,
    policyType: null,
    denyKind: null,
    policyArn: null,
    region: null,
    sources: [],
    sdkOperation: null,
    servicePrefix: null,
    errorCode: null,
    requestId: null,
    encodedMessage: null,
    requestContext: null,
    rawMessage: "",
    position,
    line,
    notes: [],
  };
}

/** What an IAM "is not authorized to perform" message says, copied into a sighting. */
export function applyIamMessage(s: Sighting, parsed: IamMessage): void {
  s.principal = parsed.principal;
  s.action = parsed.action;
  s.resource = parsed.resource;
  s.policyType = parsed.policyType;
  s.denyKind = parsed.denyKind;
  s.policyArn = parsed.policyArn;
  s.notes.push(...parsed.notes);
}

/** What the wrapper around a message says, where the message itself is silent. */
export function applyContext(s: Sighting, ctx: WrapperContext): void {
  s.errorCode ??= ctx.errorCode;
  s.sdkOperation ??= ctx.sdkOperation;
  s.servicePrefix ??= ctx.servicePrefix;
  s.requestId ??= ctx.requestId;
  s.region ??= ctx.region;
  s.encodedMessage ??= ctx.encodedMessage;
  for (const n of ctx.notes) if (!s.notes.includes(n)) s.notes.push(n);
  for (const src of ctx.sources) if (!s.sources.includes(src)) s.sources.push(src);
}

export function collapse(text: string, max = RAW_MESSAGE_MAX): string {
  // Only the head is kept, so never collapse more than a bounded prefix.
  const flat = text
    .slice(0, max * 8)
    .replace(/\s+/g, " ")
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function pushNote(notes: string[], note: string): void {
  if (!notes.includes(note)) notes.push(note);
}

/** Turn a sighting into a reported request (before merging). */
export function finalise(s: Sighting, hints: ParseHints | undefined): DeniedRequest {
  const notes = [...s.notes];
  let principalArn: string | null = null;
  if (s.principal !== null) {
    if (looksLikeArn(s.principal)) {
      principalArn = s.principal;
      if (s.principal.startsWith("aws:iam::")) {
        pushNote(notes, `The principal ARN is missing its "arn:" prefix as printed (${s.principal}).`);
      }
    } else if (/^(?:<[^>]*>|\{[^}]*\}|\[[^\]]*\]|\*+|x+|X+)$/.test(s.principal)) {
      pushNote(notes, `The principal is a placeholder (${s.principal}); it was redacted.`);
    } else {
      pushNote(notes, `The principal is named "${s.principal}" rather than by ARN.`);
    }
  }

  // Account id: CloudTrail's userIdentity.accountId, else the principal ARN's account field.
  let accountId: string | null = null;
  const accountField = s.accountHint ?? (principalArn ? (splitArn(principalArn)?.account ?? "") : "");
  const verdict = judgeAccount(accountField);
  if (verdict.kind === "valid") {
    accountId = verdict.accountId;
    if (verdict.documentation) {
      pushNote(notes, `${verdict.accountId} is an account id the AWS documentation uses as an example.`);
    }
  } else if (verdict.kind === "redacted") {
    pushNote(notes, `The account id is redacted or malformed ("${verdict.shown}"); accountId is null.`);
  }
  if (accountId === null && hints?.accountId !== undefined && /^\d{12}$/.test(hints.accountId)) {
    accountId = hints.accountId;
    pushNote(notes, "The account id was taken from the hints, not from the log.");
  }

  // Action: from the message, else from the SDK operation.
  let action = s.action;
  if (action === null && s.sdkOperation !== null) {
    const prefix = s.servicePrefix ?? serviceForUniqueOperation(s.sdkOperation);
    if (prefix !== null) {
      action = actionForOperation(prefix, s.sdkOperation);
      pushNote(notes, s.sources.includes("cloudtrail") ? CLOUDTRAIL_ACTION_NOTE : INFERRED_ACTION_NOTE);
      if (s.servicePrefix === null) {
        pushNote(notes, `The service was guessed from the operation name ${s.sdkOperation}.`);
      }
    }
  }

  let region = s.region !== null && isRegion(s.region) ? s.region : null;
  region ??= regionFromArn(s.resource);
  if (region === null && hints?.region !== undefined && isRegion(hints.region)) {
    region = hints.region;
    pushNote(notes, "The region was taken from the hints, not from the log.");
  }

  if (s.encodedMessage !== null) pushNote(notes, DECODE_NOTE);

  const sources = s.sources.length > 0 ? [...s.sources] : (["iam-message"] as LogSource[]);
  return {
    principalArn,
    accountId,
    action,
    resource: s.resource,
    policyType: s.policyType,
    denyKind: s.denyKind,
    policyArn: s.policyArn,
    region,
    occurrences: 1,
    source: sources[0] ?? "iam-message",
    sources,
    sdkOperation: s.sdkOperation,
    errorCode: s.errorCode,
    requestId: s.requestId,
    encodedMessage: s.encodedMessage,
    requestContext: s.requestContext,
    rawMessage: collapse(s.rawMessage),
    line: s.line,
    notes,
  };
}

const FACT_FIELDS = [
  "principalArn",
  "accountId",
  "action",
  "resource",
  "policyType",
  "denyKind",
  "policyArn",
  "region",
  "sdkOperation",
  "errorCode",
  "requestId",
  "encodedMessage",
] as const;

type FactField = (typeof FACT_FIELDS)[number];

function richness(d: DeniedRequest): number {
  let n = 0;
  for (const f of FACT_FIELDS) if (d[f] !== null) n++;
  // A message that names the policy type is worth more than the wrapper facts.
  if (d.policyType !== null) n += 2;
  if (d.principalArn !== null) n += 1;
  return n;
}

function keyOf(d: DeniedRequest): string {
  const key = [d.principalArn, d.action, d.resource, d.policyType, d.denyKind];
  // With no principal, action or resource, two sightings share nothing but emptiness: keep
  // requests with different ids (or codes, or operations) apart.
  if (d.principalArn === null && d.action === null && d.resource === null) {
    key.push(isUsableRequestId(d.requestId) ? d.requestId : null, d.errorCode, d.sdkOperation);
  }
  return key.map((v) => v ?? "").join("\u0001");
}

/** Merge `b` into `a`, keeping the richest facts. */
function mergeInto(a: DeniedRequest, b: DeniedRequest): DeniedRequest {
  const [rich, poor] = richness(b) > richness(a) ? [b, a] : [a, b];
  const merged: DeniedRequest = { ...rich };
  const out = merged as unknown as Record<FactField, string | null>;
  const poorFacts = poor as unknown as Record<FactField, string | null>;
  for (const f of FACT_FIELDS) {
    if (out[f] === null && poorFacts[f] !== null) out[f] = poorFacts[f];
  }
  merged.requestContext = rich.requestContext ?? poor.requestContext;
  merged.occurrences = a.occurrences + b.occurrences;
  merged.line = Math.min(a.line, b.line);
  const sources: LogSource[] = [];
  for (const s of [...rich.sources, ...poor.sources]) if (!sources.includes(s)) sources.push(s);
  merged.sources = sources;
  merged.source = rich.source;
  const notes = new Set(rich.notes);
  for (const n of poor.notes) if (notes.size < MAX_NOTES) notes.add(n);
  if (notes.size >= MAX_NOTES) {
    // Sightings merged into one request can each bring a note of their own: keep the list bounded.
    notes.delete(MORE_NOTES);
    merged.notes = [...notes].slice(0, MAX_NOTES - 1);
    merged.notes.push(MORE_NOTES);
  } else {
    merged.notes = [...notes];
  }
  // Notes about redaction no longer apply when a merged sighting supplied the fact.
  merged.notes = merged.notes.filter(
    (n) =>
      !(merged.accountId !== null && n.startsWith("The account id is redacted")) &&
      !(merged.principalArn !== null && n.startsWith("The principal is a placeholder")),
  );
  if (merged.rawMessage.length === 0) merged.rawMessage = poor.rawMessage;
  return merged;
}

function compatible(a: string | null, b: string | null): boolean {
  return a === null || b === null || a === b;
}

/** Notes one request keeps, the last of them saying that more were left out. */
const MAX_NOTES = 16;
const MORE_NOTES = "Further notes from merged sightings were left out.";

const KEY_FIELDS = ["principalArn", "action", "resource", "policyType", "denyKind"] as const;
const MAX_FOLD_GROUP = 400;

function isUsableRequestId(id: string | null): id is string {
  return (
    id !== null && id.length >= 8 && !/^(?:null|none|undefined|-+|x+|\*+)$/i.test(id) && !/[<>{}*]/.test(id)
  );
}

/**
 * De-duplicate: the same (principal, action, resource, policyType, denyKind) is one request; so is one
 * request id; and a sighting with fewer facts folds into the single richer sighting that agrees with it.
 */
export function mergeRequests(items: DeniedRequest[]): DeniedRequest[] {
  // 1. Same request id.
  const byRequestId = new Map<string, number>();
  let list: DeniedRequest[] = [];
  for (const item of items) {
    if (isUsableRequestId(item.requestId)) {
      const at = byRequestId.get(item.requestId);
      const existing = at === undefined ? undefined : list[at];
      if (
        at !== undefined &&
        existing !== undefined &&
        KEY_FIELDS.every((f) => compatible(existing[f], item[f]))
      ) {
        list[at] = mergeInto(existing, item);
        continue;
      }
      byRequestId.set(item.requestId, list.length);
    }
    list.push(item);
  }

  // 2. Same key.
  const byKey = new Map<string, number>();
  const keyed: DeniedRequest[] = [];
  for (const item of list) {
    const k = keyOf(item);
    const at = byKey.get(k);
    const existing = at === undefined ? undefined : keyed[at];
    if (at !== undefined && existing !== undefined) {
      keyed[at] = mergeInto(existing, item);
    } else {
      byKey.set(k, keyed.length);
      keyed.push(item);
    }
  }
  list = keyed;

  // 3. Fold a poorer sighting into the one richer entry it agrees with (needs an action to be safe).
  const known = (d: DeniedRequest): number => KEY_FIELDS.filter((f) => d[f] !== null).length;
  const byAction = new Map<string, number[]>();
  list.forEach((d, i) => {
    if (d.action === null) return;
    const group = byAction.get(d.action);
    if (group) group.push(i);
    else byAction.set(d.action, [i]);
  });
  const removed = new Set<number>();
  for (const group of byAction.values()) {
    if (group.length < 2 || group.length > MAX_FOLD_GROUP) continue;
    const ordered = [...group].sort(
      (x, y) => known(list[x] as DeniedRequest) - known(list[y] as DeniedRequest),
    );
    for (const i of ordered) {
      const poor = list[i];
      if (poor === undefined) continue;
      const candidates: number[] = [];
      for (const j of group) {
        const rich = list[j];
        if (j === i || removed.has(j) || rich === undefined || known(rich) <= known(poor)) continue;
        if (KEY_FIELDS.every((f) => poor[f] === null || poor[f] === rich[f])) candidates.push(j);
        if (candidates.length > 1) break;
      }
      const target = candidates.length === 1 ? candidates[0] : undefined;
      const rich = target === undefined ? undefined : list[target];
      if (target !== undefined && rich !== undefined) {
        list[target] = mergeInto(rich, poor);
        removed.add(i);
      }
    }
  }
  return list.filter((_, i) => !removed.has(i)).sort((a, b) => a.line - b.line);
}
