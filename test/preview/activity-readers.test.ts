/**
 * The activity readers' own logic with a mocked SDK: the trail reader's region discovery (a
 * delimiter listing, which s3rver does not serve for nested keys), the window by file name, gzip
 * and broken files, the deadline, and error mapping; the Athena query's shape and the reading of
 * its rows.
 */
import { gzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { createTrailReader } from "../../src/aws/cloudtrail-logs.js";
import { activityFromRows, aggregationSql, QUERY_MARKER } from "../../src/preview/athena-query.js";
import { cloudTrailRecord } from "../fake-aws/cloudtrail-records.js";

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

const NOW = new Date("2026-12-01T12:00:00Z");
const base = "AWSLogs/o-a1b2c3d4e5/230000000001/CloudTrail/";
/** The part of the SDK stream the reader uses. */
const body = (b: Buffer) => ({ transformToByteArray: async () => new Uint8Array(b) });
const record = (time: string) =>
  cloudTrailRecord({
    time,
    accountId: "230000000001",
    principal: "role/app",
    eventSource: "s3.amazonaws.com",
    eventName: "GetObject",
    region: "eu-west-1",
  });

describe("the trail reader", () => {
  it("finds the regions by a delimiter listing, reads the window's files, says what was not read", async () => {
    s3.on(ListObjectsV2Command, { Prefix: base, Delimiter: "/" }).resolves({
      CommonPrefixes: [{ Prefix: `${base}eu-west-1/` }],
    });
    s3.on(ListObjectsV2Command, { Prefix: `${base}eu-west-1/2026/12/01/` }).resolves({
      Contents: [
        { Key: `${base}eu-west-1/2026/12/01/230000000001_CloudTrail_eu-west-1_20261201T1100Z_aaaa.json.gz` },
        { Key: `${base}eu-west-1/2026/12/01/230000000001_CloudTrail_eu-west-1_20261201T0500Z_old0.json.gz` },
        { Key: `${base}eu-west-1/2026/12/01/230000000001_CloudTrail_eu-west-1_20261201T1130Z_bad0.json.gz` },
      ],
    });
    s3.on(GetObjectCommand, {
      Key: `${base}eu-west-1/2026/12/01/230000000001_CloudTrail_eu-west-1_20261201T1100Z_aaaa.json.gz`,
    }).resolves({
      Body: body(
        gzipSync(
          JSON.stringify({
            Records: [
              record("2026-12-01T10:58:00Z"),
              record("2026-12-01T10:59:00Z"),
              record("2026-11-30T09:00:00Z"),
            ],
          }),
        ),
      ) as never,
    });
    s3.on(GetObjectCommand, {
      Key: `${base}eu-west-1/2026/12/01/230000000001_CloudTrail_eu-west-1_20261201T1130Z_bad0.json.gz`,
    }).resolves({
      Body: body(gzipSync('{"Records": [')) as never,
    });
    const read = createTrailReader({ bucket: "trail", prefix: "" }, new S3Client({ region: "us-east-1" }));
    const activity = await read({
      hours: 2,
      organizationId: "o-a1b2c3d4e5",
      accounts: ["230000000001"],
      deadline: Date.now() + 10_000,
      now: NOW,
    });
    expect(activity.table.events).toBe(2);
    expect(activity.skipped.truncated_json?.count).toBe(1);
    expect(activity.notes[0]).toBe("2 of 2 log file(s) read.");
    // The file delivered at 05:00 lies outside the two-hour window: never fetched.
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).not.toContain(
      `${base}eu-west-1/2026/12/01/230000000001_CloudTrail_eu-west-1_20261201T0500Z_old0.json.gz`,
    );
  });

  it("past the deadline it stops and says how much of the window is missing", async () => {
    s3.on(ListObjectsV2Command).resolves({
      Contents: [{ Key: `${base}eu-west-1/2026/12/01/x_CloudTrail_eu-west-1_20261201T1100Z_a.json.gz` }],
    });
    s3.on(ListObjectsV2Command, { Prefix: base, Delimiter: "/" }).resolves({
      CommonPrefixes: [{ Prefix: `${base}eu-west-1/` }],
    });
    const read = createTrailReader({ bucket: "trail", prefix: "" }, new S3Client({ region: "us-east-1" }));
    const activity = await read({
      hours: 1,
      organizationId: "o-a1b2c3d4e5",
      accounts: ["230000000001"],
      deadline: Date.now() - 1,
      now: NOW,
    });
    expect(activity.notes.join(" ")).toMatch(/were not read within the call.s time/);
  });

  it("access denied names the permissions to add", async () => {
    s3.on(ListObjectsV2Command).rejects(
      Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }),
    );
    const read = createTrailReader({ bucket: "trail", prefix: "org" }, new S3Client({ region: "us-east-1" }));
    await expect(
      read({
        hours: 1,
        organizationId: "o-a1b2c3d4e5",
        accounts: ["230000000001"],
        deadline: Date.now() + 5000,
        now: NOW,
      }),
    ).rejects.toThrow(
      /S3 ListObjectsV2 \(s3:\/\/trail\/org\/AWSLogs\/o-a1b2c3d4e5\/230000000001\/CloudTrail\/\) was denied .*s3:ListBucket and s3:GetObject/,
    );
  });
});

