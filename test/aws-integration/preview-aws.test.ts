/**
 * preview_policy_change in aws mode, over MCP, against services on loopback: the fake Organizations
 * service (the demo organization), the fake S3 (s3rver) holding the organization trail's gzipped log files, and
 * the fake Athena endpoint aggregating the demo activity the way the server's query asks.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAthenaReader } from "../../src/aws/athena.js";
import { demoSnapshot } from "../../src/org/demo/demo-snapshot.js";
import demoActivity from "../../src/org/demo/demo-activity.json" with { type: "json" };
import { startFakeAthena, type FakeAthena, type Row } from "../fake-aws/athena-server.js";
import { cloudTrailRecord, type RecordSpec } from "../fake-aws/cloudtrail-records.js";
import { FAKE_CREDENTIALS } from "../fake-aws/credentials.js";
import { startFakeAws, type FakeAws } from "../fake-aws/organizations-server.js";
import { startFakeS3, type FakeS3 } from "../fake-aws/s3-server.js";
import { callTool, connect, startHarness } from "../helpers/harness.js";
import { destroyClients, readerFor } from "./helpers.js";

const BUCKET = "org-trail-logs";
const ORG = "o-a1b2c3d4e5";
const NOW = Date.now();
const ENV_KEYS = [
  "AWS_ENDPOINT_URL_S3",
  "AWS_ENDPOINT_URL_ATHENA",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_REGION",
  "AWS_EC2_METADATA_DISABLED",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
];
const saved: Record<string, string | undefined> = {};

let fake: FakeAws;
let s3: FakeS3;
let athena: FakeAthena;
let client: Client;
let work: string;

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const stamp = (ms: number): string => iso(ms).replace(/[-:]/g, "").slice(0, 13) + "Z";

/** Group demo records by the columns the query selects, as Athena would. */
function aggregate(sql: string): Row[] {
  expect(sql.startsWith("-- aws-organizations-mcp-server preview_policy_change aggregation v1")).toBe(true);
  expect(sql).toMatch(/GROUP BY 1, 2, 3, 4, 5/);
  const aliases = [...sql.slice(0, sql.indexOf("count(*)")).matchAll(/ AS (\w+)/g)].map(
    (m) => m[1] as string,
  );
  const accounts = [...(/IN \(([^)]*)\)/.exec(sql)?.[1] ?? "").matchAll(/'(\d{12})'/g)].map((m) => m[1]);
  const groups = new Map<string, Row>();
  for (const r of (demoActivity as { Records: any[] }).Records) {
    if (r.eventType !== "AwsApiCall" || !accounts.includes(r.userIdentity?.accountId)) continue;
    const value: Record<string, string | null> = {
      account: r.userIdentity.accountId,
      identity_type: r.userIdentity.type,
      principal: r.userIdentity.sessionContext?.sessionIssuer?.arn ?? r.userIdentity.arn ?? null,
      event_source: r.eventSource,
      event_name: r.eventName,
      region: r.awsRegion,
      source_ip: /^[0-9.]+$/.test(r.sourceIPAddress) ? r.sourceIPAddress : null,
      tls: r.tlsDetails ? "true" : null,
      resource: r.resources?.[0]?.ARN ?? null,
      resource_account: r.resources?.[0]?.accountId ?? null,
    };
    const row = Object.fromEntries(aliases.map((a) => [a, value[a] ?? null])) as Row;
    const key = JSON.stringify(row);
    const g = groups.get(key) ?? {
      ...row,
      events: 0,
      first_seen: r.eventTime,
      last_seen: r.eventTime,
      errors: 0,
    };
    g["events"] = Number(g["events"]) + 1;
    if (r.errorCode) g["errors"] = Number(g["errors"]) + 1;
    if (r.eventTime < String(g["first_seen"])) g["first_seen"] = r.eventTime;
    if (r.eventTime > String(g["last_seen"])) g["last_seen"] = r.eventTime;
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => Number(b["events"]) - Number(a["events"]));
}

