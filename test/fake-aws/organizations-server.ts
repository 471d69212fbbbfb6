/**
 * A local fake of the AWS Organizations read API, CloudTrail LookupEvents and Secrets Manager
 * GetSecretValue, on 127.0.0.1,
 * speaking the AWS JSON 1.1 protocol the real SDK sends (POST /, X-Amz-Target, SigV4-signed), so
 * the server's real code (SDK paging, retries, error mapping) can run against a synthetic
 * organization of any size. Point the SDK at it with AWS_ENDPOINT_URL_ORGANIZATIONS and
 * AWS_ENDPOINT_URL_SECRETS_MANAGER (or a client `endpoint`).
 *
 * It serves pages of at most 20 (MaxResults 1..20, opaque NextToken), AWS's error shapes
 * (`__type` + Message, x-amzn-ErrorType), and can inject latency, a token-bucket throttle
 * (TooManyRequestsException), 5xx answers and dropped connections. Every request is counted per
 * operation. GET /__fake/stats, POST /__fake/reset and POST /__fake/configure control it from
 * another process (test/fake-aws/cli.ts).
 *
 * The organization can change while it runs (`change()`: policies created, updated, deleted,
 * attached, detached; OUs created, renamed, deleted; accounts created, moved, removed), and every
 * call and change is recorded as a CloudTrail event of organizations.amazonaws.com, as the
 * management account's event history records them: LookupEvents lists them newest first, 50 a
 * page, with its own throttle (2 requests/s, ThrottlingException), its time window and the 90 days
 * the history keeps. Events can be delivered late (`eventDelaySeconds`), as CloudTrail's are. The
 * clock (`now`) is injectable, so a benchmark can simulate an hour.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Snapshot } from "../../src/org/snapshot-schema.js";
import { createRandom } from "./generate-org.js";
import { AWS_PAGE_SIZE, OrgIndex, type SnapshotAccount, type SnapshotPolicy } from "./org-index.js";

const ORGANIZATIONS_PREFIX = "AWSOrganizationsV20161128.";
const SECRETS_PREFIX = "secretsmanager.";
const CLOUDTRAIL_TARGET = /(^|\.)CloudTrail_20131101\.(\w+)$/;
/** CloudTrail LookupEvents: at most 50 events a page; 2 requests per second per account and region. */
export const LOOKUP_PAGE_SIZE = 50;
export const LOOKUP_THROTTLE: ThrottleOptions = { ratePerSecond: 2, burst: 2 };
const EVENT_HISTORY_MS = 90 * 86_400_000;

export const ORGANIZATIONS_OPERATIONS = [
  "DescribeOrganization",
  "ListRoots",
  "ListOrganizationalUnitsForParent",
  "ListAccountsForParent",
  "ListAccounts",
  "ListParents",
  "ListChildren",
  "ListPolicies",
  "DescribePolicy",
  "ListTargetsForPolicy",
  "ListPoliciesForTarget",
  "DescribeAccount",
  "DescribeOrganizationalUnit",
] as const;

export interface ThrottleOptions {
  /** Requests per second the bucket refills. */
  ratePerSecond: number;
  /** Bucket capacity. */
  burst: number;
}

export interface FaultOptions {
  /** Share of Organizations requests answered 500 ServiceException (0..1). */
  serverErrorRate?: number;
  /** Share of Organizations requests whose connection is dropped without an answer (0..1). */
  dropRate?: number;
  /** Share of Organizations requests answered TooManyRequestsException at random, besides the bucket (0..1). */
  throttleRate?: number;
  /** Share of Organizations requests delayed by `spikeMs` more (latency spikes, 0..1). */
  spikeRate?: number;
  spikeMs?: number;
  /** Seed for which requests fail, so a run is repeatable. */
  seed?: number;
}

export interface FakeAwsConfig {
  /** Added before every answer, in milliseconds. */
  latencyMs: number;
  /** Uniform extra latency 0..jitterMs. */
  jitterMs: number;
  /** Organizations requests beyond the bucket get TooManyRequestsException; null: no throttle. */
  throttle: ThrottleOptions | null;
  faults: FaultOptions;
  /** Page size when a request has no MaxResults. */
  defaultPageSize: number;
  /** Answer a list whose last page is full with a NextToken to one more, empty page (AWS may). */
  trailingEmptyPages: boolean;
  /** LookupEvents beyond this bucket get ThrottlingException; null: no throttle. */
  lookupThrottle: ThrottleOptions | null;
  /** Operations answered AccessDeniedException (an IAM policy without them). */
  deny: string[];
  /** Events are listed this long after they happen (CloudTrail delivers them late). */
  eventDelaySeconds: number;
}

