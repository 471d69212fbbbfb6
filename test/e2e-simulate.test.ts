/** simulate_scp_request end to end against the demo organization: the denying statement is found. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, connect, startHarness } from "./helpers/harness.js";

let client: Client;
beforeAll(async () => {
  client = await connect(await startHarness());
});
afterAll(async () => client.close());

const sim = async (args: Record<string, unknown>) => {
  const out = await callTool(client, "simulate_scp_request", args);
  expect(out.result.isError, out.text).toBeFalsy();
  return { ...out, r: out.data?.results[0] };
};

describe("simulate_scp_request", () => {
  it("names the region deny for a request outside the EU from a workload account", async () => {
    const { r, text } = await sim({
      accountId: "230000000001",
      actions: ["ec2:RunInstances"],
      region: "us-east-1",
      principalArn: "arn:aws:iam::230000000001:role/app-deployer",
      resource: "arn:aws:ec2:us-east-1:230000000001:instance/*",
      context: { "aws:RequestTag/CostCenter": "cc-1", "ec2:MetadataHttpTokens": "required" },
    });
    expect(r.decision).toBe("explicitly_denied");
    expect(r.scp.deniedBy).toEqual([
      expect.objectContaining({
        policyId: "p-regiondeny1",
        policyName: "DenyRegionsOutsideEU",
        sid: "DenyAllOutsideEU",
        statementIndex: 0,
        targetId: "ou-a1b2-workload",
        levelIndex: 1,
      }),
    ]);
    const region = r.scp.deniedBy[0].conditions.find((c: any) => c.key === "aws:RequestedRegion");
    expect(region).toMatchObject({ contextValue: "us-east-1", result: "true" });
    expect(text).toMatch(/denied by Deny statement "DenyAllOutsideEU"/);
  });

  it("allows the same request in an EU region when the tag and IMDSv2 are set", async () => {
    const { r } = await sim({
      accountId: "230000000001",
      actions: ["ec2:RunInstances"],
      region: "eu-west-1",
      principalArn: "arn:aws:iam::230000000001:role/app-deployer",
      resource: "arn:aws:ec2:eu-west-1:230000000001:instance/*",
      context: { "aws:RequestTag/CostCenter": "cc-1", "ec2:MetadataHttpTokens": "required" },
    });
    expect(r.decision).toBe("allowed");
  });

  it("says which keys decide when the context is missing, never allowed", async () => {
    const { r } = await sim({
      accountId: "230000000001",
      actions: ["ec2:RunInstances"],
      region: "eu-west-1",
      principalArn: "arn:aws:iam::230000000001:role/app-deployer",
      resource: "arn:aws:ec2:eu-west-1:230000000001:instance/*",
    });
    expect(r.decision).toBe("depends_on_context");
    expect(r.scp.missingContextKeys).toEqual(
      expect.arrayContaining(["aws:RequestTag/CostCenter", "ec2:MetadataHttpTokens"]),
    );
  });

  it("finds the implicit deny in the Test OU, where FullAWSAccess is detached", async () => {
    const { r } = await sim({
      accountId: "240000000003",
      actions: ["s3:GetObject"],
      region: "eu-west-1",
      principalArn: "arn:aws:iam::240000000003:role/tester",
    });
    expect(r.decision).toBe("implicitly_denied");
    expect(r.rcp.decision).toBe("allowed");
    expect(r.scp.missingAllowAt).toEqual([
      expect.objectContaining({ targetId: "ou-a1b2-test0000", targetName: "Test" }),
    ]);
  });

  it("lets the management account through, saying why", async () => {
    const { r } = await sim({ accountId: "111111111111", actions: ["organizations:LeaveOrganization"] });
    expect(r.decision).toBe("allowed");
    expect(r.scp.exemption.kind).toBe("management_account");
  });

  it("exempts the break-glass role from the region deny", async () => {
    const { r } = await sim({
      accountId: "240000000001",
      actions: ["sqs:CreateQueue"],
      region: "us-west-2",
      principalArn: "arn:aws:sts::240000000001:assumed-role/BreakGlassAdmin/alice",
    });
    expect(r.decision).toBe("allowed");
  });

  it("lets a principal of the organization reach a resource in another of its accounts", async () => {
    const { r } = await sim({
      accountId: "240000000001",
      actions: ["s3:GetObject"],
      region: "eu-west-1",
      principalArn: "arn:aws:iam::240000000001:role/analyst",
      resource: "arn:aws:s3:::data-prod-bucket/report.csv",
      resourceAccountId: "230000000002",
    });
    expect(r.rcpAccountId).toBe("230000000002");
    expect(r.rcp.decision).toBe("allowed");
    expect(r.decision).toBe("allowed");
  });

  it("applies the RCP of the resource's account when the principal's organization differs", async () => {
    const { r } = await sim({
      accountId: "230000000002",
      actions: ["s3:GetObject"],
      region: "eu-west-1",
      principalArn: "arn:aws:iam::230000000002:role/reader",
      resource: "arn:aws:s3:::data-prod-bucket/report.csv",
      context: { "aws:PrincipalOrgID": "o-zzzzzzzzzz" },
    });
    expect(r.scp.decision).toBe("allowed");
    expect(r.rcp.decision).toBe("explicitly_denied");
    expect(r.rcp.deniedBy[0]).toMatchObject({ policyId: "p-rcpenforce1", sid: "EnforceOrgIdentities" });
    expect(r.decision).toBe("explicitly_denied");
    expect(r.rcpNote).toMatch(/owner is not known/);
  });

  it("flags an action that does not exist instead of quietly evaluating it", async () => {
    const { r } = await sim({
      accountId: "240000000001",
      actions: ["guardduty:DeleteDetecter"],
      region: "eu-west-1",
    });
    expect(r.knownAction).toBe(false);
    expect(r.catalogueMessage).toMatch(/DeleteDetecter/);
  });

  it.each(["us-gov-west-1", "us-isob-east-1", "cn-northwest-1", "eusc-de-east-1"])(
    "accepts a region of any partition (%s) and evaluates it against the region deny",
    async (region) => {
      const { r } = await sim({
        accountId: "230000000001",
        actions: ["s3:GetObject"],
        region,
        principalArn: "arn:aws:iam::230000000001:role/app-deployer",
      });
      expect(r.decision).toBe("explicitly_denied");
      expect(r.scp.deniedBy[0]).toMatchObject({ policyId: "p-regiondeny1" });
    },
  );

  it.each([
    [{ accountId: "240000000001", actions: ["s3:*"] }, /wildcard/],
    [{ accountId: "240000000001", actions: ["PutObject"] }, /service:Action/],
    [{ accountId: "240000000001", actions: [] }, /actions/],
    [{ accountId: "240000000001", actions: ["s3:GetObject"], region: "eu-west" }, /expected an AWS region/],
    [
      {
        accountId: "230000000001",
        actions: ["s3:GetObject"],
        principalArn: "arn:aws:iam::240000000001:role/x",
      },
      /belongs to account 240000000001/,
    ],
  ])("answers bad input %j clearly", async (args, message) => {
    const { result, text } = await callTool(client, "simulate_scp_request", args);
    expect(result.isError).toBe(true);
    expect(text).toMatch(message);
  });
});
