/**
 * One CloudTrail record as the request it stands for: who called (the role, user or root ARN that
 * aws:PrincipalArn holds), which IAM action, on which resource, and the condition keys the record
 * itself carries. A key the record does not carry is left out, so the evaluator reads it as unknown:
 * nothing is guessed.
 */
import { actionForOperation, iamPrefixForEventSource } from "../logs/aws-names.js";
import { accountOfArn, ACCOUNT_ID } from "../model/ids.js";

export type ContextRecord = Record<string, string | string[]>;

export interface RecordedRequest {
  /** The calling principal's account: the SCP chain that applies. */
  accountId: string;
  /** aws:PrincipalArn: the role ARN of a session, the user's or root's ARN; absent when not recorded. */
  principalArn?: string;
  /** An AWS service principal (userIdentity.type AWSService): SCPs never restrict it. */
  servicePrincipal?: string;
  action: string;
  resource?: string;
  /** The account that owns the resource (its RCP chain). */
  resourceAccountId?: string;
  region?: string;
  /** Condition keys the record carries, as written by AWS. */
  context: ContextRecord;
}

export interface TimedRequest {
  request: RecordedRequest;
  /** eventTime, ISO 8601. */
  time?: string;
  /** The record's errorCode: the call failed when it was recorded. */
  errorCode?: string;
}

