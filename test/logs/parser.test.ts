import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_LOG_CHARS,
  MAX_LOG_EVENTS,
  parseErrorLog,
  type DeniedRequest,
  type ParseResult,
} from "../../src/logs/index.js";

const SCP_MESSAGE =
  "User: arn:aws:sts::210987654321:assumed-role/ops/alice is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::reports/2025/q1.csv with an explicit deny in a service control policy: arn:aws:organizations::999988887777:policy/o-a1b2c3d4e5/service_control_policy/p-abcd1234";

function only(result: ParseResult): DeniedRequest {
  expect(result.denials, JSON.stringify(result, null, 1)).toHaveLength(1);
  return result.denials[0] as DeniedRequest;
}

function checkInvariants(result: ParseResult): void {
  expect(Array.isArray(result.denials)).toBe(true);
  expect(Array.isArray(result.warnings)).toBe(true);
  expect(result.counts.denials).toBe(result.denials.length);
  for (const d of result.denials) {
    expect(d.occurrences).toBeGreaterThanOrEqual(1);
    expect(d.sources).toContain(d.source);
    expect(d.rawMessage.length).toBeLessThanOrEqual(1000);
    expect(d.line).toBeGreaterThanOrEqual(1);
    if (d.accountId !== null) expect(d.accountId).toMatch(/^\d{12}$/);
  }
}