export interface FakeAwsOptions extends Partial<FakeAwsConfig> {
  snapshot: Snapshot;
  /** Secret id (name or ARN) → SecretString. */
  secrets?: Record<string, string>;
  port?: number;
  /** The clock events are recorded and looked up by, in ms since the epoch. */
  now?: () => number;
}

/** A change to the organization, recorded as the CloudTrail event the real call would make. */
export type FakeChange =
  | { kind: "createPolicy"; type: SnapshotPolicy["type"]; name: string; content: string }
  | { kind: "updatePolicy"; policyId: string; content?: string; name?: string; description?: string }
  | { kind: "deletePolicy"; policyId: string }
  | { kind: "attachPolicy"; policyId: string; targetId: string }
  | { kind: "detachPolicy"; policyId: string; targetId: string }
  | { kind: "createOu"; parentId: string; name: string }
  | { kind: "renameOu"; ouId: string; name: string }
  | { kind: "deleteOu"; ouId: string }
  | { kind: "createAccount"; name: string }
  | { kind: "moveAccount"; accountId: string; destinationParentId: string }
  | { kind: "removeAccount"; accountId: string }
  /** An event only (a call this fake does not model, or an unusual record). */
  | { kind: "event"; name: string; request?: Record<string, unknown>; response?: Record<string, unknown> };

/** One recorded CloudTrail event. */
export interface FakeEvent {
  id: string;
  name: string;
  time: number;
  readOnly: boolean;
  request: Record<string, unknown> | null;
  response: Record<string, unknown> | null;
  errorCode?: string;
  /** When LookupEvents starts listing it. */
  visibleAt: number;
}

export type InjectedFault = "throttle" | "server-error" | "drop";

export interface FakeAwsStats {
  /** Requests received per operation, every attempt included (Organizations and Secrets Manager). */
  calls: Record<string, number>;
  totalCalls: number;
  /** Organizations requests only. */
  organizationsCalls: number;
  throttled: number;
  serverErrors: number;
  dropped: number;
  /** Requests answered with any other error (not found, invalid input). */
  clientErrors: number;
  /** Most Organizations requests being served at once. */
  maxInFlight: number;
  /** LookupEvents pages answered (throttled attempts not included). */
  lookupPages: number;
}

export interface FakeAws {
  endpoint: string;
  port: number;
  /** The organization as it is now (rebuilt by every change). */
  readonly index: OrgIndex;
  /** Changes the organization and records the event; returns the new id for a create. */
  change(change: FakeChange): string | undefined;
  /** Every recorded event, oldest first. */
  events(): readonly FakeEvent[];
  stats(): FakeAwsStats;
  /** Zeroes the counters (and refills the throttle bucket). */
  reset(): void;
  configure(change: Partial<FakeAwsConfig>): void;
  config(): FakeAwsConfig;
  /** The next `times` requests for `operation` ("*": any Organizations operation) fail this way. */
  failNext(operation: string, fault: InjectedFault, times?: number): void;
  close(): Promise<void>;
}

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const epochSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

function pageToken(operation: string, key: string, offset: number): string {
  return Buffer.from(JSON.stringify({ o: operation, k: key, i: offset })).toString("base64url");
}

function readToken(token: unknown, operation: string, key: string): number {
  if (token === undefined || token === null) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(String(token), "base64url").toString("utf8")) as {
      o?: unknown;
      k?: unknown;
      i?: unknown;
    };
    if (parsed.o === operation && parsed.k === key && typeof parsed.i === "number") return parsed.i;
  } catch {
    // fall through
  }
  throw new AwsError("InvalidInputException", "The NextToken value is not valid for this request.");
}

