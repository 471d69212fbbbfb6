/**
 * The walkthrough is tested (issue 19): each one-line answer the README's examples (`// →`) and
 * docs/demo-organization.md give is quoted here, found in its document, and checked against what
 * the tool says over HTTP on the demo organization. A doc line that changes without its claim here,
 * or a tool answer that drifts from the doc, fails.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, connect, startHarness } from "./helpers/harness.js";

type Answer = Awaited<ReturnType<typeof callTool>>;

interface Claim {
  /** The words of the document, whitespace aside. */
  quote: string;
  tool: string;
  args: Record<string, unknown>;
  check: (answer: Answer) => void | Promise<void>;
}

const ROOT = join(import.meta.dirname, "..");
const squash = (s: string): string => s.replace(/\s+/g, " ").trim();
const read = (file: string): string => readFileSync(join(ROOT, file), "utf8");

const dev = (account: string): string => `arn:aws:iam::${account}:role/Developer`;
const breakGlass = (account: string): string => `arn:aws:iam::${account}:role/BreakGlassAdmin`;

let client: Client;
beforeAll(async () => {
  client = await connect(await startHarness());
});
afterAll(async () => {
  await client.close();
});

/** Every `// →` answer of the README's examples, with its continuation lines. */
function readmeAnswers(): string[] {
  const answers: string[] = [];
  for (const line of read("README.md").split("\n")) {
    const arrow = /^\/\/ → (.*)$/.exec(line);
    if (arrow) answers.push(arrow[1]!);
    else if (answers.length && /^\/\/ {3}\S/.test(line) && !line.startsWith("//   //"))
      answers[answers.length - 1] += ` ${line.slice(5)}`;
  }
  // Continuation lines follow their arrow directly; a plain comment after one is not part of it.
  return answers.map(squash);
}

const denialsOf = (a: Answer, action: string) =>
  a.data?.results.find((r: any) => r.action === action) ?? a.data?.denials?.[0];

