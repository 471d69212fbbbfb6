/** The audit tools, called through the SDK client over Streamable HTTP against the demo organization. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, connect, startHarness, type Harness } from "./helpers/harness.js";

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

  it("lists every tool, read-only, with input and output schemas", async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    expect(names).toEqual(
      expect.arrayContaining([
        "get_effective_scps",
        "get_scp_detail",
        "get_scp_targets",
        "get_server_status",
        "list_scp_policies",
      ]),
    );
    for (const tool of tools) {
      expect(tool.name).toMatch(/^[a-z]+(_[a-z]+)+$/);
      expect(tool.annotations).toMatchObject({
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: true,
      });
      expect(tool.outputSchema?.type).toBe("object");
      expect(tool.description?.length).toBeGreaterThan(80);
    }
    const shapes = Object.fromEntries(
      [...tools]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((t) => [t.name, { input: t.inputSchema, output: t.outputSchema }]),
    );
    await expect(JSON.stringify(shapes, null, 2) + "\n").toMatchFileSnapshot("__snapshots__/tools-list.json");
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
    expect(Object.keys(data?.document).sort()).toEqual(["parseError", "raw", "statements"]);
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
    expect(text).toMatch(/No policy with id p-doesnotexist/);
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
      expect(JSON.parse(p.document.raw)).toHaveProperty("Statement");
    }
    const full = data?.policies.find((p: any) => p.id === "p-FullAWSAccess");
    expect(full.attachedAt).toEqual(data?.levels.map((l: any) => l.target.id));
    expect(data?.levels.flatMap((l: any) => l.policies).every((p: any) => !("document" in p))).toBe(true);
    expect(data?.policyCount).toBe(attached.length);
    // FullAWSAccess's document appears once, not once per level.
    const answer = JSON.stringify(result.structuredContent);
    expect(answer.split(JSON.stringify(full.document.raw)).length - 1).toBe(1);
  });

  it.each([
    [{ accountId: "12345" }, /12 digits/],
    [{ ouId: "ou-nope" }, /OU id/],
    [{}, /exactly one of accountId or ouId/],
    [{ accountId: "230000000001", ouId: "ou-a1b2-dev00000" }, /exactly one of accountId or ouId/],
    [{ accountId: "999999999999" }, /No OU or account with id 999999999999/],
  ])("answers bad input %j with a clear error", async (args, message) => {
    const { result, text } = await callTool(client, "get_effective_scps", args);
    expect(result.isError).toBe(true);
    expect(text).toMatch(message);
  });
});