async function putLog(
  account: string,
  region: string,
  atMs: number,
  specs: RecordSpec[],
  raw?: Buffer,
): Promise<void> {
  const day = iso(atMs).slice(0, 10).replace(/-/g, "/");
  const key = `AWSLogs/${ORG}/${account}/CloudTrail/${region}/${day}/${account}_CloudTrail_${region}_${stamp(atMs)}_${Math.random().toString(36).slice(2, 10)}.json.gz`;
  const body =
    raw ?? gzipSync(JSON.stringify({ Records: specs.map((s, n) => cloudTrailRecord({ ...s, n })) }));
  await s3.putObject(BUCKET, key, body);
}

const spec = (over: Partial<RecordSpec>, atMs: number): RecordSpec => ({
  time: iso(atMs),
  accountId: "230000000001",
  principal: "role/app-runtime",
  eventSource: "s3.amazonaws.com",
  eventName: "GetObject",
  region: "eu-west-1",
  ...over,
});

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "preview-aws-"));
  fake = await startFakeAws({ snapshot: demoSnapshot() });
  s3 = await startFakeS3({ buckets: [BUCKET] });
  athena = await startFakeAthena({ resultFor: aggregate });
  for (const k of ENV_KEYS) saved[k] = process.env[k];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_ATHENA: athena.endpoint,
    AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
    AWS_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: join(work, "none"),
    AWS_SHARED_CREDENTIALS_FILE: join(work, "none"),
  });
  const hourAgo = NOW - 3_600_000;
  // In the window: app-prod's and data-prod's calls; a cross-account call logged in app-prod by an
  // account outside the scope (audit, in the Security OU).
  await putLog("230000000001", "eu-west-1", hourAgo, [
    spec({}, hourAgo),
    spec({}, hourAgo + 1000),
    spec({ principal: "role/app-deployer", eventName: "PutObject" }, hourAgo + 2000),
    spec({ accountId: "210000000002", principal: "role/SecurityAudit" }, hourAgo + 3000),
  ]);
  await putLog("230000000002", "eu-west-1", hourAgo, [
    spec(
      {
        accountId: "230000000002",
        principal: "role/DataEngineer",
        eventSource: "dynamodb.amazonaws.com",
        eventName: "GetItem",
      },
      hourAgo,
    ),
  ]);
  // A truncated file, and a day-old file outside a two-hour window.
  await putLog("230000000001", "eu-central-1", hourAgo, [], Buffer.from('{"Records": [{"eventVersion"'));
  await putLog("230000000001", "eu-west-1", NOW - 30 * 3_600_000, [
    spec({ principal: "role/old-role" }, NOW - 30 * 3_600_000),
  ]);
  const config = {
    organization: { source: "aws", region: "us-east-1" },
    allowedOuIds: ["ou-a1b2-workload"],
    activity: {
      // s3rver does not list CommonPrefixes of nested keys: the regions are named here (AWS lists them).
      trail: {
        bucket: BUCKET,
        prefix: "",
        region: "us-east-1",
        regions: ["eu-west-1", "eu-central-1", "us-east-1"],
      },
      athena: { workgroup: "primary", database: "cloudtrail", table: "org_trail", region: "us-east-1" },
    },
  };
  const configFile = join(work, "config.json");
  writeFileSync(configFile, JSON.stringify(config));
  const harness = await startHarness(
    { RUNTIME_CONFIG_FILE: configFile },
    { createReader: async () => readerFor(fake.endpoint).reader },
  );
  client = await connect(harness);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await athena?.close();
  await s3?.close();
  await fake?.close();
  destroyClients();
  for (const k of ENV_KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  rmSync(work, { recursive: true, force: true });
});

const DETACH_PROD = { kind: "detach", policyId: "p-FullAWSAccess", targetId: "ou-a1b2-prod0000" };

