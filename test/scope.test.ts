/** The scope guard: only the allowed subtrees (and the path above them) are ever answered about. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, connect, startHarness } from "./helpers/harness.js";

let client: Client;

beforeAll(async () => {
  // Only NonProd: Dev (app-dev, data-dev) and Test (app-test).
  const harness = await startHarness({ ORG_SOURCE: "demo", ALLOWED_OU_IDS: "ou-a1b2-nonprod0" });
  client = await connect(harness);
});
afterAll(async () => client.close());

describe("scope guard", () => {
  it.each([
    ["get_effective_scps", { accountId: "230000000001" }],
    ["get_effective_scps", { accountId: "111111111111" }],
    ["get_effective_scps", { ouId: "ou-a1b2-prod0000" }],
    ["get_effective_scps", { ouId: "ou-a1b2-workload" }],
    ["get_effective_scps", { ouId: "r-a1b2" }],
    ["get_scp_detail", { policyId: "p-protectpay1" }],
    ["get_scp_targets", { policyId: "p-sandboxallw" }],
  ])("%s %j is outside the allowed scope", async (tool, args) => {
    const { result, text } = await callTool(client, tool, args);
    expect(result.isError).toBe(true);
    expect(text).toMatch(/outside the allowed scope/);
    expect(text).toContain("ou-a1b2-nonprod0");
  });

  it("answers inside the scope, with the inherited levels above it", async () => {
    const { data } = await callTool(client, "get_effective_scps", { accountId: "240000000001" });
    expect(data?.levels.map((l: any) => l.target.id)).toEqual([
      "r-a1b2",
      "ou-a1b2-workload",
      "ou-a1b2-nonprod0",
      "ou-a1b2-dev00000",
      "240000000001",
    ]);
  });

  it("hides attachments outside the scope and counts only accounts inside it", async () => {
    const { data } = await callTool(client, "get_scp_targets", { policyId: "p-FullAWSAccess" });
    const ids = data?.targets.map((t: any) => t.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "r-a1b2",
        "ou-a1b2-workload",
        "ou-a1b2-nonprod0",
        "ou-a1b2-dev00000",
        "240000000001",
      ]),
    );
    expect(ids).not.toContain("230000000001");
    expect(ids).not.toContain("ou-a1b2-prod0000");
    expect(data?.accountsReached).toBe(3);
    expect(data?.targets.find((t: any) => t.id === "r-a1b2")).toMatchObject({
      inScope: false,
      accountsReached: 3,
    });
    expect(data?.hiddenTargetCount).toBeGreaterThan(0);
  });

  it("lists only policies attached inside or above the scope", async () => {
    const { data } = await callTool(client, "list_scp_policies");
    const ids = data?.policies.map((p: any) => p.id);
    expect(ids).toContain("p-denyiamusr1");
    expect(ids).not.toContain("p-protectpay1");
    expect(ids).not.toContain("p-sandboxallw");
  });

  it("never returns an out-of-scope id in any answer", async () => {
    const outside = [
      "230000000001",
      "230000000002",
      "230000000003",
      "250000000001",
      "210000000001",
      "ou-a1b2-prod0000",
    ];
    for (const [tool, args] of [
      ["list_scp_policies", {}],
      ["get_scp_targets", { policyId: "p-FullAWSAccess" }],
      ["get_scp_detail", { policyId: "p-FullAWSAccess" }],
      ["get_effective_scps", { ouId: "ou-a1b2-nonprod0" }],
      ["get_server_status", {}],
    ] as const) {
      const { result } = await callTool(client, tool, args);
      const body = JSON.stringify(result);
      for (const id of outside) expect(body, `${tool} leaked ${id}`).not.toContain(id);
    }
  });
});
