/** analyze_error_log end to end against the demo: parse, evaluate, name the statement, propose fixes. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

  it("handles a 10 MB paste with the denial at the end", async () => {
    const noise = "2026-11-20T10:00:00Z INFO request completed in 12 ms path=/healthz status=200\n".repeat(
      130_000,
    );
    const { data } = await analyze({ text: noise + CLI_IAM });
    expect(noise.length).toBeGreaterThan(10_000_000);
    expect(data?.denials[0].scp.deniedBy[0].policyId).toBe("p-denyiamusr1");
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
