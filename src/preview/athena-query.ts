/**
 * The one aggregation Athena runs over the trail's table (the CloudTrail table of the Athena user
 * guide, "Create a table for CloudTrail logs in Athena"): recorded API calls of the given accounts
 * and time window, grouped by principal, action, account, and only those request attributes the
 * policies can see, with a count and the first and last time. Pure: it builds text and reads rows.
 */
import { actionForOperation, iamPrefixForEventSource } from "../logs/aws-names.js";
import { ACCOUNT_ID } from "../model/ids.js";
import { emptyActivity, type Activity } from "./activity.js";
import { countSkip } from "./activity-text.js";
import type { ContextRecord, RecordedRequest } from "./records.js";

/** The first line of every aggregation this server starts: how a resumed query is recognised. */
export const QUERY_MARKER = "-- aws-organizations-mcp-server preview_policy_change aggregation v1";

export interface AggregationQuery {
  database: string;
  table: string;
  catalog: string;
  accounts: readonly string[];
  from: Date;
  to: Date;
  keys: readonly string[];
  resources: boolean;
  dateColumn?: string;
  maxRows: number;
}

/** Columns the GROUP BY holds beyond the principal, action and account, by the condition key they feed. */
const KEY_COLUMNS: Record<string, [string, string]> = {
  "aws:sourceip": [
    "source_ip",
    "CASE WHEN regexp_like(sourceipaddress, '^[0-9a-fA-F.:]+$') THEN sourceipaddress END",
  ],
  "aws:requestedregion": ["region", "awsregion"],
  "aws:securetransport": ["tls", "CASE WHEN tlsdetails IS NOT NULL THEN 'true' END"],
  "aws:sourcevpce": ["vpce", "vpcendpointid"],
  "aws:multifactorauthpresent": ["mfa", "useridentity.sessioncontext.attributes.mfaauthenticated"],
  "aws:viaawsservice": ["invoked_by", "useridentity.invokedby"],
  "aws:calledvia": ["invoked_by", "useridentity.invokedby"],
};

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");
const day = (d: Date): string => iso(d).slice(0, 10).replace(/-/g, "/");

export function aggregationSql(q: AggregationQuery): string {
  for (const a of q.accounts) if (!ACCOUNT_ID.test(a)) throw new Error(`not an account id: ${a}`);
  const columns = new Map<string, string>([
    ["account", "useridentity.accountid"],
    ["identity_type", "useridentity.type"],
    ["principal", "COALESCE(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn)"],
    ["event_source", "eventsource"],
    ["event_name", "eventname"],
  ]);
  for (const k of q.keys) {
    const col = KEY_COLUMNS[k.toLowerCase()];
    if (col) columns.set(col[0], col[1]);
  }
  if (q.resources) {
    columns.set("resource", "element_at(resources, 1).arn");
    columns.set("resource_account", "element_at(resources, 1).accountid");
  }
  const names = [...columns.keys()];
  const list = q.accounts.map((a) => `'${a}'`).join(", ");
  const where = [
    "eventtype = 'AwsApiCall'",
    `eventtime >= '${iso(q.from)}'`,
    `eventtime < '${iso(q.to)}'`,
    ...(q.accounts.length ? [`useridentity.accountid IN (${list})`] : []),
    ...(q.dateColumn ? [`"${q.dateColumn}" >= '${day(q.from)}'`, `"${q.dateColumn}" <= '${day(q.to)}'`] : []),
  ];
  return [
    QUERY_MARKER,
    `SELECT ${[...columns].map(([n, e]) => `${e} AS ${n}`).join(",\n       ")},`,
    "       count(*) AS events, min(eventtime) AS first_seen, max(eventtime) AS last_seen,",
    "       count(errorcode) AS errors",
    `FROM "${q.catalog}"."${q.database}"."${q.table}"`,
    `WHERE ${where.join("\n  AND ")}`,
    `GROUP BY ${names.map((_, i) => i + 1).join(", ")}`,
    "ORDER BY events DESC",
    `LIMIT ${q.maxRows}`,
  ].join("\n");
}

/** Rows of the aggregation (header names to values) folded into an activity. */
export function activityFromRows(rows: Iterable<Record<string, string | null>>, source: string): Activity {
  const activity = emptyActivity(source);
  for (const row of rows) {
    const events = Number(row["events"] ?? "0");
    if (!Number.isFinite(events) || events <= 0) continue;
    activity.records += events;
    const account = row["account"] ?? "";
    const principal = row["principal"] ?? null;
    const type = row["identity_type"];
    const prefix = iamPrefixForEventSource(row["event_source"] ?? "");
    const name = row["event_name"] ?? "";
    if (!prefix || !/^[A-Za-z0-9_-]{1,128}$/.test(name)) {
      countSkip(activity.skipped, "unknown_service", events);
      continue;
    }
    if (type === "AWSService") {
      countSkip(activity.skipped, "service_principal", events);
      continue;
    }
    if (!ACCOUNT_ID.test(account) || type === "SAMLUser" || type === "WebIdentityUser") {
      countSkip(activity.skipped, "no_principal", events);
      continue;
    }
    const context: ContextRecord = {};
    if (row["source_ip"]) context["aws:SourceIp"] = row["source_ip"];
    if (row["tls"] === "true") context["aws:SecureTransport"] = "true";
    if (row["vpce"]) context["aws:SourceVpce"] = row["vpce"];
    if (row["mfa"] === "true" || row["mfa"] === "false") context["aws:MultiFactorAuthPresent"] = row["mfa"];
    if (row["invoked_by"]) {
      context["aws:ViaAWSService"] = "true";
      context["aws:CalledVia"] = [row["invoked_by"]];
    }
    const request: RecordedRequest = {
      accountId: account,
      ...(principal?.startsWith("arn:") ? { principalArn: principal } : {}),
      action: actionForOperation(prefix, name),
      ...(row["resource"] ? { resource: row["resource"] } : {}),
      ...(row["resource_account"] && ACCOUNT_ID.test(row["resource_account"])
        ? { resourceAccountId: row["resource_account"] }
        : {}),
      ...(row["region"] ? { region: row["region"] } : {}),
      context,
    };
    activity.table.add(
      request,
      events,
      row["first_seen"] ?? undefined,
      row["last_seen"] ?? undefined,
      Number(row["errors"] ?? 0) || 0,
    );
  }
  return activity;
}