describe("parseErrorLog: bad input", () => {
  it("warns on empty text", () => {
    const r = parseErrorLog("");
    expect(r.denials).toEqual([]);
    expect(r.warnings).toContain("The text is empty.");
    expect(r.counts.characters).toBe(0);
  });

  it("warns on whitespace-only text", () => {
    const r = parseErrorLog(" \n\t\r\n   \n");
    expect(r.denials).toEqual([]);
    expect(r.warnings).toContain("The text is empty.");
  });

  it("survives binary junk and says it looks binary", () => {
    let junk = "";
    let seed = 7;
    for (let i = 0; i < 50_000; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      junk += String.fromCharCode(seed % 256);
    }
    const r = parseErrorLog(junk);
    checkInvariants(r);
    expect(r.warnings.some((w) => w.includes("looks binary"))).toBe(true);
  });

  it("still finds a denial inside binary-looking text", () => {
    const r = parseErrorLog(
      `${"\u0000\u0001\u0002\u0003".repeat(100)}\n${SCP_MESSAGE}\n${"\u0000".repeat(100)}`,
    );
    expect(only(r).action).toBe("s3:PutObject");
    expect(r.warnings.some((w) => w.includes("looks binary"))).toBe(true);
  });

  it("reports nothing for a line with no denial", () => {
    const r = parseErrorLog("2025-03-01T10:00:00Z INFO uploaded s3://reports/2025/q1.csv (200 OK)\n");
    expect(r.denials).toEqual([]);
    expect(r.warnings).toContain("No denied request was found in the text.");
  });

  it("ignores 'AccessDenied' in prose without an error structure", () => {
    const r = parseErrorLog("We sometimes see AccessDenied errors when the role is new; see the runbook.\n");
    expect(r.denials).toEqual([]);
  });

  it("finds a denial at the end of a paste just under the size limit", () => {
    const noise =
      '2025-03-01T10:00:00.000Z INFO  [worker-3] GET /api/v1/items?page=17 200 12ms user="svc" {"ok":true,"n":42}\n';
    const tail = `ERROR upload failed: ${SCP_MESSAGE}\n`;
    const text = noise.repeat(Math.floor((MAX_LOG_CHARS - tail.length) / noise.length)) + tail;
    expect(text.length).toBeLessThanOrEqual(MAX_LOG_CHARS);
    expect(text.length).toBeGreaterThan(MAX_LOG_CHARS - noise.length - 1);
    const r = parseErrorLog(text);
    const d = only(r);
    expect(d.policyType).toBe("service control policy");
    expect(d.line).toBe(r.counts.lines);
    expect(r.limitExceeded).toBeNull();
  });

  it("reports malformed CloudTrail JSON with its position", () => {
    const text = [
      "{",
      '  "eventVersion": "1.08",',
      '  "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::210987654321:user/bob", "accountId": "210987654321"},',
      '  "eventSource": "s3.amazonaws.com",',
      '  "eventName": "DeleteBucket"',
      '  "awsRegion": "us-east-1",',
      '  "errorCode": "AccessDenied",',
      '  "errorMessage": "Access Denied"',
      "}",
    ].join("\n");
    const r = parseErrorLog(text);
    const warning = r.warnings.find((w) => w.startsWith("Malformed CloudTrail JSON"));
    expect(warning, r.warnings.join(" | ")).toBeDefined();
    expect(warning).toMatch(/line 1 \(error at line 6, column \d+\)/);
    const d = only(r);
    expect(d.action).toBe("s3:DeleteBucket");
    expect(d.principalArn).toBe("arn:aws:iam::210987654321:user/bob");
    expect(d.source).toBe("cloudtrail");
  });

  it("reports a CloudTrail event cut off at the end of the paste", () => {
    const text = [
      "{",
      '  "eventVersion": "1.08",',
      '  "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::210987654321:user/bob", "accountId": "210987654321"},',
      '  "eventSource": "kms.amazonaws.com",',
      '  "eventName": "ScheduleKeyDeletion",',
      '  "awsRegion": "eu-west-1",',
      '  "errorCode": "AccessDenied",',
      '  "errorMessage": "User: arn:aws:iam::210987654321:user/bob is not authorized to perform: kms:ScheduleKeyDeletion on resource: arn:aws:kms:eu-west-1:210987654321:key/abc with an explicit deny in a service control policy",',
      '  "requestParameters": {"keyId": "ab',
    ].join("\n");
    const r = parseErrorLog(text);
    expect(r.warnings.some((w) => w.startsWith("Truncated CloudTrail JSON starting at line 1"))).toBe(true);
    const d = only(r);
    expect(d.action).toBe("kms:ScheduleKeyDeletion");
    expect(d.policyType).toBe("service control policy");
    expect(d.region).toBe("eu-west-1");
  });

  it("flags truncation markers and trailing ellipses", () => {
    expect(parseErrorLog(`${SCP_MESSAGE} (truncated...)`).warnings.join(" ")).toContain("truncation marker");
    expect(
      parseErrorLog(
        "User: arn:aws:iam::210987654321:user/x is not authorized to perform: s3:Get...",
      ).warnings.join(" "),
    ).toContain("ellipsis");
  });

  it("ignores a malformed accountId hint with a warning", () => {
    const r = parseErrorLog(SCP_MESSAGE, { accountId: "not-an-account" });
    expect(r.warnings.some((w) => w.includes("not a 12-digit account id"))).toBe(true);
    expect(only(r).accountId).toBe("210987654321");
  });
});

