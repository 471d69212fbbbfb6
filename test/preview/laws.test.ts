/**
 * The laws of the replay (issue 18), as properties over random organizations, activity and changes:
 * an identical change gives no difference; adding a Deny never gives newlyAllowed; removing a Deny
 * never gives newlyDenied; the management account and service-linked roles are never newly denied
 * by an SCP.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { ChainTarget, EffectiveChain } from "../../src/model/chain.js";
import type { Policy } from "../../src/model/organization.js";
import { primeCatalogue } from "../../src/policy/catalogue.js";
import { applyChanges, type PrimitiveChange } from "../../src/preview/change.js";
import type { RecordedRequest } from "../../src/preview/records.js";
import { replay, type ReplayResult } from "../../src/preview/replay.js";
import { ActivityTable } from "../../src/preview/table.js";

const MGMT = "111111111111";
const ACCOUNTS = [MGMT, "200000000001", "200000000002"];
const ROOT: ChainTarget = { id: "r-ab12", type: "ROOT", name: "Root" };
const OU: ChainTarget = { id: "ou-ab12-aaaaaaaa", type: "ORGANIZATIONAL_UNIT", name: "Workloads" };
const SLR = "role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";
const NOW = new Date("2026-12-01T00:00:00Z");
const RUNS = Number(process.env["LAW_RUNS"] ?? 150);

type Statement = Record<string, unknown>;

const FULL: Policy = {
  id: "p-FullAWSAccess",
  name: "FullAWSAccess",
  description: "",
  type: "SERVICE_CONTROL_POLICY",
  awsManaged: true,
  content: JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
  }),
};

const conditionArb = fc.constantFrom<Record<string, unknown> | undefined>(
  undefined,
  { StringNotEquals: { "aws:RequestedRegion": ["eu-west-1", "eu-central-1"] } },
  { ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/Admin" } },
  { Bool: { "aws:SecureTransport": "false" } },
  { StringEquals: { "aws:PrincipalTag/team": "payments" } },
  { NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } },
  { StringLike: { "aws:PrincipalArn": "arn:aws:iam::*:root" } },
);

const denyArb: fc.Arbitrary<Statement> = fc
  .record({
    notAction: fc.boolean(),
    actions: fc.subarray(["s3:*", "s3:GetObject", "ec2:RunInstances", "iam:*", "*", "sqs:SendMessage"], {
      minLength: 1,
    }),
    resource: fc.constantFrom("*", "arn:aws:s3:::data/*"),
    condition: conditionArb,
  })
  .map(({ notAction, actions, resource, condition }) => ({
    Effect: "Deny",
    [notAction ? "NotAction" : "Action"]: actions,
    Resource: resource,
    ...(condition ? { Condition: condition } : {}),
  }));

const allowListArb: fc.Arbitrary<Statement> = fc
  .subarray(["s3:*", "ec2:*", "iam:*", "sqs:SendMessage", "s3:GetObject"], { minLength: 1 })
  .map((actions) => ({ Effect: "Allow", Action: actions, Resource: "*" }));

function policy(id: string, statements: Statement[]): Policy {
  return {
    id,
    name: id,
    description: "",
    type: "SERVICE_CONTROL_POLICY",
    awsManaged: false,
    content: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
  };
}

interface World {
  chains: Map<string, EffectiveChain>;
  /** Deny-only policies: [level target id, policy]. */
  denyPolicies: [string, Policy][];
}

const worldArb: fc.Arbitrary<World> = fc
  .record({
    rootDeny: fc.array(denyArb, { minLength: 1, maxLength: 3 }),
    ouDeny: fc.array(denyArb, { maxLength: 2 }),
    ouAllowList: fc.option(allowListArb, { nil: undefined }),
  })
  .map(({ rootDeny, ouDeny, ouAllowList }) => {
    const rootP = policy("p-rootdeny01", rootDeny);
    const ouP = ouDeny.length ? policy("p-oudeny0001", ouDeny) : undefined;
    const ouPolicies = [ouAllowList ? policy("p-allowlist01", [ouAllowList]) : FULL, ...(ouP ? [ouP] : [])];
    const chains = new Map<string, EffectiveChain>();
    for (const account of ACCOUNTS) {
      const target: ChainTarget = { id: account, type: "ACCOUNT", name: account };
      const mgmt = account === MGMT;
      chains.set(account, {
        policyType: "SERVICE_CONTROL_POLICY",
        target,
        levels: mgmt
          ? [
              { target: ROOT, policies: [FULL, rootP] },
              { target, policies: [FULL] },
            ]
          : [
              { target: ROOT, policies: [FULL, rootP] },
              { target: OU, policies: ouPolicies },
              { target, policies: [FULL] },
            ],
        ouPath: mgmt ? "Root/mgmt" : "Root/Workloads/acct",
        isManagementAccount: mgmt,
        managementAccountId: MGMT,
      });
    }
    return {
      chains,
      denyPolicies: [[ROOT.id, rootP], ...(ouP ? ([[OU.id, ouP]] as [string, Policy][]) : [])],
    };
  });

