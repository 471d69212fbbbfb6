import { describe, expect, it } from "vitest";
import { activityFromText } from "../../src/preview/activity.js";
import { readActivityText } from "../../src/preview/activity-text.js";
import { requestFromRecord } from "../../src/preview/records.js";
import { cloudTrailRecord } from "../fake-aws/cloudtrail-records.js";

const base = {
  time: "2026-11-30T10:00:00Z",
  accountId: "230000000001",
  eventSource: "s3.amazonaws.com",
  eventName: "GetObject",
  region: "eu-west-1",
};

describe("a CloudTrail record as the request it stands for", () => {
  it("reads a session's role ARN (with its path), the action, resource and the keys the record carries", () => {
    const record = cloudTrailRecord({
      ...base,
      principal: "role/AWSReservedSSO_Admin_0123",
      resources: [{ arn: "arn:aws:s3:::bucket/key", accountId: "230000000002" }],
      mfa: true,
      sourceIp: "198.51.100.7",
    });
    const r = requestFromRecord(record);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.request).toEqual({
      accountId: "230000000001",
      principalArn: "arn:aws:iam::230000000001:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123",
      action: "s3:GetObject",
      resource: "arn:aws:s3:::bucket/key",
      resourceAccountId: "230000000002",
      region: "eu-west-1",
      context: expect.objectContaining({
        "aws:SourceIp": "198.51.100.7",
        "aws:SecureTransport": "true",
        "aws:MultiFactorAuthPresent": "true",
      }),
    });
    // Keys the record cannot tell are not invented.
    expect(r.value.request.context).not.toHaveProperty("aws:PrincipalTag/team");
    expect(r.value.time).toBe("2026-11-30T10:00:00Z");
  });

  it("maps operation names to IAM actions and reads request tags", () => {
    const r = requestFromRecord(
      cloudTrailRecord({
        ...base,
        principal: "role/deployer",
        eventSource: "ec2.amazonaws.com",
        eventName: "RunInstances",
        requestParameters: {
          tagSpecificationSet: {
            items: [{ resourceType: "instance", tags: [{ key: "CostCenter", value: "42" }] }],
          },
        },
      }),
    );
    expect(r.ok && r.value.request.context).toMatchObject({
      "aws:RequestTag/CostCenter": "42",
      "aws:TagKeys": ["CostCenter"],
    });
    const list = requestFromRecord(
      cloudTrailRecord({ ...base, principal: "user/alice", eventName: "ListObjectsV2" }),
    );
    expect(list.ok && list.value.request.action).toBe("s3:ListBucket");
    expect(list.ok && list.value.request.principalArn).toBe("arn:aws:iam::230000000001:user/alice");
  });

  it("says why a record cannot be replayed", () => {
    expect(
      requestFromRecord(cloudTrailRecord({ ...base, principal: "root", eventType: "AwsConsoleSignIn" })),
    ).toEqual({
      ok: false,
      reason: "not_api_call",
    });
    expect(requestFromRecord({ eventSource: "s3.amazonaws.com", eventName: "GetObject" })).toEqual({
      ok: false,
      reason: "no_principal",
    });
    expect(
      requestFromRecord({
        eventSource: "s3.amazonaws.com",
        eventName: "GetObject",
        userIdentity: { type: "WebIdentityUser" },
      }),
    ).toEqual({ ok: false, reason: "no_principal" });
    const service = requestFromRecord(
      cloudTrailRecord({ ...base, principal: "service:lambda.amazonaws.com" }),
    );
    expect(service.ok && service.value.request).toMatchObject({
      servicePrincipal: "lambda.amazonaws.com",
      context: { "aws:PrincipalIsAWSService": "true" },
    });
  });
});

describe("pasted activity", () => {
  const records = [
    cloudTrailRecord({ ...base, principal: "role/a", n: 1 }),
    cloudTrailRecord({ ...base, principal: "role/b", n: 2 }),
  ];

  it("reads a log file, lookup-events output and JSON lines alike", () => {
    const file = readActivityText(JSON.stringify({ Records: records }), 100);
    const lookup = readActivityText(
      JSON.stringify({
        Events: records.map((r, i) => ({ EventId: String(i), CloudTrailEvent: JSON.stringify(r) })),
      }),
      100,
    );
    const lines = readActivityText(records.map((r) => JSON.stringify(r)).join("\n"), 100);
    for (const read of [file, lookup, lines]) {
      expect(read.records).toHaveLength(2);
      expect(read.skipped).toEqual({});
    }
  });

  it("counts what is not CloudTrail and truncated JSON, with the line, and still reads the rest", () => {
    const text = [
      "Some notes pasted above the events",
      JSON.stringify(records[0], null, 2),
      '{"hello": "not an event"}',
      JSON.stringify(records[1], null, 2),
      JSON.stringify(records[0], null, 2).slice(0, 400),
    ].join("\n");
    const read = readActivityText(text, 100);
    expect(read.records).toHaveLength(2);
    expect(read.skipped.truncated_json).toMatchObject({ count: 1 });
    expect(read.skipped.not_cloudtrail?.count).toBeGreaterThanOrEqual(2);
    expect(read.skipped.not_cloudtrail?.firstLine).toBe(1);
  });

  it("a JSON line cut short is counted as truncated, the others read", () => {
    const text = [JSON.stringify(records[0]), JSON.stringify(records[1]).slice(0, 120), '{"x":1}'].join("\n");
    const read = readActivityText(text, 100);
    expect(read.records).toHaveLength(1);
    expect(read.skipped).toEqual({
      truncated_json: { count: 1, firstLine: 2 },
      not_cloudtrail: { count: 1, firstLine: 3 },
    });
  });

  it("stops at the record limit and says how many were left", () => {
    const many = Array.from({ length: 30 }, (_, n) => cloudTrailRecord({ ...base, principal: "role/a", n }));
    const activity = activityFromText(JSON.stringify({ Records: many }), "test", 10);
    expect(activity.table.events).toBe(10);
    expect(activity.skipped.over_limit?.count).toBe(20);
    expect(activity.records).toBe(30);
  });

  it("folds identical requests: one distinct request, its count and first and last seen", () => {
    const same = ["10:00", "09:00", "11:30"].map((t, n) =>
      cloudTrailRecord({ ...base, principal: "role/a", time: `2026-11-30T${t}:00Z`, n }),
    );
    const activity = activityFromText(JSON.stringify({ Records: same }), "test", 100);
    const rows = [...activity.table.values()];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      events: 3,
      firstSeen: "2026-11-30T09:00:00Z",
      lastSeen: "2026-11-30T11:30:00Z",
    });
  });
});