/** Why a record was not replayed; counted per reason, never with the account it named. */
export const SKIP_REASONS = [
  "not_cloudtrail",
  "truncated_json",
  "not_api_call",
  "no_principal",
  "service_principal",
  "unknown_service",
  "outside_scope",
  "over_limit",
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export const SKIP_REASON_TEXT: Record<SkipReason, string> = {
  not_cloudtrail: "not a CloudTrail record (no eventSource and eventName)",
  truncated_json: "truncated or malformed JSON",
  not_api_call:
    "not an API call (console sign-in, AWS service event, Insights event): no organization policy is evaluated for it",
  no_principal:
    "no calling principal or account recorded (anonymous, or a federation call before any session)",
  service_principal:
    "made by an AWS service principal, which SCPs do not restrict (AWS Organizations user guide, SCP effects on permissions)",
  unknown_service: "the eventSource names no IAM service prefix this server knows",
  outside_scope:
    "its account is not within this server's scope: it does not exist in the organization, or it is outside the allowed scope",
  over_limit: "beyond the number of records one call reads",
};

export type RecordResult = { ok: true; value: TimedRequest } | { ok: false; reason: SkipReason };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 && v.length <= 2048 ? v : undefined;
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const IPV6 = /^[0-9a-fA-F:]{2,39}$/;

/** Identity types whose caller is not (yet) an AWS principal policies are evaluated for. */
const NO_PRINCIPAL_TYPES = new Set(["SAMLUser", "WebIdentityUser", "Unknown"]);

/** Whether a value is a CloudTrail record: an object with eventSource and eventName. */
export function isCloudTrailRecord(v: unknown): v is Record<string, unknown> {
  return isObject(v) && str(v["eventSource"]) !== undefined && str(v["eventName"]) !== undefined;
}

interface Principal {
  accountId: string;
  principalArn?: string;
  servicePrincipal?: string;
}

function principalOf(record: Record<string, unknown>): Principal | undefined {
  const identity = isObject(record["userIdentity"]) ? record["userIdentity"] : undefined;
  if (!identity) return undefined;
  const type = str(identity["type"]);
  if (type !== undefined && NO_PRINCIPAL_TYPES.has(type)) return undefined;
  const arn = str(identity["arn"]);
  const session = isObject(identity["sessionContext"]) ? identity["sessionContext"] : {};
  const issuer = isObject(session["sessionIssuer"]) ? session["sessionIssuer"] : {};
  const issuerArn = str(issuer["arn"]);
  if (type === "AWSService") {
    const service = str(identity["invokedBy"]);
    const account = str(record["recipientAccountId"]);
    return service && account && ACCOUNT_ID.test(account)
      ? { accountId: account, servicePrincipal: service }
      : undefined;
  }
  const account = str(identity["accountId"]) ?? accountOfArn(arn);
  if (!account || !ACCOUNT_ID.test(account)) return undefined;
  // A session's aws:PrincipalArn is its role's ARN (with the role's path, which the session ARN lacks).
  if (type === "AssumedRole" && issuerArn?.startsWith("arn:"))
    return { accountId: account, principalArn: issuerArn };
  if (type === "Root") return { accountId: account, principalArn: arn ?? `arn:aws:iam::${account}:root` };
  if (arn?.startsWith("arn:")) return { accountId: account, principalArn: arn };
  // AWSAccount: a principal of another account, named by its account only; aws:PrincipalArn stays unknown.
  return { accountId: account };
}

function addTag(tags: Map<string, string>, key: unknown, value: unknown): void {
  const k = str(key);
  if (k !== undefined && tags.size < 50) tags.set(k, typeof value === "string" ? value : "");
}

function tagList(list: unknown, tags: Map<string, string>): void {
  if (!Array.isArray(list)) return;
  for (const t of list.slice(0, 50)) {
    if (isObject(t)) addTag(tags, t["key"] ?? t["Key"], t["value"] ?? t["Value"]);
  }
}

/** Tags a create or tag request sends (aws:RequestTag/*, aws:TagKeys), in the shapes services log. */
function requestTags(params: unknown): Map<string, string> | undefined {
  if (!isObject(params)) return undefined;
  const tags = new Map<string, string>();
  for (const field of ["tags", "Tags", "tagSet"]) {
    const value = params[field];
    if (Array.isArray(value)) tagList(value, tags);
    else if (isObject(value) && Array.isArray(value["items"])) tagList(value["items"], tags);
    else if (isObject(value)) for (const [k, v] of Object.entries(value).slice(0, 50)) addTag(tags, k, v);
  }
  const specs = params["tagSpecificationSet"];
  if (isObject(specs) && Array.isArray(specs["items"])) {
    for (const spec of specs["items"].slice(0, 20)) if (isObject(spec)) tagList(spec["tags"], tags);
  }
  return tags.size > 0 ? tags : undefined;
}

/** The condition keys the record carries; keys it cannot tell are left out (unknown). */
function contextOf(record: Record<string, unknown>, principal: Principal): ContextRecord {
  const ctx: ContextRecord = {};
  const identity = isObject(record["userIdentity"]) ? record["userIdentity"] : {};
  const source = str(record["sourceIPAddress"]);
  if (source && (IPV4.test(source) || (source.includes(":") && IPV6.test(source))))
    ctx["aws:SourceIp"] = source;
  const invokedBy = str(identity["invokedBy"]);
  if (invokedBy && !principal.servicePrincipal) {
    // A service acting on the principal's behalf (forward access session).
    ctx["aws:ViaAWSService"] = "true";
    ctx["aws:CalledVia"] = [invokedBy];
  }
  if (isObject(record["tlsDetails"])) ctx["aws:SecureTransport"] = "true";
  const vpce = str(record["vpcEndpointId"]);
  if (vpce) ctx["aws:SourceVpce"] = vpce;
  const session = isObject(identity["sessionContext"]) ? identity["sessionContext"] : {};
  const attributes = isObject(session["attributes"]) ? session["attributes"] : {};
  const mfa = attributes["mfaAuthenticated"];
  if (mfa === "true" || mfa === "false") ctx["aws:MultiFactorAuthPresent"] = mfa;
  // aws:userid of a session names the session too: it is left unknown for roles, or every session
  // would be a request of its own; a user's is stable.
  if (str(identity["type"]) === "IAMUser") {
    const principalId = str(identity["principalId"]);
    const userName = str(identity["userName"]);
    if (principalId) ctx["aws:userid"] = principalId;
    if (userName) ctx["aws:username"] = userName;
  }
  const tags = requestTags(record["requestParameters"]);
  if (tags) {
    for (const [k, v] of tags) ctx[`aws:RequestTag/${k}`] = v;
    ctx["aws:TagKeys"] = [...tags.keys()];
  }
  if (principal.servicePrincipal) {
    ctx["aws:PrincipalIsAWSService"] = "true";
    ctx["aws:PrincipalServiceName"] = principal.servicePrincipal;
  }
  return ctx;
}

function resourceOf(record: Record<string, unknown>): { arn?: string; account?: string } {
  const resources = record["resources"];
  if (!Array.isArray(resources)) return {};
  for (const r of resources.slice(0, 20)) {
    if (!isObject(r)) continue;
    const arn = str(r["ARN"]) ?? str(r["arn"]);
    if (!arn) continue;
    const account = str(r["accountId"]) ?? accountOfArn(arn);
    return { arn, ...(account && ACCOUNT_ID.test(account) ? { account } : {}) };
  }
  return {};
}

/** The request a CloudTrail record stands for, or why it cannot be replayed. */
export function requestFromRecord(record: Record<string, unknown>): RecordResult {
  const eventType = str(record["eventType"]);
  if (eventType !== undefined && eventType !== "AwsApiCall") return { ok: false, reason: "not_api_call" };
  const source = str(record["eventSource"]);
  const name = str(record["eventName"]);
  if (!source || !name) return { ok: false, reason: "not_cloudtrail" };
  const prefix = iamPrefixForEventSource(source);
  if (!prefix || !/^[A-Za-z0-9_-]{1,128}$/.test(name)) return { ok: false, reason: "unknown_service" };
  const principal = principalOf(record);
  if (!principal) return { ok: false, reason: "no_principal" };
  const resource = resourceOf(record);
  const region = str(record["awsRegion"]);
  const request: RecordedRequest = {
    accountId: principal.accountId,
    ...(principal.principalArn ? { principalArn: principal.principalArn } : {}),
    ...(principal.servicePrincipal ? { servicePrincipal: principal.servicePrincipal } : {}),
    action: actionForOperation(prefix, name),
    ...(resource.arn ? { resource: resource.arn } : {}),
    ...(resource.account ? { resourceAccountId: resource.account } : {}),
    ...(region ? { region } : {}),
    context: contextOf(record, principal),
  };
  const time = str(record["eventTime"]);
  const errorCode = str(record["errorCode"]);
  return {
    ok: true,
    value: { request, ...(time ? { time } : {}), ...(errorCode ? { errorCode } : {}) },
  };
}

/** How a principal is shown in groups: its ARN, the service, or its account when nothing else is known. */
export function principalLabel(r: RecordedRequest): string {
  if (r.principalArn) return r.principalArn;
  if (r.servicePrincipal) return `service ${r.servicePrincipal}`;
  return `a principal of account ${r.accountId} (no ARN recorded)`;
}