export async function startFakeAws(options: FakeAwsOptions): Promise<FakeAws> {
  // A copy: changes must not reach the caller's document.
  const snapshot: Snapshot = structuredClone(options.snapshot);
  let index = new OrgIndex(snapshot);
  const clock = options.now ?? Date.now;
  const secrets = options.secrets ?? {};
  let config: FakeAwsConfig = {
    latencyMs: options.latencyMs ?? 0,
    jitterMs: options.jitterMs ?? 0,
    throttle: options.throttle ?? null,
    faults: options.faults ?? {},
    defaultPageSize: options.defaultPageSize ?? AWS_PAGE_SIZE,
    trailingEmptyPages: options.trailingEmptyPages ?? false,
    lookupThrottle: options.lookupThrottle === undefined ? LOOKUP_THROTTLE : options.lookupThrottle,
    deny: options.deny ?? [],
    eventDelaySeconds: options.eventDelaySeconds ?? 0,
  };
  let random = createRandom(config.faults.seed ?? 7);
  const blank = (): FakeAwsStats => ({
    calls: {},
    totalCalls: 0,
    organizationsCalls: 0,
    throttled: 0,
    serverErrors: 0,
    dropped: 0,
    clientErrors: 0,
    maxInFlight: 0,
    lookupPages: 0,
  });
  let stats = blank();
  let inFlight = 0;
  let bucket = { tokens: config.throttle?.burst ?? 0, at: performance.now() };
  let lookupBucket = { tokens: config.lookupThrottle?.burst ?? 0, at: performance.now() };
  const events: FakeEvent[] = [];
  let eventSeq = 0;
  const injected: { operation: string; fault: InjectedFault; times: number }[] = [];

  const org = snapshot.organization; // the organization itself never changes
  const arnBase = `arn:aws:organizations::${org.managementAccountId}`;
  const accountOut = (a: SnapshotAccount): Record<string, unknown> => ({
    Id: a.id,
    Arn: a.arn ?? `${arnBase}:account/${org.id}/${a.id}`,
    Email: a.email ?? `${a.id}@example.com`,
    Name: a.name,
    Status: a.status,
    State: a.status,
    JoinedMethod: "CREATED",
    JoinedTimestamp: epochSeconds(snapshot.capturedAt),
  });
  const policySummary = (p: SnapshotPolicy): Record<string, unknown> => ({
    Id: p.id,
    Arn: p.arn ?? `${arnBase}:policy/${org.id}/${p.type.toLowerCase()}/${p.id}`,
    Name: p.name,
    Description: p.description,
    Type: p.type,
    AwsManaged: p.awsManaged,
  });
  const typeOf = (id: string): string =>
    index.rootIds.has(id) ? "ROOT" : index.ous.has(id) ? "ORGANIZATIONAL_UNIT" : "ACCOUNT";
  const ouOut = (id: string): Record<string, unknown> => {
    const ou = index.ous.get(id);
    return { Id: id, Arn: ou?.arn ?? `${arnBase}:ou/${org.id}/${id}`, Name: ou?.name ?? id };
  };

  const requireString = (body: Record<string, unknown>, field: string, pattern?: RegExp): string => {
    const value = body[field];
    if (typeof value !== "string" || value === "")
      throw new AwsError(
        "InvalidInputException",
        `You provided a value that does not match the required pattern: ${field} is required.`,
      );
    if (pattern && !pattern.test(value))
      throw new AwsError(
        "InvalidInputException",
        `You provided a value that does not match the required pattern for ${field}.`,
      );
    return value;
  };
  const policyFilter = (body: Record<string, unknown>): string => {
    const filter = requireString(body, "Filter");
    if (!/^[A-Z_]+_POLICY$/.test(filter))
      throw new AwsError("InvalidInputException", `You specified an invalid value for Filter: ${filter}.`);
    return filter;
  };
  const requireContainer = (id: string): void => {
    if (!index.rootIds.has(id) && !index.ous.has(id))
      throw new AwsError(
        "ParentNotFoundException",
        "We can't find a root or OU with the ParentId that you specified.",
      );
  };

  /** One page of `items` for this request, with AWS's MaxResults rules and an opaque NextToken. */
  function page<T>(
    operation: string,
    body: Record<string, unknown>,
    key: string,
    items: readonly T[],
    field: string,
  ): Record<string, unknown> {
    const max = body["MaxResults"];
    if (
      max !== undefined &&
      (typeof max !== "number" || !Number.isInteger(max) || max < 1 || max > AWS_PAGE_SIZE)
    ) {
      throw new AwsError(
        "InvalidInputException",
        `You specified an invalid value for MaxResults: must be 1 to ${AWS_PAGE_SIZE}.`,
      );
    }
    const size = typeof max === "number" ? max : config.defaultPageSize;
    const offset = readToken(body["NextToken"], operation, key);
    const slice = items.slice(offset, offset + size);
    const end = offset + slice.length;
    const more =
      end < items.length || (config.trailingEmptyPages && slice.length === size && slice.length > 0);
    return { [field]: slice, ...(more ? { NextToken: pageToken(operation, key, end) } : {}) };
  }

  const operations: Record<string, (body: Record<string, unknown>, op: string) => Record<string, unknown>> = {
    DescribeOrganization: () => ({
      Organization: {
        Id: org.id,
        Arn: org.arn ?? `${arnBase}:organization/${org.id}`,
        FeatureSet: org.featureSet ?? "ALL",
        MasterAccountArn: `${arnBase}:account/${org.id}/${org.managementAccountId}`,
        MasterAccountId: org.managementAccountId,
        MasterAccountEmail: index.accounts.get(org.managementAccountId)?.email ?? "management@example.com",
        AvailablePolicyTypes: [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }],
      },
    }),
    ListRoots: (body, op) =>
      page(
        op,
        body,
        "",
        snapshot.roots.map((r) => ({
          Id: r.id,
          Arn: r.arn ?? `${arnBase}:root/${org.id}/${r.id}`,
          Name: r.name,
          PolicyTypes: r.policyTypes.map((t) => ({ Type: t.type, Status: t.status })),
        })),
        "Roots",
      ),
    ListOrganizationalUnitsForParent: (body, op) => {
      const parentId = requireString(body, "ParentId");
      requireContainer(parentId);
      return page(
        op,
        body,
        parentId,
        (index.childOus.get(parentId) ?? []).map((o) => ouOut(o.id)),
        "OrganizationalUnits",
      );
    },
    ListAccountsForParent: (body, op) => {
      const parentId = requireString(body, "ParentId");
      requireContainer(parentId);
      return page(op, body, parentId, (index.childAccounts.get(parentId) ?? []).map(accountOut), "Accounts");
    },
    ListAccounts: (body, op) => page(op, body, "", snapshot.accounts.map(accountOut), "Accounts"),
    ListParents: (body, op) => {
      const childId = requireString(body, "ChildId", /^(\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/);
      const parent = index.parentOf.get(childId);
      if (!parent)
        throw new AwsError(
          "ChildNotFoundException",
          "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
        );
      return page(op, body, childId, [{ Id: parent, Type: typeOf(parent) }], "Parents");
    },
    ListChildren: (body, op) => {
      const parentId = requireString(body, "ParentId");
      const childType = requireString(body, "ChildType");
      if (childType !== "ACCOUNT" && childType !== "ORGANIZATIONAL_UNIT")
        throw new AwsError(
          "InvalidInputException",
          `You specified an invalid value for ChildType: ${childType}.`,
        );
      requireContainer(parentId);
      const children =
        childType === "ACCOUNT"
          ? (index.childAccounts.get(parentId) ?? []).map((a) => ({ Id: a.id, Type: "ACCOUNT" }))
          : (index.childOus.get(parentId) ?? []).map((o) => ({ Id: o.id, Type: "ORGANIZATIONAL_UNIT" }));
      return page(op, body, `${parentId}/${childType}`, children, "Children");
    },
    ListPolicies: (body, op) => {
      const filter = policyFilter(body);
      const list = snapshot.policies.filter((p) => p.type === filter).map(policySummary);
      return page(op, body, filter, list, "Policies");
    },
    DescribePolicy: (body) => {
      const id = requireString(body, "PolicyId", /^p-[0-9a-zA-Z_]{8,128}$/);
      const p = index.policies.get(id);
      if (!p)
        throw new AwsError(
          "PolicyNotFoundException",
          "We can't find a policy with the PolicyId that you specified.",
        );
      return { Policy: { PolicySummary: policySummary(p), Content: p.content } };
    },
    ListTargetsForPolicy: (body, op) => {
      const id = requireString(body, "PolicyId", /^p-[0-9a-zA-Z_]{8,128}$/);
      const p = index.policies.get(id);
      if (!p)
        throw new AwsError(
          "PolicyNotFoundException",
          "We can't find a policy with the PolicyId that you specified.",
        );
      const targets = p.targetIds.map((t) => ({
        TargetId: t,
        Arn: `${arnBase}:${typeOf(t) === "ROOT" ? "root" : typeOf(t) === "ACCOUNT" ? "account" : "ou"}/${org.id}/${t}`,
        Name: index.nameOf(t),
        Type: typeOf(t),
      }));
      return page(op, body, id, targets, "Targets");
    },
    ListPoliciesForTarget: (body, op) => {
      const targetId = requireString(body, "TargetId");
      const filter = policyFilter(body);
      if (!index.exists(targetId))
        throw new AwsError(
          "TargetNotFoundException",
          "We can't find a root, OU, account, or policy with the TargetId that you specified.",
        );
      const list = (index.policiesOf.get(targetId) ?? []).filter((p) => p.type === filter).map(policySummary);
      return page(op, body, `${targetId}/${filter}`, list, "Policies");
    },
    DescribeAccount: (body) => {
      const id = requireString(body, "AccountId", /^\d{12}$/);
      const a = index.accounts.get(id);
      if (!a)
        throw new AwsError(
          "AccountNotFoundException",
          "We can't find an AWS account with the AccountId that you specified.",
        );
      return { Account: accountOut(a) };
    },
    DescribeOrganizationalUnit: (body) => {
      const id = requireString(body, "OrganizationalUnitId", /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/);
      if (!index.ous.has(id))
        throw new AwsError(
          "OrganizationalUnitNotFoundException",
          "We can't find an OU with the OrganizationalUnitId that you specified.",
        );
      return { OrganizationalUnit: ouOut(id) };
    },
  };

  const secretOperations: Record<string, (body: Record<string, unknown>) => Record<string, unknown>> = {
    GetSecretValue: (body) => {
      const id = requireString(body, "SecretId");
      const value = secrets[id];
      if (value === undefined)
        throw new AwsError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
      return {
        ARN: id.startsWith("arn:")
          ? id
          : `arn:aws:secretsmanager:us-east-1:${org.managementAccountId}:secret:${id}-AbCdEf`,
        Name: id,
        VersionId: "00000000-0000-0000-0000-000000000001",
        SecretString: value,
        VersionStages: ["AWSCURRENT"],
        CreatedDate: epochSeconds(snapshot.capturedAt),
      };
    },
  };

  // --- CloudTrail: the event history of organizations.amazonaws.com ---

  const record = (
    name: string,
    readOnly: boolean,
    request: Record<string, unknown> | null,
    response: Record<string, unknown> | null,
    errorCode?: string,
  ): FakeEvent => {
    const time = clock();
    eventSeq++;
    const event: FakeEvent = {
      id: `00000000-0000-4000-8000-${String(eventSeq).padStart(12, "0")}`,
      name,
      time,
      readOnly,
      request,
      response,
      ...(errorCode ? { errorCode } : {}),
      visibleAt: time + config.eventDelaySeconds * 1000,
    };
    events.push(event);
    return event;
  };

  const cloudTrailRecord = (e: FakeEvent): Record<string, unknown> => ({
    EventId: e.id,
    EventName: e.name,
    ReadOnly: String(e.readOnly),
    AccessKeyId: "ASIAFAKEFAKEFAKEFAKE",
    EventTime: e.time / 1000,
    EventSource: "organizations.amazonaws.com",
    Username: "orgs-mcp-reader",
    Resources: [],
    CloudTrailEvent: JSON.stringify({
      eventVersion: "1.09",
      userIdentity: { type: "AssumedRole", accountId: org.managementAccountId },
      eventTime: new Date(e.time).toISOString().replace(/\.\d{3}Z$/, "Z"),
      eventSource: "organizations.amazonaws.com",
      eventName: e.name,
      awsRegion: "us-east-1",
      sourceIPAddress: "127.0.0.1",
      userAgent: "fake",
      ...(e.errorCode ? { errorCode: e.errorCode, errorMessage: "fake" } : {}),
      requestParameters: e.request,
      responseElements: e.response,
      requestID: e.id,
      eventID: e.id,
      readOnly: e.readOnly,
      eventType: "AwsApiCall",
      managementEvent: true,
      recipientAccountId: org.managementAccountId,
      eventCategory: "Management",
    }),
  });

  const LOOKUP_KEYS = [
    "EventId",
    "EventName",
    "ReadOnly",
    "Username",
    "ResourceType",
    "ResourceName",
    "EventSource",
    "AccessKeyId",
  ];
  const cloudTrailOperations: Record<string, (body: Record<string, unknown>) => Record<string, unknown>> = {
    LookupEvents: (body) => {
      const attributes = (body["LookupAttributes"] ?? []) as {
        AttributeKey?: string;
        AttributeValue?: string;
      }[];
      if (!Array.isArray(attributes) || attributes.length > 1)
        throw new AwsError(
          "InvalidLookupAttributesException",
          "You cannot specify more than one lookup attribute.",
        );
      const attribute = attributes[0];
      if (attribute && (!attribute.AttributeKey || !LOOKUP_KEYS.includes(attribute.AttributeKey)))
        throw new AwsError("InvalidLookupAttributesException", "The lookup attribute key is not valid.");
      const max = body["MaxResults"] ?? LOOKUP_PAGE_SIZE;
      if (typeof max !== "number" || !Number.isInteger(max) || max < 1 || max > LOOKUP_PAGE_SIZE)
        throw new AwsError("InvalidMaxResultsException", "MaxResults must be from 1 to 50.");
      const now = clock();
      const start =
        typeof body["StartTime"] === "number" ? (body["StartTime"] as number) * 1000 : now - EVENT_HISTORY_MS;
      const end = typeof body["EndTime"] === "number" ? (body["EndTime"] as number) * 1000 : now;
      if (start > end)
        throw new AwsError("InvalidTimeRangeException", "The start time is after the end time.");
      const key = JSON.stringify([attribute ?? null, start, end]);
      // The token is a cursor (the last event listed), so events recorded meanwhile do not shift pages.
      let before = Infinity;
      if (body["NextToken"] !== undefined) {
        try {
          const t = JSON.parse(Buffer.from(String(body["NextToken"]), "base64url").toString("utf8")) as {
            k: string;
            s: number;
          };
          if (t.k !== key) throw new Error("other parameters");
          before = t.s;
        } catch {
          throw new AwsError(
            "InvalidNextTokenException",
            "A token that is not valid, or a token that was previously used in a request with different parameters.",
          );
        }
      }
      const matches = (e: FakeEvent, seq: number): boolean => {
        if (seq >= before || e.visibleAt > now || e.time < now - EVENT_HISTORY_MS) return false;
        if (e.time < start || e.time > end) return false;
        if (!attribute) return true;
        switch (attribute.AttributeKey) {
          case "EventSource":
            return attribute.AttributeValue === "organizations.amazonaws.com";
          case "EventName":
            return attribute.AttributeValue === e.name;
          case "ReadOnly":
            return attribute.AttributeValue === String(e.readOnly);
          case "EventId":
            return attribute.AttributeValue === e.id;
          default:
            return false;
        }
      };
      const page: { e: FakeEvent; seq: number }[] = [];
      let more = false;
      for (let seq = events.length - 1; seq >= 0; seq--) {
        const e = events[seq] as FakeEvent;
        if (!matches(e, seq)) continue;
        if (page.length === max) {
          more = true;
          break;
        }
        page.push({ e, seq });
      }
      stats.lookupPages++;
      const last = page.at(-1);
      return {
        Events: page.map(({ e }) => cloudTrailRecord(e)),
        ...(more && last
          ? { NextToken: Buffer.from(JSON.stringify({ k: key, s: last.seq })).toString("base64url") }
          : {}),
      };
    },
  };

  const takeLookupToken = (): boolean => {
    const throttle = config.lookupThrottle;
    if (!throttle) return true;
    const now = performance.now();
    lookupBucket.tokens = Math.min(
      throttle.burst,
      lookupBucket.tokens + ((now - lookupBucket.at) * throttle.ratePerSecond) / 1000,
    );
    lookupBucket.at = now;
    if (lookupBucket.tokens < 1) return false;
    lookupBucket.tokens -= 1;
    return true;
  };

  // --- Changes to the organization ---

  let created = 0;
  const newId = (prefix: string): string => {
    created++;
    return `${prefix}${String(created).padStart(8, "0")}`;
  };
  const rebuild = (): void => {
    index = new OrgIndex(snapshot);
  };
  const policyById = (id: string): SnapshotPolicy => {
    const p = snapshot.policies.find((x) => x.id === id);
    if (!p) throw new Error(`fake change: no policy ${id}`);
    return p;
  };
  const rootId = (): string => (snapshot.roots[0] as { id: string }).id;
  /** AWS attaches the AWS-managed full-access policies to every new OU and account. */
  const attachDefaults = (targetId: string): void => {
    for (const p of snapshot.policies)
      if (p.awsManaged && p.targetIds.includes(rootId())) p.targetIds.push(targetId);
  };
  const apply = (change: FakeChange): string | undefined => {
    switch (change.kind) {
      case "createPolicy": {
        const id = `p-${newId("fk").slice(2).padStart(8, "0")}`;
        const policy: SnapshotPolicy = {
          id,
          name: change.name,
          type: change.type,
          awsManaged: false,
          description: "",
          content: change.content,
          targetIds: [],
        };
        snapshot.policies.push(policy);
        record(
          "CreatePolicy",
          false,
          { name: change.name, type: change.type, content: change.content, description: "" },
          {
            policy: {
              policySummary: { id, name: change.name, type: change.type, awsManaged: false },
              content: change.content,
            },
          },
        );
        return id;
      }
      case "updatePolicy": {
        const p = policyById(change.policyId);
        if (change.content !== undefined) p.content = change.content;
        if (change.name !== undefined) p.name = change.name;
        if (change.description !== undefined) p.description = change.description;
        record(
          "UpdatePolicy",
          false,
          {
            policyId: p.id,
            ...(change.content !== undefined ? { content: change.content } : {}),
            ...(change.name !== undefined ? { name: change.name } : {}),
          },
          null,
        );
        return undefined;
      }
      case "deletePolicy": {
        snapshot.policies = snapshot.policies.filter((p) => p.id !== change.policyId);
        record("DeletePolicy", false, { policyId: change.policyId }, null);
        return undefined;
      }
      case "attachPolicy": {
        const p = policyById(change.policyId);
        if (!p.targetIds.includes(change.targetId)) p.targetIds.push(change.targetId);
        record("AttachPolicy", false, { policyId: change.policyId, targetId: change.targetId }, null);
        return undefined;
      }
      case "detachPolicy": {
        const p = policyById(change.policyId);
        p.targetIds = p.targetIds.filter((t) => t !== change.targetId);
        record("DetachPolicy", false, { policyId: change.policyId, targetId: change.targetId }, null);
        return undefined;
      }
      case "createOu": {
        const suffix = (rootId().slice(2) + "0000").slice(0, 4);
        const id = `ou-${suffix}-${newId("").padStart(8, "0")}`;
        snapshot.organizationalUnits.push({ id, name: change.name, parentId: change.parentId });
        attachDefaults(id);
        record(
          "CreateOrganizationalUnit",
          false,
          { parentId: change.parentId, name: change.name },
          {
            organizationalUnit: {
              id,
              name: change.name,
              arn: `arn:aws:organizations::${org.managementAccountId}:ou/${org.id}/${id}`,
            },
          },
        );
        return id;
      }
      case "renameOu": {
        const ou = snapshot.organizationalUnits.find((o) => o.id === change.ouId);
        if (!ou) throw new Error(`fake change: no OU ${change.ouId}`);
        ou.name = change.name;
        record(
          "UpdateOrganizationalUnit",
          false,
          { organizationalUnitId: change.ouId, name: change.name },
          null,
        );
        return undefined;
      }
      case "deleteOu": {
        snapshot.organizationalUnits = snapshot.organizationalUnits.filter((o) => o.id !== change.ouId);
        for (const p of snapshot.policies) p.targetIds = p.targetIds.filter((t) => t !== change.ouId);
        record("DeleteOrganizationalUnit", false, { organizationalUnitId: change.ouId }, null);
        return undefined;
      }
      case "createAccount": {
        const id = String(900_000_000_000 + created++ + 1);
        snapshot.accounts.push({
          id,
          name: change.name,
          email: `${id}@example.com`,
          status: "ACTIVE",
          parentId: rootId(),
        });
        attachDefaults(id);
        record(
          "CreateAccount",
          false,
          { accountName: change.name, email: `${id}@example.com` },
          {
            createAccountStatus: { id: `car-${id}`, state: "IN_PROGRESS", accountName: change.name },
          },
        );
        return id;
      }
      case "moveAccount": {
        const a = snapshot.accounts.find((x) => x.id === change.accountId);
        if (!a) throw new Error(`fake change: no account ${change.accountId}`);
        const source = a.parentId;
        a.parentId = change.destinationParentId;
        record(
          "MoveAccount",
          false,
          { accountId: a.id, sourceParentId: source, destinationParentId: change.destinationParentId },
          null,
        );
        return undefined;
      }
      case "removeAccount": {
        snapshot.accounts = snapshot.accounts.filter((a) => a.id !== change.accountId);
        for (const p of snapshot.policies) p.targetIds = p.targetIds.filter((t) => t !== change.accountId);
        record("RemoveAccountFromOrganization", false, { accountId: change.accountId }, null);
        return undefined;
      }
      case "event":
        record(change.name, false, change.request ?? null, change.response ?? null);
        return undefined;
    }
  };

  const takeToken = (): boolean => {
    const throttle = config.throttle;
    if (!throttle) return true;
    const now = performance.now();
    bucket.tokens = Math.min(
      throttle.burst,
      bucket.tokens + ((now - bucket.at) * throttle.ratePerSecond) / 1000,
    );
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };

  const takeInjected = (operation: string): InjectedFault | undefined => {
    const i = injected.findIndex((f) => f.operation === operation || f.operation === "*");
    const entry = injected[i];
    if (!entry) return undefined;
    if (--entry.times <= 0) injected.splice(i, 1);
    return entry.fault;
  };

  const delay = (): Promise<void> => {
    const spike =
      (config.faults.spikeRate ?? 0) > 0 && random() < (config.faults.spikeRate ?? 0)
        ? (config.faults.spikeMs ?? 0)
        : 0;
    const ms = config.latencyMs + spike + (config.jitterMs > 0 ? Math.random() * config.jitterMs : 0);
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  };

  const send = (res: ServerResponse, status: number, body: unknown, errorType?: string): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "Content-Type": "application/x-amz-json-1.1",
      "Content-Length": Buffer.byteLength(text),
      "x-amzn-RequestId": `fake-${stats.totalCalls}`,
      ...(errorType ? { "x-amzn-ErrorType": errorType } : {}),
    });
    res.end(text);
  };

  async function handleControl(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const path = req.url ?? "";
    if (req.method === "GET" && path === "/__fake/stats") return send(res, 200, stats);
    if (req.method === "POST" && path === "/__fake/reset") {
      fake.reset();
      return send(res, 200, { ok: true });
    }
    if (req.method === "POST" && path === "/__fake/configure") {
      fake.configure(JSON.parse(raw || "{}") as Partial<FakeAwsConfig>);
      return send(res, 200, config);
    }
    return send(res, 404, { message: `no such control route ${req.method} ${path}` });
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    if (req.url?.startsWith("/__fake/")) return handleControl(req, res, raw);
    const target = String(req.headers["x-amz-target"] ?? "");
    const isOrganizations = target.startsWith(ORGANIZATIONS_PREFIX);
    const cloudTrail = CLOUDTRAIL_TARGET.exec(target);
    const operation = isOrganizations
      ? target.slice(ORGANIZATIONS_PREFIX.length)
      : cloudTrail
        ? (cloudTrail[2] as string)
        : target.startsWith(SECRETS_PREFIX)
          ? target.slice(SECRETS_PREFIX.length)
          : target || "(none)";
    stats.calls[operation] = (stats.calls[operation] ?? 0) + 1;
    stats.totalCalls++;
    if (isOrganizations) stats.organizationsCalls++;

    // The throttle decides on arrival, as a service does; the answer still takes the latency.
    const fault: InjectedFault | undefined = isOrganizations
      ? (takeInjected(operation) ??
        (takeToken() ? undefined : "throttle") ??
        // Drawn only when set, so runs without it keep their sequence.
        ((config.faults.throttleRate ?? 0) > 0 && random() < (config.faults.throttleRate ?? 0)
          ? "throttle"
          : undefined) ??
        (random() < (config.faults.dropRate ?? 0)
          ? "drop"
          : random() < (config.faults.serverErrorRate ?? 0)
            ? "server-error"
            : undefined))
      : undefined;
    if (isOrganizations) {
      inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    }
    try {
      await delay();
      if (fault === "drop") {
        stats.dropped++;
        req.socket.destroy();
        return;
      }
      if (fault === "throttle") {
        stats.throttled++;
        const body = {
          __type: "TooManyRequestsException",
          Type: "",
          Message:
            "You have sent too many requests in too short a period of time. The quota helps protect against denial-of-service attacks. Try again later.",
        };
        return send(res, 400, body, "TooManyRequestsException");
      }
      if (cloudTrail && !takeLookupToken()) {
        stats.throttled++;
        return send(
          res,
          400,
          { __type: "ThrottlingException", Message: "Rate exceeded" },
          "ThrottlingException",
        );
      }
      if (fault === "server-error") {
        stats.serverErrors++;
        return send(
          res,
          500,
          {
            __type: "ServiceException",
            Message:
              "AWS Organizations can't complete your request because of an internal service error. Try again later.",
          },
          "ServiceException",
        );
      }
      if (req.method !== "POST" || req.url !== "/") {
        throw new AwsError("InvalidInputException", `unexpected ${req.method} ${req.url}`);
      }
      const authorization = String(req.headers["authorization"] ?? "");
      if (!authorization.startsWith("AWS4-HMAC-SHA256 Credential=")) {
        throw new AwsError("MissingAuthenticationTokenException", "Request is missing Authentication Token");
      }
      let body: Record<string, unknown>;
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        throw new AwsError("SerializationException", "The request body is not valid JSON.");
      }
      if (config.deny.includes(operation)) {
        throw new AwsError(
          "AccessDeniedException",
          `User: arn:aws:sts::${org.managementAccountId}:assumed-role/fake/session is not authorized to perform: ${cloudTrail ? "cloudtrail" : isOrganizations ? "organizations" : "secretsmanager"}:${operation} because no identity-based policy allows the ${operation} action`,
        );
      }
      const handler = isOrganizations
        ? operations[operation]
        : cloudTrail
          ? cloudTrailOperations[operation]
          : secretOperations[operation];
      if (!handler) throw new AwsError("UnknownOperationException", `Unknown operation ${target}.`);
      const answer = handler(body, operation);
      if (isOrganizations) record(operation, true, body, null);
      send(res, 200, answer);
    } catch (error) {
      if (error instanceof AwsError) {
        if (isOrganizations) record(operation, true, null, null, error.type);
        stats.clientErrors++;
        send(res, error.status, { __type: error.type, Message: error.message }, error.type);
      } else {
        stats.serverErrors++;
        send(res, 500, { __type: "ServiceException", Message: String(error) }, "ServiceException");
      }
    } finally {
      if (isOrganizations) inFlight--;
    }
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void handle(req, res, Buffer.concat(chunks).toString("utf8"));
    });
  });
  // Keep-alive like AWS; many SDK sockets stay open across a benchmark.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  const fake: FakeAws = {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    get index() {
      return index;
    },
    change: (change) => {
      const id = apply(change);
      rebuild();
      return id;
    },
    events: () => events,
    stats: () => structuredClone(stats),
    reset: () => {
      stats = blank();
      injected.length = 0;
      bucket = { tokens: config.throttle?.burst ?? 0, at: performance.now() };
      lookupBucket = { tokens: config.lookupThrottle?.burst ?? 0, at: performance.now() };
      random = createRandom(config.faults.seed ?? 7);
    },
    configure: (change) => {
      config = { ...config, ...change };
      if ("throttle" in change) bucket = { tokens: config.throttle?.burst ?? 0, at: performance.now() };
      if ("lookupThrottle" in change)
        lookupBucket = { tokens: config.lookupThrottle?.burst ?? 0, at: performance.now() };
      if ("faults" in change) random = createRandom(config.faults.seed ?? 7);
    },
    config: () => structuredClone(config),
    failNext: (operation, fault, times = 1) => {
      injected.push({ operation, fault, times });
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
