/**
 * AWS Organizations events from the management account's CloudTrail event history: LookupEvents
 * with the lookup attribute EventSource = organizations.amazonaws.com, in the region Organizations
 * records its events in (us-east-1 for the aws partition), 50 events a page, newest first.
 * LookupEvents allows 2 requests per second per account and region (CloudTrail quotas): pages are
 * paced to that, and the SDK retries a throttled page.
 */
import {
  CloudTrailClient,
  LookupEventsCommand,
  type CloudTrailClientConfig,
  type Event as CloudTrailEvent,
} from "@aws-sdk/client-cloudtrail";
import { awsClientSettings } from "../org/aws-client-settings.js";
import { redactSecrets } from "../org/aws-errors.js";
import { Pacer } from "../org/pacer.js";
import type { OrganizationsEvent } from "../org/store/change-plan.js";
import {
  LookupRefused,
  type EventLookup,
  type EventPage,
  type EventWindow,
} from "../org/store/event-source.js";

export const ORGANIZATIONS_EVENT_SOURCE = "organizations.amazonaws.com";
/** The most LookupEvents returns in one page. */
export const LOOKUP_PAGE_SIZE = 50;
/** LookupEvents: 2 transactions per second per account per region (CloudTrail quotas). */
export const LOOKUP_RATE_PER_SECOND = 2;

/** Organizations records its events in us-east-1 for the aws partition, where its API is served. */
const DEFAULT_REGION = "us-east-1";

export interface CloudTrailLookupOptions {
  /** Where Organizations records its events; default us-east-1. */
  region?: string;
  /** The reader role in the management account, when the organization is read through one. */
  roleArn?: string;
  externalId?: string;
  client?: CloudTrailClient;
  pacer?: Pacer;
}

export function cloudTrailClientConfig(options: CloudTrailLookupOptions = {}): CloudTrailClientConfig {
  return awsClientSettings(options.region ?? DEFAULT_REGION, options);
}

/** Reads one LookupEvents record's CloudTrailEvent document. */
export function toOrganizationsEvent(event: CloudTrailEvent): OrganizationsEvent {
  const base = {
    id: event.EventId ?? "",
    name: event.EventName ?? "",
    time: event.EventTime ?? new Date(0),
    readOnly: event.ReadOnly === "true",
  };
  let doc: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(event.CloudTrailEvent ?? "");
    if (typeof parsed !== "object" || parsed === null) throw new Error("not an object");
    doc = parsed as Record<string, unknown>;
  } catch {
    return { ...base, readable: false };
  }
  const record = (v: unknown): Record<string, unknown> | undefined =>
    typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  const request = record(doc.requestParameters);
  const response = record(doc.responseElements);
  const details = record(doc.serviceEventDetails);
  return {
    ...base,
    readOnly: typeof doc.readOnly === "boolean" ? doc.readOnly : base.readOnly,
    readable: true,
    ...(typeof doc.errorCode === "string" && doc.errorCode ? { errorCode: doc.errorCode } : {}),
    ...(request ? { request } : {}),
    ...(response ? { response } : {}),
    ...(details ? { serviceEventDetails: details } : {}),
  };
}

export function createCloudTrailLookup(options: CloudTrailLookupOptions = {}): EventLookup {
  const client = options.client ?? new CloudTrailClient(cloudTrailClientConfig(options));
  const pacer =
    options.pacer ?? new Pacer({ ratePerSecond: LOOKUP_RATE_PER_SECOND, burst: 1, maxConcurrency: 1 });
  return async (window: EventWindow): Promise<EventPage> => {
    const events: OrganizationsEvent[] = [];
    let pages = 0;
    let token: string | undefined;
    do {
      if (pages >= window.maxPages) {
        throw new LookupRefused(
          "page_budget",
          `the event history since ${window.start.toISOString()} is longer than ${window.maxPages} pages of ${LOOKUP_PAGE_SIZE}`,
          "Nothing to fix: a whole read costs less than paging through that many events.",
          pages,
        );
      }
      pages++;
      const next: string | undefined = token;
      let out;
      try {
        out = await pacer.run(() =>
          client.send(
            new LookupEventsCommand({
              LookupAttributes: [{ AttributeKey: "EventSource", AttributeValue: ORGANIZATIONS_EVENT_SOURCE }],
              StartTime: window.start,
              EndTime: window.end,
              MaxResults: LOOKUP_PAGE_SIZE,
              ...(next ? { NextToken: next } : {}),
            }),
          ),
        );
      } catch (error) {
        throw refusal(error, pages);
      }
      for (const e of out.Events ?? []) events.push(toOrganizationsEvent(e));
      token = out.NextToken;
    } while (token);
    return { events, pages };
  };
}

function refusal(error: unknown, pages: number): LookupRefused {
  const e = (error ?? {}) as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const name = typeof e.name === "string" ? e.name : "Error";
  const said =
    typeof e.message === "string" && e.message ? ` AWS said: ${redactSecrets(e.message).slice(0, 300)}` : "";
  if (
    name === "AccessDeniedException" ||
    name === "AccessDenied" ||
    e.$metadata?.httpStatusCode === 403 ||
    /sts:AssumeRole/.test(String(e.message))
  ) {
    return new LookupRefused(
      "access_denied",
      `CloudTrail LookupEvents was denied (${name}).${said}`,
      "Give cloudtrail:LookupEvents to the role that reads the organization (the Runtime role, or the reader role in the management account: terraform/iam.tf and modules/org-reader-role). Until then every refresh reads the whole organization.",
      pages,
    );
  }
  return new LookupRefused(
    "unavailable",
    `CloudTrail LookupEvents failed (${name}).${said}`,
    "Nothing to change if it is temporary; the refresh reads the whole organization instead.",
    pages,
  );
}