describe("parseErrorLog: message details", () => {
  it.each([".", ",", '"', "'", ")", "]", ";"])("strips %s trailing a resource ARN", (p) => {
    const r = parseErrorLog(
      `(User: arn:aws:iam::210987654321:user/x is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-2:210987654321:jobs${p}`,
    );
    const d = only(r);
    expect(d.resource).toBe("arn:aws:sqs:us-east-2:210987654321:jobs");
    expect(d.region).toBe("us-east-2");
  });

  it("strips punctuation trailing a principal and a policy ARN", () => {
    const r = parseErrorLog(
      `"User: arn:aws:iam::210987654321:user/x", is not authorized to perform: s3:GetObject with an explicit deny in a service control policy: arn:aws:organizations::999988887777:policy/o-a1b2c3d4e5/service_control_policy/p-abcd1234).`,
    );
    const d = only(r);
    expect(d.principalArn).toBe("arn:aws:iam::210987654321:user/x");
    expect(d.policyArn).toBe(
      "arn:aws:organizations::999988887777:policy/o-a1b2c3d4e5/service_control_policy/p-abcd1234",
    );
  });

  it.each([
    ["***", null],
    ["xxxxxxxxxxxx", null],
    ["<account-id>", null],
    ["{account-id}", null],
    ["REDACTED", null],
    ["000000000000", null],
    ["123456789012", "123456789012"],
  ])("accepts the account id %s", (account, expected) => {
    const r = parseErrorLog(
      `User: arn:aws:iam::${account}:user/x is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:${account}:instance/* because no service control policy allows the ec2:RunInstances action`,
    );
    const d = only(r);
    expect(d.principalArn).toBe(`arn:aws:iam::${account}:user/x`);
    expect(d.accountId).toBe(expected);
    expect(d.action).toBe("ec2:RunInstances");
    expect(d.policyType).toBe("service control policy");
    if (expected === null) expect(d.notes.join(" ")).toContain("redacted");
    else expect(d.notes.join(" ")).toContain("documentation");
  });

  it("tells the SDK operation from the IAM action", () => {
    const r = parseErrorLog(
      "Error: listing objects: operation error S3: ListObjectsV2, https response error StatusCode: 403, RequestID: 1A2B3C4D5E6F7A8B, HostID: abc=, api error AccessDenied: Access Denied\n",
    );
    const d = only(r);
    expect(d.sdkOperation).toBe("ListObjectsV2");
    expect(d.action).toBe("s3:ListBucket");
    expect(d.notes.join(" ")).toContain("inferred from the SDK operation name");
    expect(d.requestId).toBe("1A2B3C4D5E6F7A8B");
  });

  it("keeps the action from the perform: clause when the SDK operation differs", () => {
    const r = parseErrorLog(
      "An error occurred (AccessDeniedException) when calling the Invoke operation: User: arn:aws:iam::210987654321:user/x is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:eu-west-1:210987654321:function:f because no identity-based policy allows the lambda:InvokeFunction action",
    );
    const d = only(r);
    expect(d.sdkOperation).toBe("Invoke");
    expect(d.action).toBe("lambda:InvokeFunction");
    expect(d.notes.join(" ")).not.toContain("inferred");
  });

  it("merges duplicates and counts them", () => {
    const r = parseErrorLog(`${SCP_MESSAGE}\n${SCP_MESSAGE}\nretrying...\n${SCP_MESSAGE}\n`);
    const d = only(r);
    expect(d.occurrences).toBe(3);
    expect(r.counts.sightings).toBe(3);
  });

  it("keeps requests apart when the resource differs", () => {
    const other = SCP_MESSAGE.replace("q1.csv", "q2.csv");
    const r = parseErrorLog(`${SCP_MESSAGE}\n${other}\n`);
    expect(r.denials.map((d) => d.resource)).toEqual([
      "arn:aws:s3:::reports/2025/q1.csv",
      "arn:aws:s3:::reports/2025/q2.csv",
    ]);
  });

  it("folds a CloudTrail 'Access Denied' event into the richer SDK message for the same request", () => {
    const ct = JSON.stringify({
      eventVersion: "1.09",
      userIdentity: {
        type: "AssumedRole",
        arn: "arn:aws:sts::210987654321:assumed-role/ops/alice",
        accountId: "210987654321",
      },
      eventSource: "s3.amazonaws.com",
      eventName: "PutObject",
      awsRegion: "us-east-1",
      errorCode: "AccessDenied",
      errorMessage: "Access Denied",
    });
    const r = parseErrorLog(`${ct}\n${SCP_MESSAGE}\n`);
    const d = only(r);
    expect(d.policyType).toBe("service control policy");
    expect(d.region).toBe("us-east-1");
    expect(d.sources).toEqual(expect.arrayContaining(["cloudtrail", "iam-message"]));
    expect(d.occurrences).toBe(2);
  });

  it("uses hints only where the log is silent", () => {
    const r = parseErrorLog(SCP_MESSAGE, { accountId: "111111111111", region: "eu-north-1" });
    const d = only(r);
    expect(d.accountId).toBe("210987654321");
    expect(d.region).toBe("eu-north-1");
    expect(d.notes.join(" ")).toContain("region was taken from the hints");
  });

  it("trims a huge message to a sane length", () => {
    const r = parseErrorLog(
      `User: arn:aws:iam::210987654321:user/x is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/${"k".repeat(5000)} because no identity-based policy allows the s3:GetObject action`,
    );
    expect(only(r).rawMessage.length).toBeLessThanOrEqual(1000);
  });
});

