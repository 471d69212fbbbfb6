/** analyze_error_log end to end against the demo: parse, evaluate, name the statement, propose fixes. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_LOG_CHARS, MAX_LOG_EVENTS } from "../src/logs/index.js";
import { callTool, connect, startHarness } from "./helpers/harness.js";

let client: Client;
beforeAll(async () => {
  client = await connect(await startHarness());
});
afterAll(async () => client.close());

const analyze = async (args: Record<string, unknown>) => {
  const out = await callTool(client, "analyze_error_log", args);
  expect(out.result.isError, out.text).toBeFalsy();
  return out;
};

const CLI_IAM =
  "An error occurred (AccessDenied) when calling the CreateUser operation: User: arn:aws:sts::230000000001:assumed-role/app-deployer/ci-run-42 " +
  "is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::230000000001:user/bob with an explicit deny in a service control policy: " +
  "arn:aws:organizations::111111111111:policy/o-a1b2c3d4e5/service_control_policy/p-denyiamusr1";

describe("analyze_error_log", () => {
  it("names the SCP statement from an AWS CLI error, agrees with the message, and proposes an exemption with its reach", async () => {
    const { data, text } = await analyze({ text: `$ aws iam create-user --user-name bob\n\n${CLI_IAM}\n` });
    expect(data?.found).toBe(1);
    const d = data?.denials[0];
    expect(d.facts).toMatchObject({
      action: "iam:CreateUser",
      accountId: "230000000001",
      policyType: "service control policy",
      denyKind: "explicit",
      sdkOperation: "CreateUser",
    });
    expect(d.decision).toBe("explicitly_denied");
    expect(d.scp.deniedBy[0]).toMatchObject({
      policyId: "p-denyiamusr1",
      sid: "DenyIamUsers",
      targetId: "ou-a1b2-workload",
    });
    expect(d.messagePolicyCheck).toMatchObject({ status: "agrees", policyId: "p-denyiamusr1" });
    const exempt = d.remediation.find((r: any) => r.kind === "exempt_principal");
    expect(exempt.description).toContain("arn:aws:iam::230000000001:role/app-deployer");
    expect(JSON.parse(exempt.change)).toEqual({
      Condition: { ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::230000000001:role/app-deployer"] } },
    });
    // DenyIamUserCreation sits on Workloads: 6 accounts; Workloads, Prod, Payments, NonProd, Dev, Test.
    expect(exempt.blastRadius).toMatchObject({ accounts: 6, ous: 6 });
    expect(d.fixSequence.at(-1).decision).not.toMatch(/denied/);
    expect(text).toMatch(/denied by DenyIamUserCreation \(p-denyiamusr1\) statement "DenyIamUsers"/);
  });

  it("finds a region deny behind a Terraform error and suggests the NotAction exemption, not another region for a global service", async () => {
    const log =
      "Error: creating CloudFront Distribution: operation error CloudFront: CreateDistributionWithTags, https response error StatusCode: 403, " +
      "RequestID: 3f1c9a52-1b7e-4f0e-9d7a-6a1e2b3c4d5e, api error AccessDenied: User: arn:aws:sts::240000000001:assumed-role/terraform/tf-run " +
      "is not authorized to perform: cloudfront:CreateDistribution with an explicit deny in a service control policy\n" +
      '  with aws_cloudfront_distribution.site,\n  on main.tf line 12, in resource "aws_cloudfront_distribution" "site":';
    const { data } = await analyze({ text: log, region: "us-east-1" });
    const d = data?.denials[0];
    expect(d.facts.action).toBe("cloudfront:CreateDistribution");
    expect(d.scp.deniedBy[0]).toMatchObject({ policyId: "p-regiondeny1", sid: "DenyAllOutsideEU" });
    const kinds = d.remediation.map((r: any) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(["exempt_action", "exempt_principal"]));
    // CloudFront is global (its requests go to us-east-1): moving to an EU region is no fix.
    expect(kinds).not.toContain("use_allowed_region");
    const notAction = d.remediation.find((r: any) => r.kind === "exempt_action");
    expect(JSON.parse(notAction.change).NotAction).toContain("cloudfront:CreateDistribution");
    expect(notAction.blastRadius.accounts).toBe(6);
  });

  it("names the only statements that can explain an explicit SCP deny when the log lacks the context", async () => {
    const { data, text } = await analyze({
      text: "User: arn:aws:sts::230000000001:assumed-role/Deployer/pipeline is not authorized to perform: ec2:TerminateInstances with an explicit deny in a service control policy",
    });
    const d = data?.denials[0];
    // The log carries no region: the evaluation cannot decide, and says so.
    expect(d.decision).toBe("depends_on_context");
    expect(d.messagePolicyCheck.status).toBe("agrees");
    expect(d.messagePolicyCheck.explanation).toMatch(/DenyAllOutsideEU/);
    expect(d.messagePolicyCheck.explanation).toMatch(
      /aws:RequestedRegion StringNotEquals eu-west-1, eu-central-1/,
    );
    const kinds = d.remediation.map((r: any) => r.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(["use_allowed_region", "exempt_action", "exempt_principal", "provide_context"]),
    );
    expect(d.remediation.find((r: any) => r.kind === "exempt_action")).toMatchObject({
      policyId: "p-regiondeny1",
      targetId: "ou-a1b2-workload",
    });
    expect(text).toMatch(/only statement\(s\) that can deny this request/);
  });

  it("keeps the statement's other conditions in a principal exemption", async () => {
    const { data } = await analyze({
      text: "User: arn:aws:sts::230000000001:assumed-role/Deployer/pipeline is not authorized to perform: ec2:TerminateInstances with an explicit deny in a service control policy",
      region: "us-east-1",
    });
    const exempt = data?.denials[0].remediation.find((r: any) => r.kind === "exempt_principal");
    const condition = JSON.parse(exempt.change).Condition;
    // Applying the change as written must not drop the region test of DenyAllOutsideEU.
    expect(condition.StringNotEquals["aws:RequestedRegion"]).toEqual(["eu-west-1", "eu-central-1"]);
    expect(condition.ArnNotLike["aws:PrincipalArn"]).toContain("arn:aws:iam::230000000001:role/Deployer");
  });

  it("knows a single-endpoint service is authorized in us-east-1, whatever region the log or the caller names", async () => {
    const { data } = await analyze({
      text: "User: arn:aws:sts::230000000001:assumed-role/Deployer/pipeline is not authorized to perform: cloudfront:CreateDistribution with an explicit deny in a service control policy",
      region: "eu-west-1",
    });
    const d = data?.denials[0];
    expect(d.decision).toBe("explicitly_denied");
    expect(d.scp.deniedBy[0]).toMatchObject({ policyId: "p-regiondeny1", sid: "DenyAllOutsideEU" });
    expect(d.remediation.map((r: any) => r.kind)).not.toContain("use_allowed_region");
  });

  it("suggests an allowed region for a regional service, and says which other denies may follow", async () => {
    const { data, text } = await analyze({
      text: "User: arn:aws:sts::230000000001:assumed-role/Deployer/pipeline is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:230000000001:instance/* with an explicit deny in a service control policy",
    });
    const d = data?.denials[0];
    expect(d.decision).toBe("explicitly_denied");
    const region = d.remediation.find((r: any) => r.kind === "use_allowed_region");
    expect(region.description).toMatch(/eu-west-1, eu-central-1\) instead of us-east-1/);
    // The tag and IMDSv2 denies rest on keys the log does not carry: "may", not "will".
    expect(text).toMatch(/depending on context the log does not show, also: .*RequireCostCenterTag/);
    expect(text).not.toMatch(/still blocked by: .*RequireCostCenterTag/);
  });

  it("does not name candidates for an implicit deny the log attributes to an SCP", async () => {
    const { data } = await analyze({
      text: "User: arn:aws:sts::230000000001:assumed-role/Deployer/pipeline is not authorized to perform: ec2:TerminateInstances because no service control policy allows the ec2:TerminateInstances action",
    });
    const d = data?.denials[0];
    expect(d.remediation.map((r: any) => r.kind)).not.toContain("exempt_action");
  });

  it("explains an implicit deny in the Test OU and proposes attaching FullAWSAccess there", async () => {
    const log =
      "botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the ListBuckets operation: " +
      "User: arn:aws:sts::240000000003:assumed-role/tester/pytest is not authorized to perform: s3:ListAllMyBuckets " +
      "because no service control policy allows the s3:ListAllMyBuckets action";
    const { data } = await analyze({ text: log, region: "eu-west-1" });
    const d = data?.denials[0];
    expect(d.facts).toMatchObject({ denyKind: "implicit", action: "s3:ListAllMyBuckets" });
    expect(d.decision).toBe("implicitly_denied");
    expect(d.scp.missingAllowAt[0]).toMatchObject({ targetId: "ou-a1b2-test0000" });
    const attach = d.remediation.find((r: any) => r.kind === "attach_allow");
    expect(attach).toMatchObject({ targetId: "ou-a1b2-test0000", blastRadius: { accounts: 1, ous: 1 } });
    expect(d.messagePolicyCheck.status).toBe("agrees");
  });

  it("says when the denial is not from an SCP or RCP and what to look at instead", async () => {
    const log =
      "User: arn:aws:sts::230000000001:assumed-role/app-reader/s1 is not authorized to perform: s3:GetObject on resource: " +
      '"arn:aws:s3:::app-prod-assets/logo.png" because no identity-based policy allows the s3:GetObject action';
    const { data } = await analyze({ text: log, region: "eu-west-1" });
    const d = data?.denials[0];
    expect(d.facts.resource).toBe("arn:aws:s3:::app-prod-assets/logo.png");
    expect(d.attribution).toBe("other policy");
    expect(d.decision).toBe("allowed");
    expect(d.guidance.join(" ")).toMatch(/SCPs and RCPs allow s3:GetObject/);
    expect(d.guidance.join(" ")).toMatch(/IAM policies attached to/);
    expect(d.remediation.map((r: any) => r.kind)).toContain("fix_iam_policy");
  });

  it("flags a message whose policy does not match the current evaluation", async () => {
    const log =
      "User: arn:aws:iam::240000000001:user/dev is not authorized to perform: iam:CreateAccessKey on resource: arn:aws:iam::240000000001:user/dev " +
      "with an explicit deny in a service control policy: arn:aws:organizations::111111111111:policy/o-a1b2c3d4e5/service_control_policy/p-protectpay1";
    const { data } = await analyze({ text: log });
    const d = data?.denials[0];
    expect(d.messagePolicyCheck.status).toBe("disagrees");
    expect(d.messagePolicyCheck.explanation).toMatch(/p-protectpay1/);
    expect(d.messagePolicyCheck.explanation).toMatch(/p-denyiamusr1/);
  });

  it("merges repeats, keeps distinct requests apart, and reports an account outside the organization without guessing", async () => {
    const other =
      "User: arn:aws:sts::555566667777:assumed-role/x/y is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::b/k with an explicit deny in a service control policy";
    const { data } = await analyze({ text: [CLI_IAM, CLI_IAM, other].join("\n") });
    expect(data?.found).toBe(2);
    const iam = data?.denials.find((d: any) => d.facts.action === "iam:CreateUser");
    expect(iam.facts.occurrences).toBe(2);
    const outside = data?.denials.find((d: any) => d.facts.action === "s3:PutObject");
    expect(outside.evaluated).toBe(false);
    expect(outside.decision).toBeNull();
    expect(outside.notEvaluatedReason).toMatch(/555566667777/);
  });

  it("reads a CloudTrail event", async () => {
    const event = {
      eventVersion: "1.09",
      userIdentity: {
        type: "AssumedRole",
        arn: "arn:aws:sts::230000000002:assumed-role/etl/job-17",
        accountId: "230000000002",
      },
      eventTime: "2026-11-20T10:00:00Z",
      eventSource: "dynamodb.amazonaws.com",
      eventName: "DeleteTable",
      awsRegion: "eu-west-1",
      errorCode: "AccessDenied",
      errorMessage:
        "User: arn:aws:sts::230000000002:assumed-role/etl/job-17 is not authorized to perform: dynamodb:DeleteTable on resource: arn:aws:dynamodb:eu-west-1:230000000002:table/orders with an explicit deny in a service control policy",
      recipientAccountId: "230000000002",
    };
    const { data } = await analyze({ text: JSON.stringify({ Records: [event] }) });
    const d = data?.denials[0];
    expect(d.facts).toMatchObject({
      action: "dynamodb:DeleteTable",
      region: "eu-west-1",
      accountId: "230000000002",
    });
    expect(d.scp.deniedBy[0].policyId).toBe("p-protectpay1");
  });

  it("answers empty text and binary junk clearly", async () => {
    for (const text of ["", "\u0000\u0001\u0002\u00ff".repeat(1000)]) {
      const { data, text: summary } = await analyze({ text });
      expect(data?.found).toBe(0);
      expect(summary).toMatch(/No denied request found/);
    }
  });

  it("handles a paste just under the size limit with the denial at the end", async () => {
    const line = "2026-11-20T10:00:00Z INFO request completed in 12 ms path=/healthz status=200\n";
    const noise = line.repeat(Math.floor((MAX_LOG_CHARS - CLI_IAM.length) / line.length));
    const { data } = await analyze({ text: noise + CLI_IAM });
    expect(noise.length + CLI_IAM.length).toBeGreaterThan(MAX_LOG_CHARS - line.length);
    expect(data?.denials[0].scp.deniedBy[0].policyId).toBe("p-denyiamusr1");
  });
});

describe("analyze_error_log limits and bounded answers (issue 15)", () => {
  it("refuses a paste one character over the size limit, naming the limit", async () => {
    const out = await callTool(client, "analyze_error_log", { text: "x".repeat(MAX_LOG_CHARS + 1) });
    expect(out.result.isError).toBe(true);
    expect(out.text).toMatch(/longer than 8,000,000 characters, the limit of analyze_error_log/);
  });

  const denial = (i: number): string =>
    `User: arn:aws:sts::230000000001:assumed-role/app/s is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::app-data/k${i} because no identity-based policy allows the s3:GetObject action\n`;

  it("answers a paste of exactly the events limit with the most important denials and counts for the rest", async () => {
    const lines = Array.from({ length: MAX_LOG_EVENTS - 2 }, (_, i) => denial(i));
    // Two SCP denials among ten thousand identity-based ones, the later one repeated: both come first.
    lines.push(CLI_IAM + "\n", CLI_IAM.replace("user/bob", "user/eve") + "\n");
    const { result, data, text } = await analyze({ text: lines.join("") });
    expect(data?.counts.events).toBe(MAX_LOG_EVENTS);
    expect(data?.found).toBe(MAX_LOG_EVENTS);
    const listed = data?.denials.length;
    expect(listed).toBeGreaterThanOrEqual(2);
    expect(data?.page).toMatchObject({ offset: 0, returned: listed, total: MAX_LOG_EVENTS });
    expect(data?.omitted).toBe(MAX_LOG_EVENTS - listed);
    expect(data?.denials.slice(0, 2).map((d: any) => d.facts.policyType)).toEqual([
      "service control policy",
      "service control policy",
    ]);
    expect(data?.counts.byPolicyType).toEqual({
      "identity-based policy": MAX_LOG_EVENTS - 2,
      "service control policy": 2,
    });
    expect(text).toContain(
      `${(MAX_LOG_EVENTS - listed).toLocaleString("en-US")} more distinct denials not listed here; all 10,000 by policy type: 9,998 identity-based policy, 2 service control policy`,
    );
    expect(text).toContain(`cursor "${data?.page.nextCursor}"`);
    // The answer fits a model's context, whatever the paste holds.
    expect(JSON.stringify(result.structuredContent).length + text.length).toBeLessThan(20_480);
    // The next page goes on from there, with the identity-based denials.
    const next = await analyze({ text: lines.join(""), cursor: data?.page.nextCursor });
    expect(next.data?.page.offset).toBe(listed);
    expect(next.data?.denials[0].facts.policyType).toBe("identity-based policy");
    expect(next.text).toMatch(new RegExp(`^${listed + 1}\\. s3:GetObject`));
  });

  it("refuses a paste of one event more, naming the limit", async () => {
    const text = Array.from({ length: MAX_LOG_EVENTS + 1 }, (_, i) => denial(i)).join("");
    const out = await callTool(client, "analyze_error_log", { text });
    expect(out.result.isError).toBe(true);
    expect(out.text).toMatch(
      /more than 10,000 events .*over the limit of 10,000 events for analyze_error_log/,
    );
  });

  it("gives one warning per kind, with a count, for a paste of malformed CloudTrail-like lines", async () => {
    const { result, data } = await analyze({ text: '{"eventName":"x" "eventSource":1}\n'.repeat(200_000) });
    expect(data?.found).toBe(0);
    expect(data?.warnings.length).toBeLessThanOrEqual(3);
    expect(data?.warnings.join(" ")).toMatch(/200,000 like this in the text/);
    expect(JSON.stringify(result).length).toBeLessThan(10_000);
  });
});

describe("analyze_error_log reads the forms of issue 16", () => {
  it("keeps the reason after an IAM resource named without an ARN", async () => {
    const { data } = await analyze({
      text: "CDKToolkit | 0/12 | 22:02:25 | CREATE_IN_PROGRESS | AWS::IAM::Role | FilePublishingRole User: arn:aws:iam::230000000001:user/matt is not authorized to perform: iam:GetRole on resource: role cdk-hnb659fds-file-publishing-role-230000000001-eu-west-1 because no identity-based policy allows the iam:GetRole action (Service: Iam, Status Code: 403, Request ID: b1bb91a6-005f-4b5e-a3bf-d8bed38bdfab)",
    });
    const d = data?.denials[0];
    expect(d.facts).toMatchObject({
      action: "iam:GetRole",
      resource: "role cdk-hnb659fds-file-publishing-role-230000000001-eu-west-1",
      policyType: "identity-based policy",
      denyKind: "implicit",
    });
    expect(d.decision).toBe("allowed");
    expect(d.attribution).toBe("other policy");
    expect(d.guidance.join(" ")).toMatch(/IAM policies attached to arn:aws:iam::230000000001:user\/matt/);
  });

  it("reads the policy type and deny kind from a message cut down to its tail", async () => {
    const { data } = await analyze({
      text:
        "Error: creating EC2 Instance: operation error EC2: RunInstances, https response error StatusCode: 403, RequestID: 5b1e0c1a-2d3f-4a5b-9c8d-7e6f5a4b3c2d, " +
        "api error UnauthorizedOperation: ... with an explicit deny in a service control policy",
      accountId: "230000000001",
      region: "us-east-1",
    });
    const d = data?.denials[0];
    expect(d.facts).toMatchObject({
      principalArn: null,
      action: "ec2:RunInstances",
      policyType: "service control policy",
      denyKind: "explicit",
      accountId: "230000000001",
    });
    expect(d.facts.notes.join(" ")).toMatch(/Only the end of the access-denied message/);
    // No principal in the log: the region deny's break-glass exemption cannot be decided, so the
    // answer names the statements that can explain the message's explicit SCP deny.
    expect(d.decision).toBe("depends_on_context");
    expect(d.messagePolicyCheck.status).toBe("agrees");
    expect(d.messagePolicyCheck.explanation).toMatch(/DenyAllOutsideEU/);
  });

  it("names the role trust policy and says where to look", async () => {
    const { data, text } = await analyze({
      text: "User: arn:aws:sts::230000000001:assumed-role/ci/run-7 is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::230000000002:role/Deploy because no role trust policy allows the sts:AssumeRole action",
      region: "eu-west-1",
    });
    const d = data?.denials[0];
    expect(d.facts.policyType).toBe("role trust policy");
    expect(d.attribution).toBe("other policy");
    expect(d.guidance.join(" ")).toMatch(/AssumeRolePolicyDocument.*aws iam get-role --role-name Deploy/);
    expect(d.remediation.find((r: any) => r.kind === "fix_iam_policy").description).toMatch(
      /trust policy of the role being assumed/,
    );
    expect(text).toMatch(/role trust policy/);
  });

  const decoded = (conditions: Record<string, string>) =>
    JSON.stringify({
      DecodedMessage: JSON.stringify({
        allowed: false,
        explicitDeny: true,
        matchedStatements: { items: [] },
        failures: { items: [] },
        context: {
          principal: { id: "AROAEXAMPLE:ana", arn: "arn:aws:sts::230000000001:assumed-role/Developer/ana" },
          action: "RunInstances",
          resource: "arn:aws:ec2:eu-west-1:230000000001:instance/*",
          conditions: {
            items: Object.entries(conditions).map(([key, value]) => ({
              key,
              values: { items: [{ value }] },
            })),
          },
        },
      }),
    });

  it("reads a decoded authorization message and evaluates the request with its context", async () => {
    const context = {
      "aws:Service": "ec2",
      "aws:Region": "eu-west-1",
      "ec2:MetadataHttpTokens": "optional",
      "aws:RequestTag/CostCenter": "ml-42",
    };
    const { data, text } = await analyze({ text: decoded(context) });
    const d = data?.denials[0];
    expect(d.facts).toMatchObject({
      principalArn: "arn:aws:sts::230000000001:assumed-role/Developer/ana",
      action: "ec2:RunInstances",
      resource: "arn:aws:ec2:eu-west-1:230000000001:instance/*",
      region: "eu-west-1",
      denyKind: "explicit",
      source: "decoded-authorization-message",
      requestContext: { "ec2:MetadataHttpTokens": ["optional"], "aws:RequestTag/CostCenter": ["ml-42"] },
    });
    // With the request's context the tag and IMDSv2 guardrails are decided: only IMDSv2 denies.
    expect(d.decision).toBe("explicitly_denied");
    expect(d.scp.deniedBy.map((s: any) => s.policyId)).toEqual(["p-requireimds"]);
    expect(d.guidance.join(" ")).toMatch(/Evaluated with the request's own context .*4 condition keys/);
    expect(text).toMatch(/denied by RequireIMDSv2 \(p-requireimds\)/);

    // The same request with the token required: nothing in the organization denies it.
    const { data: required } = await analyze({
      text: decoded({ ...context, "ec2:MetadataHttpTokens": "required" }),
    });
    expect(required?.denials[0].decision).toBe("allowed");
  });

  it("recognises an encoded authorization message and gives the exact command to decode it", async () => {
    const encoded =
      "EXAMPLEWodyRNrtlQARDip-eTA6i6DrlUhHhPQrLWB_lAbl5pAKxl9mPDLexYcGBreyIKQC1BGBIpBKr3dFDkwqeO7e2NMk5j_hmzAiChJN";
    const { data, text } = await analyze({
      text: `An error occurred (UnauthorizedOperation) when calling the RunInstances operation: You are not authorized to perform this operation. Encoded authorization failure message: ${encoded}`,
      accountId: "230000000001",
      region: "eu-west-1",
    });
    const d = data?.denials[0];
    expect(d.facts).toMatchObject({
      encodedMessage: encoded,
      errorCode: "UnauthorizedOperation",
      action: "ec2:RunInstances",
    });
    const decode = d.remediation.find((r: any) => r.kind === "decode_message");
    expect(decode.description).toContain(
      `aws sts decode-authorization-message --encoded-message ${encoded} --query DecodedMessage --output text`,
    );
    expect(decode.description).toMatch(/sts:DecodeAuthorizationMessage/);
    expect(text).toContain(`aws sts decode-authorization-message --encoded-message ${encoded}`);
  });
});

describe("analyze_error_log with a resource outside the scope", () => {
  it("still evaluates the caller's SCPs and says the resource's RCPs were not read", async () => {
    const scoped = await connect(await startHarness({ ALLOWED_OU_IDS: "ou-a1b2-workload" }));
    const out = await callTool(scoped, "analyze_error_log", {
      text: "User: arn:aws:sts::230000000001:assumed-role/app-deployer/s is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::210000000001:user/bob with an explicit deny in a service control policy",
    });
    const d = out.data?.denials[0];
    expect(d.evaluated).toBe(true);
    expect(d.decision).toBe("explicitly_denied");
    expect(d.scp.deniedBy[0]).toMatchObject({ policyId: "p-denyiamusr1" });
    expect(JSON.stringify(d)).toMatch(/RCPs of the resource's account were not evaluated/);
    // Nothing about the out-of-scope account's policies comes back.
    expect(JSON.stringify(d)).not.toMatch(/ou-a1b2-security0/);
    await scoped.close();
  });
});
