/**
 * The decoded authorization message: the JSON `aws sts decode-authorization-message` prints, as
 * the STS API reference describes it ("whether the request was denied due to an explicit deny or
 * due to the absence of an explicit allow, the principal who made the request, the requested
 * action, the requested resource, the values of condition keys in the context of the user's
 * request"):
 *
 *   {"allowed":false,"explicitDeny":true,"matchedStatements":{"items":[{"statementId":…,
 *    "effect":"DENY","actions":{"items":[{"value":"ec2:RunInstances"}]},…}]},"failures":{"items":[]},
 *    "context":{"principal":{"id":…,"arn":…},"action":"RunInstances","resource":"arn:…",
 *    "conditions":{"items":[{"key":"aws:Region","values":{"items":[{"value":"us-east-1"}]}},…]}}}
 */
import { splitArn } from "./arn.js";
import { actionForOperation, isRegion } from "./aws-names.js";
import { normaliseAction } from "./iam-message.js";
import { emptySighting, type Sighting } from "./sighting.js";

/** Condition keys kept from one message, values per key, characters per value. */
const MAX_CONTEXT_KEYS = 64;
const MAX_VALUES_PER_KEY = 16;
const MAX_VALUE_CHARS = 512;
const MAX_STATEMENTS_SHOWN = 5;
const CONDITION_KEY_RE = /^[A-Za-z0-9][\w:/.@+=,-]{0,127}$/;
const ACTION_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}:[A-Za-z0-9*][A-Za-z0-9*_-]{0,127}$/;
const OPERATION_RE = /^[A-Za-z][A-Za-z0-9]{0,127}$/;
/** Keys naming the request's region, in the order they are trusted. */
const REGION_KEYS = ["aws:RequestedRegion", "aws:Region", "ec2:Region"];

export const DECODED_NOTE =
  "Read from a decoded authorization message (aws sts decode-authorization-message): it names the principal, the action, the resource and the request's condition keys, but not the policies or their type.";

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === "string" && v.length > 0 ? v : null;
}

/** `{"items":[{"value":"x"}, …]}` → ["x", …]; `{"items":[X, …]}` → [X, …]. */
function items(v: unknown): unknown[] {
  return isObject(v) && Array.isArray(v["items"]) ? v["items"] : [];
}

function values(v: unknown): string[] {
  return items(v)
    .map((item) => (isObject(item) ? str(item["value"]) : null))
    .filter((x): x is string => x !== null);
}

/** Whether a parsed JSON value is a decoded authorization message. */
export function isDecodedMessage(v: unknown): v is Json {
  return isObject(v) && typeof v["allowed"] === "boolean" && isObject(v["context"]);
}

/** The request's condition keys, bounded; notes say what was left out. */
function readConditions(context: Json, notes: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let kept = 0;
  let dropped = 0;
  for (const item of items(context["conditions"])) {
    const key = isObject(item) ? str(item["key"]) : null;
    if (key === null || !CONDITION_KEY_RE.test(key) || key === "__proto__") continue;
    if (kept >= MAX_CONTEXT_KEYS) {
      dropped++;
      continue;
    }
    const vals = values(isObject(item) ? item["values"] : undefined);
    if (vals.length > MAX_VALUES_PER_KEY || vals.some((x) => x.length > MAX_VALUE_CHARS)) {
      notes.push(`The condition key ${key} has more or longer values than are kept; it was left out.`);
      continue;
    }
    if (!Object.hasOwn(out, key)) kept++;
    out[key] = vals;
  }
  if (dropped > 0) notes.push(`${dropped} condition keys past the first ${MAX_CONTEXT_KEYS} were left out.`);
  return out;
}

