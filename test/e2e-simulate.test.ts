/** simulate_scp_request end to end against the demo organization: the denying statement is found. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

/**
 * Issue 16 over HTTP: root -> one OU -> account 111122223333, FullAWSAccess at every level, each
 * case's statement attached at the root (distinct actions, so the cases do not meet). The engine
 * fixtures (test/fixtures/evaluator/) quote the documentation each answer follows.
 */
describe("simulate_scp_request on what AWS documents (issue 16)", () => {
  const ACCOUNT = "111122223333";
  const ORG = "o-issue16abc";
  const OU = "ou-ab12-issue160";
  const doc = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
  const policies = [
    ["p-issue16sts", "DenyAllSts", { Sid: "DenySts", Effect: "Deny", Action: "sts:*", Resource: "*" }],
    [
      "p-issue16own",
      "ProtectRolesInOwnAccount",
      {
        Sid: "Own",
        Effect: "Deny",
        Action: "iam:DeleteRole",
        Resource: "arn:aws:iam::${aws:PrincipalAccount}:role/*",
      },
    ],
    [
      "p-issue16ous",
      "OnlyTheDataOu",
      {
        Sid: "OutsideDataOu",
        Effect: "Deny",
        Action: "s3:GetObject",
        Resource: "*",
        Condition: { StringNotLike: { "aws:PrincipalOrgPaths": `${ORG}/r-ab12/ou-ab12-otherou0/*` } },
      },
    ],
    [
      "p-issue16tag",
      "SameTeamOnly",
      {
        Sid: "TeamMismatch",
        Effect: "Deny",
        Action: "ec2:StopInstances",
        Resource: "*",
        Condition: { StringNotEquals: { "aws:ResourceTag/team": "${aws:PrincipalTag/team}" } },
      },
    ],
    [
      "p-issue16home",
      "OnlyOwnHomePrefix",
      {
        Sid: "OutsideHome",
        Effect: "Deny",
        Action: "s3:PutObject",
        NotResource: "arn:aws:s3:::home/${aws:username}/*",
      },
    ],
    [
      "p-issue16case",
      "ProtectUsEast1Instances",
      {
        Sid: "UpperRegion",
        Effect: "Deny",
        Action: "ec2:TerminateInstances",
        Resource: "arn:aws:ec2:US-EAST-1:*:instance/*",
      },
    ],
    [
      "p-issue16any",
      "DenyRestrictedTagKeyIfExists",
      {
        Sid: "AnyIfExists",
        Effect: "Deny",
        Action: "dynamodb:TagResource",
        Resource: "*",
        Condition: { "ForAnyValue:StringEqualsIfExists": { "aws:TagKeys": ["Restricted"] } },
      },
    ],
    [
      "p-issue16null",
      "RequireCostCenter",
      {
        Sid: "NoCostCenter",
        Effect: "Deny",
        Action: "ec2:RunInstances",
        Resource: "*",
        Condition: { Null: { "aws:RequestTag/CostCenter": "true" } },
      },
    ],
  ] as const;
  const snapshot = {
    formatVersion: 1,
    capturedAt: "2026-11-16T00:00:00Z",
    organization: { id: ORG, managementAccountId: "999999999999" },
    roots: [
      {
        id: "r-ab12",
        name: "Root",
        policyTypes: [{ type: "SERVICE_CONTROL_POLICY", status: "ENABLED" }],
      },
    ],
    organizationalUnits: [{ id: OU, name: "Workloads", parentId: "r-ab12" }],
    accounts: [
      { id: "999999999999", name: "management", parentId: "r-ab12" },
      { id: ACCOUNT, name: "app", parentId: OU },
    ],
    policies: [
      {
        id: "p-FullAWSAccess",
        name: "FullAWSAccess",
        type: "SERVICE_CONTROL_POLICY",
        awsManaged: true,
        content: doc({ Effect: "Allow", Action: "*", Resource: "*" }),
        targetIds: ["r-ab12", OU, ACCOUNT, "999999999999"],
      },
      ...policies.map(([id, name, statement]) => ({
        id,
        name,
        type: "SERVICE_CONTROL_POLICY",
        content: doc(statement),
        targetIds: ["r-ab12"],
      })),
    ],
  };
  const principalArn = `arn:aws:iam::${ACCOUNT}:role/app-deployer`;
  let c: Client;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "issue16-"));
    const file = join(dir, "org.json");
    writeFileSync(file, JSON.stringify(snapshot));
    c = await connect(await startHarness({ ORG_SOURCE: "snapshot", ORG_SNAPSHOT_FILE: file }));
  });
  afterAll(async () => c?.close());

  const simulate = async (action: string, args: Record<string, unknown> = {}) => {
    const out = await callTool(c, "simulate_scp_request", {
      accountId: ACCOUNT,
      actions: [action],
      principalArn,
      region: "eu-west-1",
      ...args,
    });
    expect(out.result.isError, out.text).toBeFalsy();
    return { text: out.text, r: out.data?.results[0] };
  };
  const caveat = (r: any) => r.scp.caveats?.[0];

  it("allows sts:GetCallerIdentity under Deny sts:*, saying why, and still denies sts:AssumeRole", async () => {
    const { r, text } = await simulate("sts:GetCallerIdentity");
    expect(r.decision).toBe("allowed");
    expect(r.scp.exemption).toEqual({
      kind: "action_needs_no_permission",
      reason: expect.stringMatching(/needs no permission/),
    });
    expect(r.scp.notes.join("\n")).toMatch(/No permissions are required to perform this operation/);
    expect(text).toMatch(/needs no permission/);
    const other = await simulate("sts:AssumeRole", { resource: `arn:aws:iam::${ACCOUNT}:role/x` });
    expect(other.r.decision).toBe("explicitly_denied");
  });

  it("does not substitute ${aws:PrincipalAccount} before the fifth colon, and says what substituting would give", async () => {
    const { r, text } = await simulate("iam:DeleteRole", { resource: `arn:aws:iam::${ACCOUNT}:role/app` });
    expect(r.decision).toBe("allowed");
    expect(caveat(r)).toMatchObject({
      reading: "resource_variable_before_resource_part",
      decisionUnderOtherReading: "explicitly_denied",
      statements: [expect.objectContaining({ policyId: "p-issue16own", sid: "Own" })],
      source: expect.stringMatching(/reference_policies_variables/),
    });
    expect(text).toMatch(/caveat: .*"Own".*explicitly denied/);
  });

  it("reads StringNotLike on the multivalued aws:PrincipalOrgPaths (filled from the organization) with a caveat", async () => {
    const { r, text } = await simulate("s3:GetObject", { resource: "arn:aws:s3:::data/x" });
    expect(r.decision).toBe("explicitly_denied");
    expect(caveat(r)).toMatchObject({
      reading: "multivalued_key_without_set_operator",
      decisionUnderOtherReading: "allowed",
    });
    expect(text).toMatch(/caveat: .*OutsideDataOu.*allowed, not explicitly denied/);
  });

  it("applies a negated condition whose policy variable has no value, with a caveat", async () => {
    const { r } = await simulate("ec2:StopInstances", {
      context: { "aws:ResourceTag/team": "red", "aws:PrincipalTag/team": [] },
    });
    expect(r.decision).toBe("explicitly_denied");
    expect(caveat(r)).toMatchObject({
      reading: "unresolved_policy_variable",
      decisionUnderOtherReading: "allowed",
    });
  });

  it("applies a NotResource Deny whose variable has no value (a role has no aws:username), with a caveat", async () => {
    const { r } = await simulate("s3:PutObject", {
      resource: "arn:aws:s3:::home/alice/notes.txt",
      context: { "aws:username": [] },
    });
    expect(r.decision).toBe("explicitly_denied");
    expect(caveat(r)).toMatchObject({
      reading: "unresolved_policy_variable",
      decisionUnderOtherReading: "allowed",
    });
  });

  it("never matches an upper-case region in a Resource ARN, with a caveat", async () => {
    const { r } = await simulate("ec2:TerminateInstances", {
      region: "us-east-1",
      resource: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0abc`,
    });
    expect(r.decision).toBe("allowed");
    expect(caveat(r)).toMatchObject({
      reading: "resource_arn_prefix_case",
      decisionUnderOtherReading: "explicitly_denied",
    });
  });

  it("reads ForAnyValue:...IfExists on an absent key as IfExists does, with a caveat", async () => {
    const { r } = await simulate("dynamodb:TagResource", { context: { "aws:TagKeys": [] } });
    expect(r.decision).toBe("explicitly_denied");
    expect(caveat(r)).toMatchObject({
      reading: "for_any_value_if_exists_absent",
      decisionUnderOtherReading: "allowed",
    });
  });

  it("gives each outcome of an undecided answer the key values that yield it", async () => {
    const { r } = await simulate("ec2:RunInstances");
    expect(r.decision).toBe("depends_on_context");
    const byScenario = Object.fromEntries(r.scp.outcomes.map((o: any) => [o.scenario, o]));
    expect(byScenario.undecided_deny_matches).toMatchObject({
      decision: "explicitly_denied",
      context: { "aws:RequestTag/CostCenter": [] },
    });
    const allowed = byScenario.undecided_statements_favourable;
    expect(allowed.decision).toBe("allowed");
    const again = await simulate("ec2:RunInstances", { context: allowed.context });
    expect(again.r.decision).toBe("allowed");
    expect(r.scp.caveats).toBeUndefined();
  });

  it("carries the caveat into analyze_error_log's evaluation and text", async () => {
    const out = await callTool(c, "analyze_error_log", {
      text:
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/app-deployer/ci is not authorized to perform: ec2:TerminateInstances ` +
        `on resource: arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0abc with an explicit deny in a service control policy`,
    });
    expect(out.result.isError, out.text).toBeFalsy();
    const d = out.data?.denials[0];
    expect(d.scp.caveats[0]).toMatchObject({
      reading: "resource_arn_prefix_case",
      decisionUnderOtherReading: "explicitly_denied",
    });
    expect(out.text).toMatch(/caveat: .*UpperRegion/);
  });

  it("lints the same mistakes", async () => {
    const lint = async (id: string) =>
      (await callTool(c, "lint_scp_policy", { policyId: id })).data?.findings.map((f: any) => f.ruleId);
    expect(await lint("p-issue16sts")).toContain("deny_of_action_needing_no_permission");
    expect(await lint("p-issue16own")).toContain("variable_before_resource_part");
    expect(await lint("p-issue16case")).toContain("resource_arn_case");
  });
});