const README: Claim[] = [
  {
    quote: "DenyRegionsOutsideEU (p-regiondeny1), attached to 1",
    tool: "list_scp_policies",
    args: { nameContains: "region" },
    check: ({ text, data }) => {
      expect(text).toContain("DenyRegionsOutsideEU (p-regiondeny1), attached to 1");
      expect(data?.policies).toEqual([expect.objectContaining({ id: "p-regiondeny1", attachmentCount: 1 })]);
    },
  },
  {
    quote:
      '#0 "DenyAllOutsideEU": Deny every action except [iam:*, organizations:*, account:*] on [*] when StringNotEquals aws:RequestedRegion [eu-west-1, eu-central-1] and ArnNotLike aws:PrincipalArn [arn:aws:iam::*:role/BreakGlassAdmin]; lint: region_deny_missing_global_services (cloudfront, route53, sts, support, ...)',
    tool: "get_scp_detail",
    args: { policyId: "p-regiondeny1" },
    check: ({ text, data }) => {
      expect(squash(text)).toContain(
        '#0 "DenyAllOutsideEU": Deny every action except [iam:*, organizations:*, account:*] on [*] when StringNotEquals aws:RequestedRegion [eu-west-1, eu-central-1] and ArnNotLike aws:PrincipalArn [arn:aws:iam::*:role/BreakGlassAdmin]',
      );
      const [finding] = data?.lint.findings ?? [];
      expect(finding.ruleId).toBe("region_deny_missing_global_services");
      expect(finding.message).toContain("cloudfront, route53, sts, support");
    },
  },
  {
    quote: "ORGANIZATIONAL_UNIT Root/Workloads (ou-a1b2-workload): 6 account(s)",
    tool: "get_scp_targets",
    args: { policyId: "p-regiondeny1" },
    check: ({ text }) =>
      expect(text).toContain("ORGANIZATIONAL_UNIT Root/Workloads (ou-a1b2-workload): 6 account(s)"),
  },
  {
    quote:
      "Root → Workloads → NonProd → Test → app-test, then each policy's statements, one line each; Test (ou-a1b2-test0000): no policies attached -- no Allow at this level: every request is implicitly denied here",
    tool: "get_effective_scps",
    args: { accountId: "240000000003" },
    check: ({ text, data }) => {
      expect(data?.levels.map((l: any) => l.target.name)).toEqual([
        "Root",
        "Workloads",
        "NonProd",
        "Test",
        "app-test",
      ]);
      expect(text).toContain(
        "Test (ou-a1b2-test0000): no policies attached -- no Allow at this level: every request is implicitly denied here",
      );
      expect(text).toContain("    #0: Allow [*] on [*]");
      expect(text).toContain(
        '    #0 "DenyIamUsers": Deny [iam:CreateUser, iam:CreateAccessKey, iam:CreateLoginProfile] on [*]',
      );
    },
  },
  {
    quote:
      'explicitly denied by Deny statement "DenyAllOutsideEU" (#0) of DenyRegionsOutsideEU (p-regiondeny1) attached to OU Workloads (ou-a1b2-workload)',
    tool: "simulate_scp_request",
    args: {
      accountId: "230000000001",
      actions: ["cloudfront:CreateDistribution"],
      region: "us-east-1",
      principalArn: "arn:aws:iam::230000000001:role/app-deployer",
    },
    check: ({ text, data }) => {
      expect(data?.decisions).toEqual([
        { action: "cloudfront:CreateDistribution", decision: "explicitly_denied" },
      ]);
      expect(text).toContain(
        'cloudfront:CreateDistribution: explicitly denied\n  denied by Deny statement "DenyAllOutsideEU" (#0) of DenyRegionsOutsideEU (p-regiondeny1) attached to OU Workloads (ou-a1b2-workload)',
      );
    },
  },
  {
    quote:
      'denied by DenyIamUserCreation (p-denyiamusr1) statement "DenyIamUsers" #0 at Workloads (ou-a1b2-workload)',
    tool: "analyze_error_log",
    args: {
      text: "An error occurred (AccessDenied) when calling the CreateUser operation: User: arn:aws:sts::230000000001:assumed-role/app-deployer/s is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::230000000001:user/x with an explicit deny in a service control policy",
    },
    check: ({ text }) =>
      expect(text).toContain(
        'denied by DenyIamUserCreation (p-denyiamusr1) statement "DenyIamUsers" #0 at Workloads (ou-a1b2-workload)',
      ),
  },
  {
    quote:
      "10 differences, weakening first: an extra exemption for the SecurityAdmin SSO roles and guardduty:DeleteDetector no longer denied in ProtectSecurityServices (both critical, 13 accounts), DenyDisableEbsDefaultEncryption missing, ...; FullAWSAccess detached from the Test OU (high, tightens, 1 account)",
    tool: "compare_scp_config",
    args: {},
    check: ({ data }) => {
      const f = data?.findings ?? [];
      expect(data?.summary.total).toBe(10);
      expect(f.slice(0, 2).map((x: any) => [x.kind, x.severity, x.accountsAffected])).toEqual([
        ["condition_loosened", "critical", 13],
        ["deny_actions_removed", "critical", 13],
      ]);
      expect(f[0].explanation).toContain("AWSReservedSSO_SecurityAdmin_");
      expect(f[1].explanation).toContain('no longer denies "guardduty:DeleteDetector"');
      expect(f[2].kind).toBe("policy_missing");
      expect(f[2].policy.name).toBe("DenyDisableEbsDefaultEncryption");
      expect(f.find((x: any) => x.kind === "full_aws_access_detached")).toMatchObject({
        severity: "high",
        direction: "tightens",
        accountsAffected: 1,
        targets: [expect.objectContaining({ id: "ou-a1b2-test0000" })],
      });
    },
  },
  {
    quote: 'unknown_action "guardduty:DeleteDetecter": replace it with "guardduty:DeleteDetector"',
    tool: "lint_scp_policy",
    args: { policyId: "p-protectsec1" },
    check: ({ text, data }) => {
      expect(data?.findings.map((f: any) => f.ruleId)).toEqual(["unknown_action"]);
      expect(text).toContain('"guardduty:DeleteDetecter" is not an action of guardduty');
      expect(text).toContain('Replace it with "guardduty:DeleteDetector"');
    },
  },
  {
    quote:
      'attached to 23 target(s) (1 root, 8 OUs, 14 accounts) and reaches 13 account(s) in scope; Showing targets 1-10 of 23. Next page: call again with the same arguments and cursor "…"',
    tool: "get_scp_targets",
    args: { policyId: "p-FullAWSAccess", limit: 10 },
    check: ({ text, data }) => {
      expect(text).toContain(
        "attached to 23 target(s) (1 root, 8 OUs, 14 accounts) and reaches 13 account(s) in scope",
      );
      expect(text).toContain(
        `Showing targets 1-10 of 23. Next page: call again with the same arguments and cursor "${data?.page.nextCursor}"`,
      );
    },
  },
];

