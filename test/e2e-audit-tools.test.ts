/** The audit tools, called through the SDK client over Streamable HTTP against the demo organization. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLS } from "../src/mcp/tools/index.js";
import { demoSnapshot } from "../src/org/demo/demo-snapshot.js";
import { OrganizationService } from "../src/org/service.js";
import { createSnapshotReader } from "../src/org/snapshot-reader.js";
import { callTool, connect, startHarness, type Harness } from "./helpers/harness.js";
import { renamed } from "./helpers/scope-twins.js";

let harness: Harness;
let client: Client;

beforeAll(async () => {
  harness = await startHarness();
  client = await connect(harness);
});
afterAll(async () => {
  await client.close();
});

describe("initialize and tools/list", () => {
  it("reports the server and its instructions", () => {
    expect(client.getServerVersion()?.name).toBe("aws-organizations-mcp-server");
    expect(client.getInstructions()).toContain("get_effective_scps");
  });

  it("lists every tool of the registry, read-only, with its required arguments and an output schema", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS.map((t) => t.name).sort());
    // What a model must send: the required arguments of each tool (the rest are optional).
    const required = Object.fromEntries(
      tools.map((t) => [t.name, [...(t.inputSchema.required ?? [])].sort()]),
    );
    expect(required).toEqual({
      get_server_status: [],
      list_scp_policies: [],
      get_scp_detail: ["policyId"],
      get_scp_targets: ["policyId"],
      get_effective_scps: [],
      simulate_scp_request: ["accountId", "actions"],
      analyze_error_log: ["text"],
      compare_scp_config: [],
      lint_scp_policy: [],
      preview_policy_change: ["change"],
    });
    for (const tool of tools) {
      expect(tool.name).toMatch(/^[a-z]+(_[a-z]+)+$/);
      expect(tool.annotations).toMatchObject({
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: true,
      });
      expect(tool.title, tool.name).toBeTruthy();
      expect(tool.description?.length, tool.name).toBeGreaterThan(80);
      expect(tool.inputSchema.type, tool.name).toBe("object");
      // Every argument is described for the model.
      for (const [arg, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
        expect((schema as { description?: string }).description, `${tool.name}.${arg}`).toBeTruthy();
      }
      expect(tool.outputSchema?.type, tool.name).toBe("object");
      expect(tool.outputSchema?.required?.length, tool.name).toBeGreaterThan(0);
    }
    // Every session pays for the list in its context: it must not grow unnoticed.
    expect(JSON.stringify({ tools }).length).toBeLessThan(30_000);
  });
});

describe("get_server_status", () => {
  it("describes the demo organization, its scope and enabled policy types", async () => {
    const { result, data, text } = await callTool(client, "get_server_status");
    expect(result.isError).toBeFalsy();
    expect(data?.organization).toMatchObject({
      id: "o-a1b2c3d4e5",
      managementAccountId: "111111111111",
      source: "demo",
      dataAsOf: "2026-11-01T00:00:00Z",
    });
    expect(data?.organization.dataAgeSeconds).toBeGreaterThan(0);
    expect(data?.scope).toEqual({ allowedOuIds: ["r-a1b2"], wholeOrganization: true });
    expect(data?.roots[0].enabledPolicyTypes).toEqual(
      expect.arrayContaining(["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"]),
    );
    expect(data?.config).toMatchObject({ authEnabled: false, origin: "built-in demo defaults" });
    expect(text).toContain("o-a1b2c3d4e5");
  });
});

describe("get_server_status with part of the organization in scope", () => {
  const statusOf = async (c: Client) => {
    const { result, data } = await callTool(c, "get_server_status");
    expect(result.isError).toBeFalsy();
    // Everything but the clock.
    const { server: _s, config: _c, organization, ...rest } = data ?? {};
    const { dataAgeSeconds: _a, ...org } = organization;
    return { ...rest, organization: org, text: renamed(result.content) };
  };

  it("shows no count that depends on what lies outside the scope", async () => {
    const c = await connect(await startHarness({ ALLOWED_OU_IDS: "ou-a1b2-nonprod0" }));
    // compare_scp_config reads every policy of the organization, hidden ones included.
    await callTool(c, "compare_scp_config");
    const { data, text } = await callTool(c, "get_server_status");
    expect(data?.cache.countsWithheld).toBe(true);
    for (const key of ["apiCalls", "totalApiCalls", "cacheHits", "cacheMisses", "cacheEntries"])
      expect(data?.cache, key).not.toHaveProperty(key);
    expect(text).toMatch(/API call and cache counts are not shown/);
    expect(data?.scope).toEqual({ allowedOuIds: ["ou-a1b2-nonprod0"], wholeOrganization: false });
    await c.close();
  });

  it("reads the same after probing an id outside the scope as after one that exists nowhere", async () => {
    const probe = async (accountId: string) => {
      const c = await connect(await startHarness({ ALLOWED_OU_IDS: "ou-a1b2-nonprod0" }));
      await callTool(c, "get_effective_scps", { accountId });
      await callTool(c, "get_scp_detail", {
        policyId: accountId === "230000000001" ? "p-protectpay1" : "p-nosuchpol1",
      });
      const status = await statusOf(c);
      await c.close();
      return status;
    };
    expect(await probe("230000000001")).toEqual(await probe("239999999999"));
  });

  it("still reports the counts when the whole organization is in scope", async () => {
    const { data } = await callTool(client, "get_server_status");
    expect(data?.cache.countsWithheld).toBe(false);
    // The demo is read from memory: no AWS call, but the cache counts are there.
    expect(data?.cache.totalApiCalls).toBe(0);
    expect(data?.cache).toEqual(
      expect.objectContaining({
        apiCalls: {},
        cacheHits: expect.any(Number),
        cacheEntries: expect.any(Number),
      }),
    );
  });
});

describe("get_server_status refresh", () => {
  it("refreshes at most once a minute per process and says when the next one can run", async () => {
    const h = await startHarness();
    const c = await connect(h);
    const first = await callTool(c, "get_server_status", { refresh: true });
    expect(first.result.isError).toBeFalsy();
    expect(first.data?.cache.refreshed).toBe(true);
    const before = Date.now();
    const second = await callTool(c, "get_server_status", { refresh: true });
    expect(second.result.isError).toBe(true);
    const m = second.text.match(
      /last refreshed at (\S+); a refresh runs at most once a minute, so the next one can run at (\S+) \(in (\d+) s\)/,
    );
    expect(m, second.text).not.toBeNull();
    const [last, next, seconds] = [Date.parse(m![1]!), Date.parse(m![2]!), Number(m![3])];
    expect(next - last).toBe(60_000);
    expect(seconds).toBeGreaterThan(50);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(Math.abs(next - (before + seconds * 1000))).toBeLessThan(5_000);
    // A second client of the same process is refused too; a plain status call still answers.
    const other = await connect(h);
    expect((await callTool(other, "get_server_status", { refresh: true })).result.isError).toBe(true);
    expect((await callTool(other, "get_server_status")).result.isError).toBeFalsy();
    await Promise.all([c.close(), other.close()]);
  });

  it("accepts the next refresh once the interval has passed", () => {
    let now = Date.parse("2026-05-20T10:00:00Z");
    const org = new OrganizationService(createSnapshotReader(demoSnapshot()), undefined, { now: () => now });
    expect(org.requestRefresh()).toMatchObject({ refreshed: true });
    now += 59_999;
    expect(org.requestRefresh()).toEqual({
      refreshed: false,
      lastRefreshAt: new Date("2026-05-20T10:00:00Z"),
      nextRefreshAt: new Date("2026-05-20T10:01:00Z"),
    });
    now += 1;
    expect(org.requestRefresh()).toMatchObject({
      refreshed: true,
      nextRefreshAt: new Date("2026-05-20T10:02:00Z"),
    });
  });
});

describe("list_scp_policies", () => {
  it("lists the SCPs with size and attachment counts", async () => {
    const { data } = await callTool(client, "list_scp_policies");
    const byName = new Map<string, any>(data?.policies.map((p: any) => [p.name, p]));
    expect(data?.policyType).toBe("SERVICE_CONTROL_POLICY");
    expect(byName.get("FullAWSAccess")).toMatchObject({
      id: "p-FullAWSAccess",
      awsManaged: true,
      sizeLimit: 10240,
    });
    // Root, every OU but Test and Sandbox (8 of 10), and all 14 accounts.
    expect(byName.get("FullAWSAccess").attachmentCount).toBe(1 + 8 + 14);
    expect(byName.get("DenyRegionsOutsideEU")).toMatchObject({
      id: "p-regiondeny1",
      attachmentCount: 1,
      awsManaged: false,
    });
    expect(byName.get("DenyRegionsOutsideEU").sizeCharacters).toBeGreaterThan(100);
    expect(data?.policies.every((p: any) => p.type === "SERVICE_CONTROL_POLICY")).toBe(true);
    expect(data?.count).toBe(data?.policies.length);
  });

  it("filters by name, case-insensitively", async () => {
    const { data } = await callTool(client, "list_scp_policies", { nameContains: "deny" });
    expect(data?.policies.length).toBeGreaterThan(3);
    expect(data?.policies.every((p: any) => p.name.toLowerCase().includes("deny"))).toBe(true);
  });

  it("lists RCPs when asked", async () => {
    const { data } = await callTool(client, "list_scp_policies", { policyType: "RESOURCE_CONTROL_POLICY" });
    expect(data?.policies.map((p: any) => p.id).sort()).toEqual(["p-RCPFullAWSAccess", "p-rcpenforce1"]);
  });

  it("rejects an unknown policy type with the accepted values", async () => {
    const { result, text } = await callTool(client, "list_scp_policies", { policyType: "TAG_POLICY" });
    expect(result.isError).toBe(true);
    expect(text).toMatch(/policyType/);
    expect(text).toMatch(/SERVICE_CONTROL_POLICY/);
  });
});

describe("get_scp_detail", () => {
  it("returns the document, its statements, size and targets", async () => {
    const { data, text } = await callTool(client, "get_scp_detail", { policyId: "p-regiondeny1" });
    expect(data?.policy).toMatchObject({
      id: "p-regiondeny1",
      name: "DenyRegionsOutsideEU",
      type: "SERVICE_CONTROL_POLICY",
    });
    const statement = data?.document.statements[0];
    expect(statement).toMatchObject({ index: 0, sid: "DenyAllOutsideEU", effect: "Deny" });
    expect(statement.notAction).toEqual(expect.arrayContaining(["iam:*", "organizations:*"]));
    expect(statement.condition.StringNotEquals["aws:RequestedRegion"]).toEqual(["eu-west-1", "eu-central-1"]);
    expect(data?.document.parseError).toBeNull();
    expect(JSON.parse(data?.document.raw).Statement[0].Sid).toBe("DenyAllOutsideEU");
    // Once as text and once as statements: no third copy as parsed JSON.
    expect(Object.keys(data?.document).sort()).toEqual([
      "omittedStatements",
      "parseError",
      "raw",
      "statements",
    ]);
    expect(data?.document.omittedStatements).toBe(0);
    expect(statement).not.toHaveProperty("principal");
    expect(data?.size.characters).toBe(data?.document.raw.length);
    expect(data?.size.limit).toBe(10240);
    expect(data?.targets).toEqual([
      expect.objectContaining({
        id: "ou-a1b2-workload",
        type: "ORGANIZATIONAL_UNIT",
        name: "Workloads",
        path: "Root/Workloads",
      }),
    ]);
    expect(text).toContain("DenyRegionsOutsideEU");
  });

  it("answers a malformed policy id with the expected format", async () => {
    const { result, text } = await callTool(client, "get_scp_detail", { policyId: "regiondeny" });
    expect(result.isError).toBe(true);
    expect(text).toContain("p-");
  });

  it("answers an unknown policy id with not found", async () => {
    const { result, text } = await callTool(client, "get_scp_detail", { policyId: "p-doesnotexist" });
    expect(result.isError).toBe(true);
    expect(text).toMatch(/^No policy p-doesnotexist was found within this server's scope/);
  });
});

describe("get_scp_targets", () => {
  it("lists the attachments of the region deny and the accounts it reaches", async () => {
    const { data } = await callTool(client, "get_scp_targets", { policyId: "p-regiondeny1" });
    expect(data?.targets).toHaveLength(1);
    // Workloads holds Prod (app-prod, data-prod, payments-prod) and NonProd (app-dev, data-dev, app-test).
    expect(data?.targets[0]).toMatchObject({ id: "ou-a1b2-workload", accountsReached: 6, inScope: true });
    expect(data?.accountsReached).toBe(6);
  });

  it("counts every account for a root attachment without double counting", async () => {
    const { data } = await callTool(client, "get_scp_targets", { policyId: "p-FullAWSAccess" });
    // 14 accounts, less the management account, which SCPs never restrict.
    expect(data?.accountsReached).toBe(13);
    expect(data?.targets[0]).toMatchObject({ type: "ROOT", id: "r-a1b2", path: "Root", accountsReached: 13 });
    expect(data?.targets.filter((t: any) => t.type === "ACCOUNT")).toHaveLength(14);
  });
});

describe("get_effective_scps", () => {
  it("shows the chain from the root to a deep account, level by level", async () => {
    const { data, text } = await callTool(client, "get_effective_scps", { accountId: "230000000003" });
    expect(data?.ouPath).toBe("Root/Workloads/Prod/Payments/payments-prod");
    expect(data?.levels.map((l: any) => l.target.id)).toEqual([
      "r-a1b2",
      "ou-a1b2-workload",
      "ou-a1b2-prod0000",
      "ou-a1b2-payments",
      "230000000003",
    ]);
    const prod = data?.levels[2];
    expect(prod.policies).toHaveLength(5);
    expect(data?.levels[1].policies.map((p: any) => p.id).sort()).toEqual([
      "p-FullAWSAccess",
      "p-denyiamusr1",
      "p-regiondeny1",
    ]);
    expect(data?.isManagementAccount).toBe(false);
    expect(data?.levelsWithoutPolicies).toEqual([]);
    expect(text).toContain("5. ACCOUNT payments-prod");
  });

  it("shows the Test OU missing FullAWSAccess", async () => {
    const { data } = await callTool(client, "get_effective_scps", { accountId: "240000000003" });
    const test = data?.levels.find((l: any) => l.target.id === "ou-a1b2-test0000");
    expect(test.policies.map((p: any) => p.id)).not.toContain("p-FullAWSAccess");
  });

  it("marks the management account as not subject to SCPs", async () => {
    const { data, text } = await callTool(client, "get_effective_scps", { accountId: "111111111111" });
    expect(data?.isManagementAccount).toBe(true);
    expect(data?.levels).toHaveLength(2);
    expect(text).toMatch(/management account: SCPs do not apply/);
  });

  it("accepts an OU", async () => {
    const { data } = await callTool(client, "get_effective_scps", { ouId: "ou-a1b2-dev00000" });
    expect(data?.target).toEqual({ id: "ou-a1b2-dev00000", type: "ORGANIZATIONAL_UNIT", name: "Dev" });
    expect(data?.ouPath).toBe("Root/Workloads/NonProd/Dev");
  });

  it("shows the RCP chain", async () => {
    const { data } = await callTool(client, "get_effective_scps", {
      accountId: "230000000001",
      policyType: "RESOURCE_CONTROL_POLICY",
    });
    const ids = data?.levels.flatMap((l: any) => l.policies.map((p: any) => p.id)).sort();
    expect(ids).toEqual(["p-RCPFullAWSAccess", "p-rcpenforce1"]);
    // RCP statements name their principal; the statement view shows it.
    const enforce = data?.policies.find((p: any) => p.id === "p-rcpenforce1");
    expect(enforce.document.statements[0]).toMatchObject({ sid: "EnforceOrgIdentities", principal: "*" });
  });

  it("gives each distinct policy's document once, with the levels it is attached at", async () => {
    const { data, result } = await callTool(client, "get_effective_scps", { accountId: "230000000003" });
    const attached = data?.levels.flatMap((l: any) => l.policies.map((p: any) => [p.id, l.target.id]));
    const ids = data?.policies.map((p: any) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...new Set(attached.map(([id]: string[]) => id))]).toEqual(ids); // first met from the root
    for (const p of data?.policies ?? []) {
      expect(p.attachedAt).toEqual(
        attached.filter(([id]: string[]) => id === p.id).map(([, at]: string[]) => at),
      );
      // The statements, normalised; the exact text is get_scp_detail's.
      expect(p.document.statements.length).toBeGreaterThan(0);
      expect(p.document).not.toHaveProperty("raw");
    }
    const full = data?.policies.find((p: any) => p.id === "p-FullAWSAccess");
    expect(full.attachedAt).toEqual(data?.levels.map((l: any) => l.target.id));
    expect(data?.levels.flatMap((l: any) => l.policies).every((p: any) => !("document" in p))).toBe(true);
    expect(data?.policyCount).toBe(attached.length);
    // FullAWSAccess's statements appear once, not once per level.
    const answer = JSON.stringify(result.structuredContent);
    expect(answer.split(JSON.stringify(full.document.statements)).length - 1).toBe(1);
  });

  it.each([
    [{ accountId: "12345" }, /12 digits/],
    [{ ouId: "ou-nope" }, /OU id/],
    [{}, /exactly one of accountId or ouId/],
    [{ accountId: "230000000001", ouId: "ou-a1b2-dev00000" }, /exactly one of accountId or ouId/],
    [{ accountId: "999999999999" }, /^No account 999999999999 was found within this server's scope/],
  ])("answers bad input %j with a clear error", async (args, message) => {
    const { result, text } = await callTool(client, "get_effective_scps", args);
    expect(result.isError).toBe(true);
    expect(text).toMatch(message);
  });
});