describe("parseErrorLog: adversarial input stays fast", () => {
  // None of these may backtrack catastrophically; the suite timeout would catch it.
  it.each([
    ["repeated anchors", "is not authorized to perform ".repeat(40_000)],
    ["almost-anchors", "not authorized to ".repeat(60_000)],
    ["long principal", `User: ${"a".repeat(2_000_000)} is not authorized to perform: s3:GetObject`],
    [
      "long ARN",
      `User: arn:aws:iam::${"1".repeat(1_000_000)}:user/x is not authorized to perform: s3:GetObject`,
    ],
    ["open brackets", "{\n[".repeat(200_000)],
    ["quotes", '"errorCode": "'.repeat(100_000)],
    ["cli prefixes", "An error occurred (".repeat(100_000)],
    ["operation errors", "operation error S3: GetObject, ".repeat(60_000)],
    ["encoded phrases", "Encoded authorization failure message: ".repeat(50_000)],
    ["whitespace", `${" ".repeat(3_000_000)}x`],
    ["one long line", "x".repeat(5_000_000)],
    // Found in review: 67 s at 16 MB before one anchor per line and a cap.
    ["repeated Go status fragments", "status code: 403, request id: ".repeat(250_000)],
    ["repeated Go status lines", "status code: 403, request id: \n".repeat(120_000)],
    // Found in review: 55 s at 0.67 MB before the JSON parse budget.
    [
      "nested unparseable CloudTrail blocks",
      `${'{"eventSource":"s","eventName":"n","c":\n'.repeat(16_000)}x${"}\n".repeat(16_000)}`,
    ],
  ])("%s", (_name, text) => {
    const r = parseErrorLog(text);
    checkInvariants(r);
  });
});