const requestArb: fc.Arbitrary<RecordedRequest> = fc
  .record({
    accountId: fc.constantFrom(...ACCOUNTS),
    principal: fc.constantFrom("role/Dev", "role/Admin", SLR, "user/alice", "root"),
    action: fc.constantFrom(
      "s3:GetObject",
      "s3:PutObject",
      "ec2:RunInstances",
      "iam:CreateRole",
      "sqs:SendMessage",
    ),
    region: fc.option(fc.constantFrom("eu-west-1", "us-east-1"), { nil: undefined }),
    resource: fc.option(fc.constantFrom("arn:aws:s3:::data/x", "arn:aws:s3:::other/y"), { nil: undefined }),
    tls: fc.option(fc.constantFrom("true", "false"), { nil: undefined }),
    ip: fc.option(fc.constantFrom("10.1.2.3", "203.0.113.5"), { nil: undefined }),
  })
  .map((r) => ({
    accountId: r.accountId,
    principalArn: `arn:aws:iam::${r.accountId}:${r.principal}`,
    action: r.action,
    ...(r.region ? { region: r.region } : {}),
    ...(r.resource ? { resource: r.resource } : {}),
    context: {
      ...(r.tls ? { "aws:SecureTransport": r.tls } : {}),
      ...(r.ip ? { "aws:SourceIp": r.ip } : {}),
    },
  }));

const activityArb = fc.array(fc.tuple(requestArb, fc.integer({ min: 1, max: 5 })), {
  minLength: 1,
  maxLength: 25,
});

function run(world: World, activity: [RecordedRequest, number][], changes: PrimitiveChange[]): ReplayResult {
  const table = new ActivityTable();
  for (const [r, n] of activity) table.add(r, n, "2026-11-30T00:00:00Z");
  const after = new Map([...world.chains].map(([a, c]) => [a, applyChanges(c, changes)]));
  return replay(
    table.values(),
    (r) => ({
      pairs: [
        {
          policyType: "SERVICE_CONTROL_POLICY",
          before: world.chains.get(r.accountId)!,
          after: after.get(r.accountId)!,
        },
      ],
      context: {},
    }),
    NOW,
  );
}

const statementsOf = (p: Policy): Statement[] =>
  (JSON.parse(p.content) as { Statement: Statement[] }).Statement;

beforeAll(async () => {
  await primeCatalogue({ services: ["s3", "ec2", "iam", "sqs"] });
});