describe("preview_policy_change in aws mode", () => {
  it("reads the organization trail's log files of the window for the accounts the change reaches", async () => {
    const { result, data, text } = await callTool(client, "preview_policy_change", {
      change: DETACH_PROD,
      activity: { trail: { hours: 2 } },
    });
    expect(result.isError, text).toBeFalsy();
    expect(data!.activity.source).toContain(`s3://${BUCKET}/AWSLogs/${ORG}/`);
    const denied = data!.newlyDenied as any[];
    expect(denied.map((g) => [g.principal, g.action, g.events])).toEqual(
      expect.arrayContaining([
        ["arn:aws:iam::230000000001:role/app-runtime", "s3:GetObject", 2],
        ["arn:aws:iam::230000000001:role/app-deployer", "s3:PutObject", 1],
        ["arn:aws:iam::230000000002:role/DataEngineer", "dynamodb:GetItem", 1],
      ]),
    );
    expect(JSON.stringify(data)).not.toContain("old-role");
    // The out-of-scope caller is counted, never named.
    expect(JSON.stringify(data)).not.toContain("210000000002");
    const skipped = Object.fromEntries((data!.skipped as any[]).map((s) => [s.reason, s.events]));
    expect(skipped).toMatchObject({ outside_scope: 1, truncated_json: 1 });
    expect(data!.activity.notes.join(" ")).toMatch(/\d+ of \d+ log file\(s\) read/);
  });

  it("aggregates months of trail with one Athena GROUP BY and replays the distinct rows", async () => {
    const { result, data } = await callTool(client, "preview_policy_change", {
      change: DETACH_PROD,
      activity: { athena: { days: 90 } },
    });
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const sql = athena.queries.at(-1)!.sql;
    expect(athena.queries.at(-1)!.workGroup).toBe("primary");
    expect(sql).toContain('FROM "AwsDataCatalog"."cloudtrail"."org_trail"');
    // Only accounts inside the scope that the change reaches are asked for.
    expect(sql).toContain("'230000000001'");
    expect(sql).not.toContain("'210000000002'");
    expect(sql).not.toContain("'240000000001'");
    expect(data!.activity.source).toContain("Athena aggregation");
    expect((data!.newlyDenied as any[]).length).toBeGreaterThan(0);
    expect(data!.counts.distinctRequests).toBeLessThan(data!.counts.records);
  });

  it("a query still running at the deadline is returned by id, and read by a later call; a foreign id is refused", async () => {
    const slow = await startFakeAthena({ resultFor: aggregate, runningPolls: 3 });
    const previous = process.env["AWS_ENDPOINT_URL_ATHENA"];
    process.env["AWS_ENDPOINT_URL_ATHENA"] = slow.endpoint;
    try {
      const reader = createAthenaReader(
        {
          workgroup: "primary",
          database: "cloudtrail",
          table: "org_trail",
          catalog: "AwsDataCatalog",
          region: "us-east-1",
        },
        undefined,
        async () => undefined,
      );
      const base = {
        organizationId: ORG,
        accounts: ["230000000001"],
        keys: ["aws:requestedregion"],
        resources: false,
        now: new Date(NOW),
      };
      const first = await reader({ ...base, days: 30, deadline: Date.now() - 1 });
      expect(first).toMatchObject({ done: false, state: "QUEUED" });
      const id = (first as { queryExecutionId: string }).queryExecutionId;
      const later = await reader({ ...base, queryExecutionId: id, deadline: Date.now() + 30_000 });
      expect(later.done).toBe(true);
      expect(later.done && later.activity.table.size).toBeGreaterThan(0);
      await expect(
        reader({
          ...base,
          queryExecutionId: "00000000-0000-4000-8000-000000000000",
          deadline: Date.now() + 5000,
        }),
      ).rejects.toThrow(/Athena GetQueryExecution/);
    } finally {
      process.env["AWS_ENDPOINT_URL_ATHENA"] = previous;
      await slow.close();
    }
  });
});