/** "ec2:RunInstances" from "RunInstances" and aws:Service (or the resource ARN's service). */
function readAction(
  written: string | null,
  conditions: Record<string, string[]>,
  resource: string | null,
  notes: string[],
): string | null {
  if (written === null) return null;
  if (ACTION_RE.test(written)) return normaliseAction(written);
  if (!OPERATION_RE.test(written)) return null;
  const service = conditions["aws:Service"]?.[0];
  const fromService = service !== undefined && /^[a-z0-9-]{1,64}$/.test(service) ? service : null;
  const fromArn = resource === null ? null : (splitArn(resource)?.service ?? null);
  const prefix = fromService ?? (fromArn !== null && /^[a-z0-9-]{1,64}$/.test(fromArn) ? fromArn : null);
  if (prefix === null) {
    notes.push(
      `The decoded message names the action without its service (${written}), and nothing says which.`,
    );
    return null;
  }
  notes.push(
    `The decoded message names the action without its service (${written}); the service is ${prefix}, from ${fromService !== null ? "its aws:Service key" : "the resource ARN"}.`,
  );
  return actionForOperation(prefix, written);
}

function describeStatement(item: unknown): string | null {
  if (!isObject(item)) return null;
  const sid = str(item["statementId"]);
  const effect = (str(item["effect"]) ?? "").toLowerCase() === "deny" ? "Deny" : "Allow";
  const actions = values(item["actions"]).slice(0, 4);
  const resources = values(item["resources"]).slice(0, 3);
  const keys = items(item["conditions"])
    .map((c) => (isObject(c) ? str(c["key"]) : null))
    .filter((k): k is string => k !== null)
    .slice(0, 4);
  return (
    `${effect} statement${sid ? ` "${sid.slice(0, 80)}"` : ""}` +
    (actions.length ? ` on ${actions.join(", ")}` : "") +
    (resources.length ? ` for ${resources.join(", ")}` : "") +
    (keys.length ? ` when ${keys.join(", ")} match` : "")
  ).slice(0, 400);
}

/** A sighting from a decoded message; null when the message says the request was allowed. */
export function sightingFromDecoded(message: Json, position: number, line: number): Sighting | null {
  if (message["allowed"] !== false) return null;
  const context = message["context"] as Json;
  const s = emptySighting(position, line);
  s.sources = ["decoded-authorization-message"];
  s.notes.push(DECODED_NOTE);
  const principal = isObject(context["principal"]) ? context["principal"] : {};
  s.principal = str(principal["arn"]);
  s.resource = str(context["resource"]);
  const conditions = readConditions(context, s.notes);
  s.requestContext = conditions;
  s.action = readAction(str(context["action"]), conditions, s.resource, s.notes);
  for (const key of REGION_KEYS) {
    const region = conditions[key]?.[0];
    if (region !== undefined && isRegion(region)) {
      s.region = region;
      if (key !== "aws:RequestedRegion")
        s.notes.push(`The request's region is the decoded message's ${key} (${region}).`);
      break;
    }
  }
  const explicit = message["explicitDeny"] === true;
  s.denyKind = explicit ? "explicit" : "implicit";
  const matched = items(message["matchedStatements"])
    .map(describeStatement)
    .filter((d): d is string => d !== null);
  if (explicit) {
    s.notes.push(
      matched.length
        ? `The decoded message says these statements matched: ${matched.slice(0, MAX_STATEMENTS_SHOWN).join("; ")}${matched.length > MAX_STATEMENTS_SHOWN ? `; and ${matched.length - MAX_STATEMENTS_SHOWN} more` : ""}.`
        : "The decoded message says an explicit Deny matched but lists no statement.",
    );
  } else {
    s.notes.push(
      "The decoded message shows no Allow for the request (an implicit deny); it does not say which kind of policy lacked it.",
    );
  }
  const failures = items(message["failures"]).length;
  if (failures > 0) s.notes.push(`The decoded message lists ${failures} evaluation failures.`);
  s.rawMessage =
    `Decoded authorization message: allowed false, explicitDeny ${String(explicit)}, ` +
    `action ${str(context["action"]) ?? "?"}, resource ${s.resource ?? "?"}, principal ${s.principal ?? "?"}, ` +
    `${Object.keys(conditions).length} condition keys`;
  return s;
}