describe("parseErrorLog: never throws", () => {
  const fragments = [
    "User: ",
    "arn:aws:iam::123456789012:user/x ",
    "arn:aws:sts::***:assumed-role/r/s",
    " is not authorized to perform: ",
    "s3:GetObject",
    " on resource: ",
    '"arn:aws:s3:::b/k"',
    " with an explicit deny in a service control policy",
    ": arn:aws:organizations::1:policy/o-1/service_control_policy/p-1",
    " because no resource control policy allows the s3:GetObject action",
    "An error occurred (AccessDenied) when calling the GetObject operation: ",
    "operation error S3: GetObject, https response error StatusCode: 403, RequestID: X, api error AccessDenied: ",
    "(Service: S3, Status Code: 403, Request ID: ABC123)",
    "\tstatus code: 403, request id: 1-2-3",
    "<Error><Code>AccessDenied</Code><Message>",
    '{"__type":"AccessDeniedException","message":"',
    '{"eventSource":"s3.amazonaws.com","eventName":"GetObject","errorCode":"AccessDenied"',
    "Encoded authorization failure message: AbCd_-1234567890abcdef",
    "\n",
    "{",
    "}",
    "[",
    "]",
    '"',
    "\\",
  ];
  const logish = fc
    .array(fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 20 })), { maxLength: 40 })
    .map((parts) => parts.join(""));

  it("on arbitrary strings", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: "binary", maxLength: 400 }), logish),
        (text) => {
          checkInvariants(parseErrorLog(text));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("on arbitrary hints", () => {
    fc.assert(
      fc.property(
        logish,
        fc.string({ maxLength: 20 }),
        fc.string({ maxLength: 20 }),
        (text, accountId, region) => {
          checkInvariants(parseErrorLog(text, { accountId, region }));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("parseErrorLog: prose is not a denial", () => {
  it.each([
    "If you are not authorized to perform an action in the console, ask your administrator.",
    "This request is not authorized to perform this operation.",
    "Users who are not authorized to perform deployments cannot merge.",
  ])("%s", (text) => {
    expect(parseErrorLog(text).denials).toEqual([]);
  });
});

describe("parseErrorLog: review findings", () => {
  it("reads a message wrapped inside Terraform's diagnostic box", () => {
    const r = parseErrorLog(
      "│ Error: creating IAM Role (x): operation error IAM: CreateRole, https response error StatusCode: 403, RequestID: 1, api error AccessDenied: User:\n" +
        "│ arn:aws:sts::123456789012:assumed-role/tf/s is not authorized to perform: iam:CreateRole on resource:\n" +
        "│ arn:aws:iam::123456789012:role/x with an explicit deny in a service control policy\n│",
    );
    expect(r.denials[0]).toMatchObject({
      action: "iam:CreateRole",
      principalArn: "arn:aws:sts::123456789012:assumed-role/tf/s",
      resource: "arn:aws:iam::123456789012:role/x",
      policyType: "service control policy",
      denyKind: "explicit",
    });
  });

  it("maps ListBuckets to s3:ListAllMyBuckets and strips Lambda's API version from CloudTrail names", () => {
    expect(
      parseErrorLog("An error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied")
        .denials[0]?.action,
    ).toBe("s3:ListAllMyBuckets");
    const event = {
      eventVersion: "1.09",
      userIdentity: { type: "AssumedRole", arn: "arn:aws:sts::123456789012:assumed-role/r/s" },
      eventSource: "lambda.amazonaws.com",
      eventName: "GetFunction20150331v2",
      awsRegion: "eu-west-1",
      errorCode: "AccessDenied",
      errorMessage: "denied",
    };
    expect(parseErrorLog(JSON.stringify(event)).denials[0]?.action).toBe("lambda:GetFunction");
    expect(
      parseErrorLog(
        JSON.stringify({ ...event, eventSource: "streams.dynamodb.amazonaws.com", eventName: "GetRecords" }),
      ).denials[0]?.action,
    ).toBe("dynamodb:GetRecords");
  });

  it("does not read a name that contains AccessDenied as an error code", () => {
    expect(parseErrorLog('{"name": "AccessDeniedPage", "status": 200}').denials).toEqual([]);
  });
});

describe("parseErrorLog: requests that name no principal, action or resource", () => {
  it("keeps two with different request ids apart", () => {
    const r = parseErrorLog(
      "software.amazon.awssdk.services.s3.model.S3Exception: Access Denied (Service: S3, Status Code: 403, Request ID: AAAA1111BBBB2222, Extended Request ID: x)\n" +
        "software.amazon.awssdk.services.s3.model.S3Exception: Access Denied (Service: S3, Status Code: 403, Request ID: CCCC3333DDDD4444, Extended Request ID: y)",
    );
    expect(r.denials.map((d) => d.requestId)).toEqual(["AAAA1111BBBB2222", "CCCC3333DDDD4444"]);
  });
});

describe("parseErrorLog: limits", () => {
  it("refuses a paste one character over the size limit, and reads one at the limit", () => {
    const line = "2025-03-01T10:00:00Z INFO ok\n";
    const at = line.repeat(Math.floor(100 / line.length)).padEnd(100, "x");
    expect(parseErrorLog(at, undefined, { maxCharacters: 100 }).limitExceeded).toBeNull();
    const over = parseErrorLog(`${at}x`, undefined, { maxCharacters: 100 });
    expect(over.limitExceeded).toEqual({ limit: "characters", max: 100, found: 101 });
    expect(over.denials).toEqual([]);
    expect(parseErrorLog("x".repeat(MAX_LOG_CHARS + 1)).limitExceeded?.limit).toBe("characters");
  });

  it("reads a paste of exactly the events limit, and refuses one more event", () => {
    const message = (i: number): string =>
      `User: arn:aws:iam::123456789012:user/u${i} is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k${i} with an explicit deny in a service control policy\n`;
    const lines = Array.from({ length: MAX_LOG_EVENTS }, (_, i) => message(i));
    const at = parseErrorLog(lines.join(""));
    expect(at.limitExceeded).toBeNull();
    expect(at.counts.events).toBe(MAX_LOG_EVENTS);
    expect(at.denials).toHaveLength(MAX_LOG_EVENTS);
    const over = parseErrorLog(lines.join("") + message(MAX_LOG_EVENTS));
    expect(over.limitExceeded).toEqual({ limit: "events", max: MAX_LOG_EVENTS, found: MAX_LOG_EVENTS + 1 });
    expect(over.denials).toEqual([]);
  });

  it("counts CloudTrail events, denied or not, against the events limit", () => {
    const event = (name: string, errorCode?: string) =>
      JSON.stringify({
        eventVersion: "1.09",
        userIdentity: { type: "IAMUser", arn: "arn:aws:iam::123456789012:user/u", accountId: "123456789012" },
        eventSource: "s3.amazonaws.com",
        eventName: name,
        ...(errorCode ? { errorCode } : {}),
      });
    const records = [event("GetObject", "AccessDenied"), event("ListBuckets"), event("PutObject")];
    expect(parseErrorLog(records.join("\n"), undefined, { maxEvents: 3 }).counts.events).toBe(3);
    expect(
      parseErrorLog(JSON.stringify({ Records: records.map((r) => JSON.parse(r)) }), undefined, {
        maxEvents: 2,
      }).limitExceeded?.limit,
    ).toBe("events");
  });

  it("gives one warning per kind, with a count, however many lines repeat it", () => {
    const text = '{"eventName":"x" "eventSource":1}\n'.repeat(5_000);
    const r = parseErrorLog(text);
    expect(r.warnings.length).toBeLessThanOrEqual(3);
    const malformed = r.warnings.find((w) => w.startsWith("Malformed CloudTrail JSON"));
    expect(malformed).toMatch(/line 1 .*\(5,000 like this in the text; the first is shown\.\)$/);
    expect(
      r.warnings.some((w) => /More than 1,000 CloudTrail-like JSON blocks failed to parse/.test(w)),
    ).toBe(true);
  });

  it("stops reading the message phrase after a cap, and says where", () => {
    const r = parseErrorLog("is not authorized to perform\n".repeat(2 * MAX_LOG_EVENTS + 5));
    expect(r.denials).toEqual([]);
    expect(r.warnings.join(" ")).toMatch(
      /more than 20,000 "not authorized to perform" phrases; only the first 20,000 were read \(the rest start at line 20001\)/,
    );
  });

  it("keeps a request's notes bounded when many sightings merge into it", () => {
    const lines = Array.from(
      { length: 200 },
      (_, i) =>
        `User: arn:aws:iam::123456789012:user/u is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k because no identity-based policy allows the s3:Get${i} action\n`,
    );
    const d = only(parseErrorLog(lines.join("")));
    expect(d.occurrences).toBe(200);
    expect(d.notes.length).toBeLessThanOrEqual(16);
    expect(d.notes.at(-1)).toMatch(/left out/);
  });
});

describe("parseErrorLog: the forms of issue 16", () => {
  it.each([
    ["group", "iam:GetGroup", "group admins"],
    ["instance profile", "iam:GetInstanceProfile", "instance profile web-profile"],
    ["role path", "iam:ListRoles", "role path /service-role/"],
  ])("reads an IAM %s named without an ARN and keeps the reason after it", (_kind, action, resource) => {
    const d = only(
      parseErrorLog(
        `User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ${action} on resource: ${resource} with an explicit deny in an identity-based policy`,
      ),
    );
    expect(d).toMatchObject({ action, resource, policyType: "identity-based policy", denyKind: "explicit" });
  });

  it("still reads the old user/NAME form as one token", () => {
    const d = only(
      parseErrorLog(
        "AccessDenied: User: user/jackson is not authorized to perform: iam:GetUser on resource: user/jackson",
      ),
    );
    expect(d.resource).toBe("user/jackson");
  });

  it("reads the clause after an ellipsis someone left in a message", () => {
    const d = only(
      parseErrorLog(
        "UnauthorizedOperation: You are not authorized to perform this operation ... with an explicit deny in a service control policy",
      ),
    );
    expect(d).toMatchObject({ policyType: "service control policy", denyKind: "explicit" });
    expect(d.notes.join(" ")).toMatch(/Part of the message was cut out/);
  });

  it("does not take a quoted clause in prose for a denial", () => {
    expect(
      parseErrorLog('A denial by an SCP says "with an explicit deny in a service control policy".').denials,
    ).toEqual([]);
    expect(parseErrorLog("It failed because no identity-based policy was attached yet.").denials).toEqual([]);
  });

  it("names the role trust policy as AWS does, and explains it", () => {
    const d = only(
      parseErrorLog(
        "User: arn:aws:iam::123456789012:user/John is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/Deploy because no role trust policy allows the sts:AssumeRole action",
      ),
    );
    expect(d.policyType).toBe("role trust policy");
    expect(d.notes.join(" ")).toMatch(/AssumeRolePolicyDocument/);
  });

  const DECODED = {
    allowed: false,
    explicitDeny: false,
    matchedStatements: { items: [] },
    failures: { items: [] },
    context: {
      principal: { id: "AROAEXAMPLE:s", arn: "arn:aws:sts::123456789012:assumed-role/app/s" },
      action: "s3:PutObject",
      resource: "arn:aws:s3:::bucket/key",
      conditions: {
        items: [
          { key: "aws:Region", values: { items: [{ value: "eu-west-1" }] } },
          { key: "s3:x-amz-acl", values: { items: [{ value: "private" }] } },
          { key: "aws:TagKeys", values: { items: [{ value: "a" }, { value: "b" }] } },
        ],
      },
    },
  };

  it.each([
    ["the CLI's JSON", JSON.stringify({ DecodedMessage: JSON.stringify(DECODED) }, null, 4)],
    ["the CLI's member line alone", `"DecodedMessage": ${JSON.stringify(JSON.stringify(DECODED))}`],
    ["--output text", JSON.stringify(DECODED)],
    [
      "jq's pretty print, among other lines",
      `$ aws sts decode-authorization-message ...\n${JSON.stringify(DECODED, null, 2)}\n$ `,
    ],
  ])("reads a decoded authorization message: %s", (_form, text) => {
    const d = only(parseErrorLog(text));
    expect(d).toMatchObject({
      principalArn: "arn:aws:sts::123456789012:assumed-role/app/s",
      accountId: "123456789012",
      action: "s3:PutObject",
      resource: "arn:aws:s3:::bucket/key",
      region: "eu-west-1",
      denyKind: "implicit",
      policyType: null,
      source: "decoded-authorization-message",
      requestContext: { "aws:Region": ["eu-west-1"], "s3:x-amz-acl": ["private"], "aws:TagKeys": ["a", "b"] },
    });
  });

  it("ignores a decoded message that allowed the request, and warns about a broken one", () => {
    expect(parseErrorLog(JSON.stringify({ ...DECODED, allowed: true })).denials).toEqual([]);
    const broken = parseErrorLog(JSON.stringify(DECODED).slice(0, 120));
    expect(broken.denials).toEqual([]);
    expect(broken.warnings.join(" ")).toMatch(/decoded authorization message that is not complete JSON/);
  });

  it("keeps a decoded message's context bounded", () => {
    const items = Array.from({ length: 100 }, (_, i) => ({
      key: `ec2:K${i}`,
      values: { items: [{ value: "v" }] },
    }));
    const d = only(
      parseErrorLog(JSON.stringify({ ...DECODED, context: { ...DECODED.context, conditions: { items } } })),
    );
    expect(Object.keys(d.requestContext ?? {})).toHaveLength(64);
    expect(d.notes.join(" ")).toMatch(/36 condition keys past the first 64 were left out/);
  });
});