const DEMO: Claim[] = [
  {
    quote:
      "`lint_scp_policy` on `p-protectsec1` reports `guardduty:DeleteDetecter` as an action that does not exist (and suggests `guardduty:DeleteDetector`).",
    tool: "lint_scp_policy",
    args: { policyId: "p-protectsec1" },
    check: ({ data }) =>
      expect(data?.findings[0]).toMatchObject({
        ruleId: "unknown_action",
        suggestedFix: expect.stringContaining("guardduty:DeleteDetector"),
      }),
  },
  {
    quote:
      "`simulate_scp_request` for `guardduty:DeleteDetector` in `app-prod` (`230000000001`), region `eu-west-1`, principal `arn:aws:iam::230000000001:role/Developer`, returns _allowed_, while `cloudtrail:StopLogging` in the same account is denied by `p-protectsec1`.",
    tool: "simulate_scp_request",
    args: {
      accountId: "230000000001",
      actions: ["guardduty:DeleteDetector", "cloudtrail:StopLogging"],
      region: "eu-west-1",
      principalArn: dev("230000000001"),
    },
    check: (a) => {
      expect(denialsOf(a, "guardduty:DeleteDetector").decision).toBe("allowed");
      const stop = denialsOf(a, "cloudtrail:StopLogging");
      expect(stop.decision).toBe("explicitly_denied");
      expect(stop.scp.deniedBy.map((s: any) => s.policyId)).toEqual(["p-protectsec1"]);
    },
  },
  {
    quote: "Without a principal the answer is _depends_on_context_ on `aws:PrincipalArn`",
    tool: "simulate_scp_request",
    args: { accountId: "230000000001", actions: ["guardduty:DeleteDetector"], region: "eu-west-1" },
    check: (a) => {
      const r = denialsOf(a, "guardduty:DeleteDetector");
      expect(r.decision).toBe("depends_on_context");
      expect(r.scp.missingContextKeys).toEqual(["aws:PrincipalArn"]);
    },
  },
  {
    quote: "`get_scp_detail` on `p-protectsec1` shows the document with the typo.",
    tool: "get_scp_detail",
    args: { policyId: "p-protectsec1" },
    check: ({ text, data }) => {
      expect(data?.document.raw).toContain("guardduty:DeleteDetecter");
      expect(text).toContain("guardduty:DeleteDetecter");
    },
  },
  {
    quote:
      "`get_effective_scps` for `240000000003` shows the chain Root / Workloads / NonProd / Test / account with **no Allow at the Test level**.",
    tool: "get_effective_scps",
    args: { accountId: "240000000003" },
    check: ({ text, data }) => {
      expect(data?.ouPath).toBe("Root/Workloads/NonProd/Test/app-test");
      expect(data?.levelsWithoutPolicies).toEqual(["ou-a1b2-test0000"]);
      expect(text).toMatch(/Test \(ou-a1b2-test0000\): no policies attached -- no Allow at this level/);
    },
  },
  {
    quote:
      "`simulate_scp_request` for any action (say `s3:ListAllMyBuckets`) in `240000000003` returns an implicit deny at `ou-a1b2-test0000`",
    tool: "simulate_scp_request",
    args: {
      accountId: "240000000003",
      actions: ["s3:ListAllMyBuckets"],
      region: "eu-west-1",
      principalArn: dev("240000000003"),
    },
    check: (a) => {
      const r = denialsOf(a, "s3:ListAllMyBuckets");
      expect(r.decision).toBe("implicitly_denied");
      expect(r.scp.missingAllowAt.map((m: any) => m.targetId)).toEqual(["ou-a1b2-test0000"]);
    },
  },
  {
    quote:
      "the same request in `app-dev` (`240000000001`) is allowed (in `eu-west-1`, from a principal such as `arn:aws:iam::240000000001:role/Developer`).",
    tool: "simulate_scp_request",
    args: {
      accountId: "240000000001",
      actions: ["s3:ListAllMyBuckets"],
      region: "eu-west-1",
      principalArn: dev("240000000001"),
    },
    check: (a) => expect(denialsOf(a, "s3:ListAllMyBuckets").decision).toBe("allowed"),
  },
  {
    quote: "explains the implicit deny and points to the Test OU.",
    tool: "analyze_error_log",
    args: {
      text: "User: arn:aws:sts::240000000003:assumed-role/Developer/alice is not authorized to perform: s3:ListAllMyBuckets because no service control policy allows the s3:ListAllMyBuckets action",
    },
    check: ({ text, data }) => {
      expect(data?.denials[0].decision).toBe("implicitly_denied");
      expect(text).toContain("no Allow at Test (ou-a1b2-test0000)");
      expect(text).toMatch(/fix: Attach FullAWSAccess .* to Test \(ou-a1b2-test0000\)/);
    },
  },
  {
    quote:
      "`get_scp_targets` for `p-FullAWSAccess` lists every OU except Test and Sandbox (Sandbox is intentional, see below).",
    tool: "get_scp_targets",
    args: { policyId: "p-FullAWSAccess", limit: 200 },
    check: ({ data }) => {
      const ous = data?.targets.filter((t: any) => t.type === "ORGANIZATIONAL_UNIT").map((t: any) => t.name);
      expect(ous.sort()).toEqual(
        ["Dev", "Infrastructure", "NonProd", "Payments", "Prod", "Security", "Suspended", "Workloads"].sort(),
      );
    },
  },
  {
    quote:
      "`compare_scp_config` against a baseline that expects `FullAWSAccess` on every OU reports Test as missing it.",
    tool: "compare_scp_config",
    args: {},
    check: ({ data }) =>
      expect(
        data?.findings.find(
          (f: any) => f.kind === "full_aws_access_detached" && f.targets[0]?.id === "ou-a1b2-test0000",
        ),
      ).toBeDefined(),
  },
  {
    quote:
      "`simulate_scp_request` for `cloudfront:CreateDistribution` (or `support:CreateCase`, `route53:ChangeResourceRecordSets`) in region `us-east-1` from `app-prod` (`230000000001`), with a principal such as `arn:aws:iam::230000000001:role/Developer`, returns an explicit deny by `p-regiondeny1`, statement `DenyAllOutsideEU`.",
    tool: "simulate_scp_request",
    args: {
      accountId: "230000000001",
      actions: ["cloudfront:CreateDistribution", "support:CreateCase", "route53:ChangeResourceRecordSets"],
      region: "us-east-1",
      principalArn: dev("230000000001"),
    },
    check: ({ data }) => {
      for (const r of data?.results ?? []) {
        expect(r.decision, r.action).toBe("explicitly_denied");
        expect(r.scp.deniedBy.map((s: any) => [s.policyId, s.sid])).toEqual([
          ["p-regiondeny1", "DenyAllOutsideEU"],
        ]);
      }
      expect(data?.results).toHaveLength(3);
    },
  },
  {
    quote:
      'identifies the region-restriction policy: the log carries no region, but CloudFront is a global service, which AWS authorizes in `us-east-1`, so the answer is an explicit deny by `DenyAllOutsideEU`, with its fixes (exempt the action in `NotAction`, or the role; no "use another region": CloudFront is global).',
    tool: "analyze_error_log",
    args: {
      text: "User: arn:aws:sts::230000000001:assumed-role/Deployer/pipeline is not authorized to perform: cloudfront:CreateDistribution with an explicit deny in a service control policy",
    },
    check: ({ data }) => {
      const d = data?.denials[0];
      expect(d.facts.region).toBeNull();
      expect(d.decision).toBe("explicitly_denied");
      expect(d.scp.deniedBy.map((s: any) => s.sid)).toEqual(["DenyAllOutsideEU"]);
      const kinds = d.remediation.map((r: any) => r.kind);
      expect(kinds).toEqual(expect.arrayContaining(["exempt_action", "exempt_principal"]));
      expect(kinds).not.toContain("use_allowed_region");
    },
  },
  {
    quote:
      "`lint_scp_policy` on `p-regiondeny1` warns that a region-deny `NotAction` list does not exempt the global services.",
    tool: "lint_scp_policy",
    args: { policyId: "p-regiondeny1" },
    check: ({ data }) =>
      expect(data?.findings.map((f: any) => f.ruleId)).toEqual(["region_deny_missing_global_services"]),
  },
  {
    quote: "`lint_scp_policy` on `p-denyiamusr1` reports a Deny with no principal exemption.",
    tool: "lint_scp_policy",
    args: { policyId: "p-denyiamusr1" },
    check: ({ data }) => expect(data?.findings.map((f: any) => f.ruleId)).toEqual(["deny_without_exemption"]),
  },
  {
    quote:
      "`simulate_scp_request` for `iam:CreateUser` in `230000000001` with principal `arn:aws:iam::230000000001:role/BreakGlassAdmin` is denied by `p-denyiamusr1`, whereas the same principal is exempt from `p-protectpay1` (try `s3:DeleteBucket`).",
    tool: "simulate_scp_request",
    args: {
      accountId: "230000000001",
      actions: ["iam:CreateUser", "s3:DeleteBucket"],
      region: "eu-west-1",
      principalArn: breakGlass("230000000001"),
    },
    check: (a) => {
      const create = denialsOf(a, "iam:CreateUser");
      expect(create.scp.deniedBy.map((s: any) => s.policyId)).toEqual(["p-denyiamusr1"]);
      expect(denialsOf(a, "s3:DeleteBucket").decision).toBe("allowed");
    },
  },
  {
    quote:
      '`lint_scp_policy` on `p-protectnet1` reports `policy_size`: "the document is 9909 characters, 97% of the SCP quota of 10240 (3884 of them whitespace outside strings, which AWS counts: minified it is 6025)", with the fix.',
    tool: "lint_scp_policy",
    args: { policyId: "p-protectnet1" },
    check: ({ data }) =>
      expect(data?.findings).toEqual([
        expect.objectContaining({
          ruleId: "policy_size",
          message:
            "the document is 9909 characters, 97% of the SCP quota of 10240 (3884 of them whitespace outside strings, which AWS counts: minified it is 6025)",
          suggestedFix: expect.stringContaining("minified"),
        }),
      ]),
  },
  {
    quote:
      '`get_scp_detail` on `p-protectnet1` shows "9909 of 10240 characters (96.8%)" and the same lint finding.',
    tool: "get_scp_detail",
    args: { policyId: "p-protectnet1" },
    check: ({ text, data }) => {
      expect(text).toContain("9909 of 10240 characters (96.8%)");
      expect(data?.lint.findings.map((f: any) => f.ruleId)).toEqual(["policy_size"]);
    },
  },
  {
    quote:
      '`list_scp_policies` marks it "9909 of 10240 characters: near the size quota" (the only policy so marked).',
    tool: "list_scp_policies",
    args: {},
    check: ({ text }) => {
      expect(text).toContain(
        "ProtectNetworkBaseline (p-protectnet1), attached to 1, 9909 of 10240 characters: near the size quota",
      );
      expect(text.match(/near the size quota/g)).toHaveLength(1);
    },
  },
  {
    quote: "`compare_scp_config` does **not** report it",
    tool: "compare_scp_config",
    args: {},
    check: ({ data }) =>
      expect(data?.findings.filter((f: any) => f.policy.name === "ProtectNetworkBaseline")).toEqual([]),
  },
  {
    quote: "(`lint_scp_policy` on any Prod policy reports nothing about it;",
    tool: "lint_scp_policy",
    args: { policyId: "p-protectpay1" },
    check: ({ data }) => expect(data?.findingCount).toBe(0),
  },
  {
    quote: 'pass `limits: {"policiesPerTarget": 5}` to see the old quota\'s verdict)',
    tool: "lint_scp_policy",
    args: { policyId: "p-protectpay1", limits: { policiesPerTarget: 5 } },
    check: ({ data }) =>
      expect(data?.findings).toEqual([
        expect.objectContaining({
          ruleId: "policies_per_target",
          message: expect.stringContaining(
            "Root/Workloads/Prod (ou-a1b2-prod0000) is at the quota of 5 SCPs",
          ),
        }),
      ]),
  },
  {
    quote: '"Can BreakGlassAdmin delete an S3 bucket in payments-prod?" (`simulate_scp_request`: allowed)',
    tool: "simulate_scp_request",
    args: {
      accountId: "230000000003",
      actions: ["s3:DeleteBucket"],
      region: "eu-west-1",
      principalArn: breakGlass("230000000003"),
    },
    check: (a) => expect(denialsOf(a, "s3:DeleteBucket").decision).toBe("allowed"),
  },
  {
    quote:
      '(`simulate_scp_request` for `ec2:RunInstances` on `arn:aws:ec2:eu-west-1:230000000001:instance/*` with `"context": { "aws:RequestTag/CostCenter": [] }`: denied by `p-requiretag1`.',
    tool: "simulate_scp_request",
    args: {
      accountId: "230000000001",
      actions: ["ec2:RunInstances"],
      resource: "arn:aws:ec2:eu-west-1:230000000001:instance/*",
      region: "eu-west-1",
      principalArn: dev("230000000001"),
      context: { "aws:RequestTag/CostCenter": [] },
    },
    check: (a) =>
      expect(denialsOf(a, "ec2:RunInstances").scp.deniedBy.map((s: any) => s.policyId)).toEqual([
        "p-requiretag1",
      ]),
  },
  {
    quote:
      "left out, the key is unknown and the answer is _depends_on_context_, since the server never guesses a request's tags)",
    tool: "simulate_scp_request",
    args: {
      accountId: "230000000001",
      actions: ["ec2:RunInstances"],
      resource: "arn:aws:ec2:eu-west-1:230000000001:instance/*",
      region: "eu-west-1",
      principalArn: dev("230000000001"),
    },
    check: (a) => {
      const r = denialsOf(a, "ec2:RunInstances");
      expect(r.decision).toBe("depends_on_context");
      expect(r.scp.missingContextKeys).toContain("aws:RequestTag/CostCenter");
    },
  },
  {
    quote:
      '"Can sandbox-alice create an SNS topic?" (`simulate_scp_request`: implicitly denied by the Sandbox allow-list)',
    tool: "simulate_scp_request",
    args: {
      accountId: "250000000001",
      actions: ["sns:CreateTopic"],
      region: "eu-west-1",
      principalArn: dev("250000000001"),
    },
    check: (a) => {
      const r = denialsOf(a, "sns:CreateTopic");
      expect(r.decision).toBe("implicitly_denied");
      expect(r.scp.missingAllowAt.map((m: any) => m.targetId)).toEqual(["ou-a1b2-sandbox0"]);
    },
  },
  {
    quote: '"Can the root user of audit do anything?" (`simulate_scp_request`: denied by `p-denyroot001`)',
    tool: "simulate_scp_request",
    args: {
      accountId: "210000000002",
      actions: ["s3:ListAllMyBuckets"],
      region: "eu-west-1",
      principalArn: "arn:aws:iam::210000000002:root",
    },
    check: (a) =>
      expect(denialsOf(a, "s3:ListAllMyBuckets").scp.deniedBy.map((s: any) => s.policyId)).toEqual([
        "p-denyroot001",
      ]),
  },
];

describe("README examples", () => {
  it("every `// →` answer has its claim here, and no claim is left without its answer", () => {
    expect(readmeAnswers().sort()).toEqual(README.map((c) => squash(c.quote)).sort());
  });

  it.each(README.map((c) => [`${c.tool}: ${c.quote.slice(0, 70)}`, c] as const))(
    "%s",
    async (_name, claim) => {
      const answer = await callTool(client, claim.tool, claim.args);
      expect(answer.result.isError, answer.text).toBeFalsy();
      await claim.check(answer);
    },
  );
});

describe("docs/demo-organization.md", () => {
  const doc = squash(read("docs/demo-organization.md"));

  it.each(DEMO.map((c) => [`${c.tool}: ${c.quote.slice(0, 70)}`, c] as const))("%s", async (_name, claim) => {
    expect(doc, "the document no longer says this: update the claim with it").toContain(squash(claim.quote));
    const answer = await callTool(client, claim.tool, claim.args);
    expect(answer.result.isError, answer.text).toBeFalsy();
    await claim.check(answer);
  });
});
