/**
 * preview_policy_change through an MCP client over HTTP, on the demo organization: the bundled day
 * of activity by default, pasted records with bad parts, the scope guard, bad documents, and the
 * size of the answer.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { previewChange, resolveChange } from "../src/audit/preview-change.js";
import demoActivity from "../src/org/demo/demo-activity.json" with { type: "json" };
import { demoSnapshot } from "../src/org/demo/demo-snapshot.js";
import { OrganizationService } from "../src/org/service.js";
import { createSnapshotReader } from "../src/org/snapshot-reader.js";
import { activityFromText } from "../src/preview/activity.js";
import { cloudTrailRecord, type RecordSpec } from "./fake-aws/cloudtrail-records.js";
import { callTool, connect, startHarness, type Harness } from "./helpers/harness.js";

let client: Client;
let scoped: Client;

beforeAll(async () => {
  client = await connect(await startHarness({}));
  scoped = await connect(await startHarness({ ALLOWED_OU_IDS: "ou-a1b2-workload" }));
});
afterAll(async () => {
  await client.close();
  await scoped.close();
});

const REGION_DENY = (notAction: string[]) => ({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "DenyAllOutsideEU",
      Effect: "Deny",
      NotAction: notAction,
      Resource: "*",
      Condition: {
        StringNotEquals: { "aws:RequestedRegion": ["eu-west-1", "eu-central-1"] },
        ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/BreakGlassAdmin" },
      },
    },
  ],
});

const spec = (over: Partial<RecordSpec>): RecordSpec => ({
  time: "2026-11-30T10:00:00Z",
  accountId: "230000000001",
  principal: "role/Developer",
  eventSource: "s3.amazonaws.com",
  eventName: "ListBuckets",
  region: "eu-west-1",
  ...over,
});

const paste = (specs: RecordSpec[]): string =>
  JSON.stringify({ Records: specs.map((s, n) => cloudTrailRecord({ ...s, n })) });

describe("preview_policy_change on the demo organization", () => {
  it("detaching FullAWSAccess from Prod breaks the Prod roles, never the SLR or the management account", async () => {
    const { result, data, text } = await callTool(client, "preview_policy_change", {
      change: { kind: "detach", policyId: "p-FullAWSAccess", targetId: "ou-a1b2-prod0000" },
    });
    expect(result.isError).toBeFalsy();
    expect(data!.verdict).toMatch(/^Breaks \d+ roles in 3 accounts/);
    expect(data!.activity.source).toContain("bundled sample");
    const denied = data!.newlyDenied as any[];
    expect(denied.length).toBeGreaterThan(0);
    const top = denied[0];
    expect(top).toMatchObject({
      before: "allowed",
      after: "implicitly_denied",
      missingAllowAt: {
        targetId: "ou-a1b2-prod0000",
        targetName: "Prod",
        policyType: "SERVICE_CONTROL_POLICY",
      },
    });
    expect(top.firstSeen <= top.lastSeen).toBe(true);
    for (const g of denied) {
      expect(["230000000001", "230000000002", "230000000003"]).toContain(g.accountId);
      expect(g.principal).not.toContain("aws-service-role");
    }
    expect(data!.counts.notReached).toBeGreaterThan(0);
    expect(text).toContain("Newly denied:");
  });

  it("detaching FullAWSAccess from the root: the management account and service-linked roles stay allowed", async () => {
    // Every group, not only those the answer's budget lists: through the organization layer itself.
    const org = new OrganizationService(createSnapshotReader(demoSnapshot(), "demo"), undefined);
    const change = await resolveChange(org, {
      kind: "detach",
      policyId: "p-FullAWSAccess",
      targetId: "r-a1b2",
    });
    const activity = activityFromText(JSON.stringify(demoActivity), "demo", 100_000);
    const report = await previewChange(org, change, activity, { maxGroups: 1000, budgetBytes: 10_000_000 });
    const denied = report.replay.newlyDenied;
    expect(report.replay.omittedGroups.newlyDenied).toBe(0);
    expect(denied.length).toBeGreaterThan(10);
    const principals = new Set([...activity.table.values()].map((d) => d.request.principalArn ?? ""));
    expect([...principals].some((p) => p.includes("/aws-service-role/"))).toBe(true);
    expect([...activity.table.values()].some((d) => d.request.accountId === "111111111111")).toBe(true);
    for (const g of denied) {
      expect(g.accountId).not.toBe("111111111111");
      expect(g.principal).not.toContain("/aws-service-role/");
    }
  });

  it("adding global services to the region deny newly allows the CloudFront calls it blocked", async () => {
    const { data } = await callTool(client, "preview_policy_change", {
      change: {
        kind: "update",
        policyId: "p-regiondeny1",
        document: REGION_DENY([
          "iam:*",
          "organizations:*",
          "account:*",
          "cloudfront:*",
          "route53:*",
          "sts:*",
        ]),
      },
    });
    expect(data!.newlyDenied).toEqual([]);
    const allowed = data!.newlyAllowed as any[];
    expect(allowed.map((g) => g.action)).toContain("cloudfront:CreateInvalidation");
    const cf = allowed.find((g) => g.action === "cloudfront:CreateInvalidation");
    expect(cf).toMatchObject({
      before: "explicitly_denied",
      after: "allowed",
      recordedErrors: cf.events,
      decidingStatement: { policyId: "p-regiondeny1", sid: "DenyAllOutsideEU", statementIndex: 0 },
    });
    expect(data!.change.documentChanges.map((d: any) => d.kind)).toContain("deny_actions_removed");
  });

  it("the same document, reformatted, changes nothing", async () => {
    const { data } = await callTool(client, "preview_policy_change", {
      change: {
        kind: "update",
        policyId: "p-regiondeny1",
        document: JSON.stringify(REGION_DENY(["account:*", "iam:*", "organizations:*"]), null, 4),
      },
    });
    expect(data!.verdict).toMatch(/^Changes nothing in the recorded activity/);
    expect(data!.notes).toContain(
      "The new document is semantically identical to the current one (only cosmetic differences).",
    );
  });

  it("a new deny policy: what it breaks, with the statement that decides", async () => {
    const { data } = await callTool(client, "preview_policy_change", {
      change: {
        kind: "create",
        name: "DenyKmsDecrypt",
        targetIds: ["ou-a1b2-payments"],
        document: {
          Version: "2012-10-17",
          Statement: [{ Sid: "NoDecrypt", Effect: "Deny", Action: "kms:Decrypt", Resource: "*" }],
        },
      },
    });
    expect(data!.newlyDenied).toEqual([
      expect.objectContaining({
        principal: "arn:aws:iam::230000000003:role/payments-app",
        action: "kms:Decrypt",
        accountId: "230000000003",
        after: "explicitly_denied",
        decidingStatement: expect.objectContaining({ policyName: "DenyKmsDecrypt", sid: "NoDecrypt" }),
      }),
    ]);
  });

  it("pasted records: bad parts counted with their line, the rest replayed", async () => {
    const good = paste([spec({}), spec({ principal: "role/BreakGlassAdmin" })]);
    const text = [
      "here are the events:",
      good,
      '{"not": "cloudtrail"}',
      JSON.stringify(cloudTrailRecord(spec({}))).slice(0, 200),
    ].join("\n");
    const { data } = await callTool(client, "preview_policy_change", {
      change: { kind: "detach", policyId: "p-FullAWSAccess", targetId: "230000000001" },
      activity: { events: text },
    });
    expect(data!.counts).toMatchObject({ replayed: 2, newlyDenied: 2 });
    const reasons = Object.fromEntries((data!.skipped as any[]).map((s) => [s.reason, s]));
    expect(reasons["truncated_json"]).toMatchObject({ events: 1, firstLine: 4 });
    expect(reasons["not_cloudtrail"]).toMatchObject({ firstLine: 1 });
  });

  it("records of accounts outside the scope are skipped and counted, never named, like nonexistent ones", async () => {
    const call = (accountId: string) =>
      callTool(scoped, "preview_policy_change", {
        change: { kind: "detach", policyId: "p-FullAWSAccess", targetId: "ou-a1b2-prod0000" },
        activity: {
          events: paste([spec({}), spec({ accountId }), spec({ accountId, principal: "role/Other" })]),
        },
      });
    const hidden = await call("210000000002"); // audit, in the Security OU: outside the scope
    const missing = await call("999999999999"); // exists nowhere
    expect(hidden.data).toEqual(missing.data);
    expect(hidden.text).toEqual(missing.text);
    expect(JSON.stringify(hidden.data)).not.toContain("210000000002");
    expect(hidden.data!.skipped).toEqual([expect.objectContaining({ reason: "outside_scope", events: 2 })]);
    expect(hidden.data!.counts.newlyDenied).toBe(1);
  });

  it("a policy or target outside the scope gets the answer of one that does not exist", async () => {
    const hidden = await callTool(scoped, "preview_policy_change", {
      change: { kind: "attach", policyId: "p-denyall0001", targetId: "ou-a1b2-prod0000" },
    });
    const missing = await callTool(scoped, "preview_policy_change", {
      change: { kind: "attach", policyId: "p-doesnotexist", targetId: "ou-a1b2-prod0000" },
    });
    expect(hidden.result.isError).toBe(true);
    expect(hidden.text.replace("p-denyall0001", "ID")).toEqual(missing.text.replace("p-doesnotexist", "ID"));
  });

  it("a document that is not a valid SCP gets a specific message", async () => {
    const { result, text } = await callTool(client, "preview_policy_change", {
      change: {
        kind: "update",
        policyId: "p-regiondeny1",
        document: { Version: "2012-10-17", Statement: [{ Effect: "Dent", Action: "s3:*", Resource: "*" }] },
      },
    });
    expect(result.isError).toBe(true);
    expect(text).toMatch(/The document is not a valid SCP: .*Effect/);
  });

  it("detaching a policy that is not attached there says so", async () => {
    const { result, text } = await callTool(client, "preview_policy_change", {
      change: { kind: "detach", policyId: "p-regiondeny1", targetId: "ou-a1b2-sandbox0" },
    });
    expect(result.isError).toBe(true);
    expect(text).toContain("is not attached to Sandbox (ou-a1b2-sandbox0)");
  });

  it("the answer stays bounded whatever the activity: many principals, long names", async () => {
    const specs: RecordSpec[] = [];
    for (let i = 0; i < 3000; i++)
      specs.push(
        spec({
          principal: `role/${"x".repeat(200)}-${i}`,
          eventName: i % 2 ? "ListBuckets" : "GetBucketAcl",
          accountId: i % 3 ? "230000000001" : "230000000002",
        }),
      );
    const { data, text } = await callTool(client, "preview_policy_change", {
      change: { kind: "detach", policyId: "p-FullAWSAccess", targetId: "ou-a1b2-prod0000" },
      activity: { events: paste(specs) },
      maxGroups: 50,
    });
    expect(data!.counts.newlyDenied).toBe(3000);
    expect(JSON.stringify(data).length + text.length).toBeLessThan(20_000);
    const listed = (data!.newlyDenied as any[]).length;
    expect(listed).toBeGreaterThan(0);
    expect(listed + data!.omittedGroups.newlyDenied).toBe(3000);
  });

  it("outside demo mode, activity is required; trail and Athena need configuring", async () => {
    const snap = await connect(
      await startHarness({
        ORG_SOURCE: "snapshot",
        ORG_SNAPSHOT_FILE: "src/org/demo/demo-organization.json",
      }),
    );
    const change = { kind: "detach", policyId: "p-FullAWSAccess", targetId: "ou-a1b2-prod0000" };
    const none = await callTool(snap, "preview_policy_change", { change });
    expect(none.result.isError).toBe(true);
    expect(none.text).toContain("activity is required outside demo mode");
    const trail = await callTool(snap, "preview_policy_change", {
      change,
      activity: { trail: { hours: 2 } },
    });
    expect(trail.text).toContain("Reading activity from the organization trail is not configured");
    const both = await callTool(snap, "preview_policy_change", {
      change,
      activity: { events: "{}", trail: { hours: 1 } },
    });
    expect(both.text).toContain("give one activity source, not events and trail");
    await snap.close();
  });

  it("refuses an unknown key in change or activity, naming the closest, rather than replaying something else", async () => {
    const change = { kind: "detach", policyId: "p-FullAWSAccess", targetId: "ou-a1b2-prod0000" };
    // Without the refusal, a misspelt trail would replay the demo's bundled day instead.
    const misspelt = await callTool(client, "preview_policy_change", {
      change,
      activity: { trial: { hours: 2 } },
    });
    expect(misspelt.result.isError).toBe(true);
    expect(misspelt.text).toMatch(
      /unknown argument "trial": did you mean "trail"\? \(activity takes events, trail, athena\) at activity/,
    );
    const extra = await callTool(client, "preview_policy_change", {
      change: { ...change, target: "ou-a1b2-dev00000" },
    });
    expect(extra.result.isError).toBe(true);
    expect(extra.text).toMatch(/unknown argument "target": did you mean "targetId"\?.* at change/);
    const hours = await callTool(client, "preview_policy_change", {
      change,
      activity: { trail: { hour: 2 } },
    });
    expect(hours.result.isError).toBe(true);
    expect(hours.text).toContain('unknown argument "hour": did you mean "hours"?');
  });

  it("stops reading the trail in time for the call's deadline (TOOL_DEADLINE_SECONDS)", async () => {
    const deadlines: number[] = [];
    const readers = (harness: Harness): void => {
      harness.runtime.activity = {
        describe: "a stand-in trail",
        trail: async (request) => {
          deadlines.push(request.deadline - Date.now());
          return activityFromText(paste([spec({})]), "a stand-in trail", 10);
        },
      };
    };
    const change = { kind: "detach", policyId: "p-FullAWSAccess", targetId: "ou-a1b2-prod0000" };
    for (const seconds of ["10", "50"]) {
      const harness = await startHarness({ TOOL_DEADLINE_SECONDS: seconds });
      readers(harness);
      const c = await connect(harness);
      const { result, data } = await callTool(c, "preview_policy_change", {
        change,
        activity: { trail: { hours: 1 } },
      });
      expect(result.isError).toBeFalsy();
      expect(data!.counts.newlyDenied).toBe(1);
      await c.close();
    }
    // 80% of a 10 s deadline; the default 50 s keeps the 40 s the platform's 60 s allows.
    expect(deadlines[0]).toBeGreaterThan(0);
    expect(deadlines[0]).toBeLessThanOrEqual(8_000);
    expect(deadlines[1]).toBeGreaterThan(8_000);
    expect(deadlines[1]).toBeLessThanOrEqual(40_000);
  });
});