describe("laws of the replay", () => {
  it("an identical change (the same statements, reordered and re-serialised) gives no difference", () => {
    fc.assert(
      fc.property(worldArb, activityArb, (world, activity) => {
        const [, p] = world.denyPolicies[0]!;
        const content = JSON.stringify(
          { Statement: [...statementsOf(p)].reverse(), Version: "2012-10-17" },
          null,
          2,
        );
        const result = run(world, activity, [
          { kind: "update", policyId: p.id, policyType: "SERVICE_CONTROL_POLICY", content },
        ]);
        expect(
          result.counts.newlyDenied + result.counts.newlyAllowed + result.counts.nowDependsOnContext,
        ).toBe(0);
        expect(result.counts.unchanged).toBe(result.counts.events);
      }),
      { numRuns: RUNS },
    );
  });

  it("adding a Deny never gives newlyAllowed", () => {
    let denied = 0;
    fc.assert(
      fc.property(
        worldArb,
        activityArb,
        denyArb,
        fc.boolean(),
        fc.constantFrom(ROOT.id, OU.id, ACCOUNTS[1]!),
        (world, activity, deny, asNewPolicy, at) => {
          const [, p] = world.denyPolicies[0]!;
          const change: PrimitiveChange = asNewPolicy
            ? { kind: "attach", policy: policy("p-newdeny001", [deny]), targetId: at }
            : {
                kind: "update",
                policyId: p.id,
                policyType: "SERVICE_CONTROL_POLICY",
                content: JSON.stringify({ Version: "2012-10-17", Statement: [...statementsOf(p), deny] }),
              };
          const result = run(world, activity, [change]);
          expect(result.counts.newlyAllowed).toBe(0);
          expect(result.groups.newlyAllowed).toEqual([]);
          denied += result.counts.newlyDenied;
        },
      ),
      { numRuns: RUNS },
    );
    // Not vacuous: the added denials do deny something in some runs.
    expect(denied).toBeGreaterThan(0);
  });

  it("removing a Deny never gives newlyDenied", () => {
    let allowed = 0;
    fc.assert(
      fc.property(worldArb, activityArb, fc.nat(), fc.boolean(), (world, activity, pick, wholePolicy) => {
        const [at, p] = world.denyPolicies[pick % world.denyPolicies.length]!;
        const statements = statementsOf(p);
        const change: PrimitiveChange =
          wholePolicy || statements.length === 1
            ? { kind: "detach", policyId: p.id, policyType: "SERVICE_CONTROL_POLICY", targetId: at }
            : {
                kind: "update",
                policyId: p.id,
                policyType: "SERVICE_CONTROL_POLICY",
                content: JSON.stringify({
                  Version: "2012-10-17",
                  Statement: statements.filter((_, i) => i !== pick % statements.length),
                }),
              };
        const result = run(world, activity, [change]);
        expect(result.counts.newlyDenied).toBe(0);
        expect(result.groups.newlyDenied).toEqual([]);
        allowed += result.counts.newlyAllowed + result.counts.nowDependsOnContext;
      }),
      { numRuns: RUNS },
    );
    expect(allowed).toBeGreaterThan(0);
  });

  it("the management account and service-linked roles are never newly denied by an SCP, whatever the change", () => {
    const anyChange: fc.Arbitrary<PrimitiveChange[]> = fc.array(
      fc.oneof(
        fc
          .record({ deny: denyArb, at: fc.constantFrom(ROOT.id, OU.id, ...ACCOUNTS) })
          .map(({ deny, at }): PrimitiveChange => ({
            kind: "attach",
            policy: policy("p-anydeny0001", [deny]),
            targetId: at,
          })),
        fc.constantFrom(ROOT.id, OU.id, ...ACCOUNTS).map((at): PrimitiveChange => ({
          kind: "detach",
          policyId: FULL.id,
          policyType: "SERVICE_CONTROL_POLICY",
          targetId: at,
        })),
        allowListArb.map((allow): PrimitiveChange => ({
          kind: "update",
          policyId: "p-rootdeny01",
          policyType: "SERVICE_CONTROL_POLICY",
          content: JSON.stringify({
            Version: "2012-10-17",
            Statement: [allow, { Effect: "Deny", Action: "*", Resource: "*" }],
          }),
        })),
      ),
      { minLength: 1, maxLength: 3 },
    );
    let others = 0;
    fc.assert(
      fc.property(worldArb, activityArb, anyChange, (world, activity, changes) => {
        const result = run(world, activity, changes);
        others += result.counts.newlyDenied;
        for (const g of result.groups.newlyDenied) {
          expect(g.accountId).not.toBe(MGMT);
          expect(g.principal).not.toContain("/aws-service-role/");
        }
      }),
      { numRuns: RUNS },
    );
    // Other principals are newly denied by the same changes.
    expect(others).toBeGreaterThan(0);
  });

  it("a change that denies everything is seen (the laws are not vacuous)", () => {
    const world = fc.sample(worldArb, { numRuns: 1, seed: 7 })[0]!;
    const result = run(
      world,
      [
        [
          {
            accountId: ACCOUNTS[1]!,
            principalArn: `arn:aws:iam::${ACCOUNTS[1]}:role/Dev`,
            action: "sqs:SendMessage",
            context: { "aws:SecureTransport": "true" },
          },
          3,
        ],
      ],
      [{ kind: "detach", policyId: FULL.id, policyType: "SERVICE_CONTROL_POLICY", targetId: ACCOUNTS[1]! }],
    );
    // Either already denied (the random root deny) or newly denied: never allowed after.
    expect(result.counts.newlyAllowed).toBe(0);
    expect(result.counts.newlyDenied + result.counts.unchanged).toBe(3);
  });
});