describe("the Athena aggregation", () => {
  const q = {
    database: "cloudtrail",
    table: "org_trail",
    catalog: "AwsDataCatalog",
    accounts: ["230000000001", "230000000002"],
    from: new Date("2026-09-01T00:00:00Z"),
    to: NOW,
    maxRows: 1000,
  };

  it("groups only by the columns the policies' keys need", () => {
    const narrow = aggregationSql({ ...q, keys: [], resources: false });
    expect(narrow.startsWith(QUERY_MARKER)).toBe(true);
    expect(narrow).not.toMatch(/sourceipaddress|awsregion|resources/);
    expect(narrow).toContain("GROUP BY 1, 2, 3, 4, 5\n");
    const wide = aggregationSql({
      ...q,
      keys: ["aws:requestedregion", "aws:SourceIp"],
      resources: true,
      dateColumn: "timestamp",
    });
    expect(wide).toContain("awsregion AS region");
    expect(wide).toContain("AS source_ip");
    expect(wide).toContain("element_at(resources, 1).arn AS resource");
    expect(wide).toContain(`"timestamp" >= '2026/09/01'`);
    expect(wide).toContain("useridentity.accountid IN ('230000000001', '230000000002')");
    expect(() => aggregationSql({ ...q, accounts: ["1' OR '1'='1"], keys: [], resources: false })).toThrow();
  });

  it("reads rows into distinct requests with their counts, skipping what cannot be replayed", () => {
    const activity = activityFromRows(
      [
        {
          account: "230000000001",
          identity_type: "AssumedRole",
          principal: "arn:aws:iam::230000000001:role/app",
          event_source: "s3.amazonaws.com",
          event_name: "ListObjectsV2",
          region: "eu-west-1",
          events: "40",
          first_seen: "2026-10-01T00:00:00Z",
          last_seen: "2026-11-30T00:00:00Z",
          errors: "2",
        },
        {
          account: "230000000001",
          identity_type: "AWSService",
          principal: null,
          event_source: "sts.amazonaws.com",
          event_name: "AssumeRole",
          region: "eu-west-1",
          events: "7",
          first_seen: null,
          last_seen: null,
          errors: "0",
        },
      ],
      "athena",
    );
    expect(activity.records).toBe(47);
    expect(activity.skipped.service_principal?.count).toBe(7);
    const [row] = [...activity.table.values()];
    expect(row).toMatchObject({
      events: 40,
      recordedErrors: 2,
      firstSeen: "2026-10-01T00:00:00Z",
      request: { action: "s3:ListBucket", region: "eu-west-1" },
    });
  });
});
