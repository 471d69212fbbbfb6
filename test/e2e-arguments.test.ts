/**
 * Strict arguments over HTTP, as a model sends them: an unknown argument is refused with the
 * closest valid name, and a malformed id says what an id looks like (issue 19).
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, connect, startHarness } from "./helpers/harness.js";

let client: Client;
beforeAll(async () => {
  client = await connect(await startHarness());
});
afterAll(async () => {
  await client.close();
});

describe("unknown arguments", () => {
  it.each([
    [
      "simulate_scp_request",
      { accountId: "230000000001", actions: ["s3:GetObject"], principal: "arn:aws:iam::230000000001:role/x" },
      "principal",
      "principalArn",
    ],
    [
      "simulate_scp_request",
      { accountId: "230000000001", actions: ["s3:GetObject"], Region: "us-east-1" },
      "Region",
      "region",
    ],
    ["get_scp_detail", { policy_id: "p-regiondeny1" }, "policy_id", "policyId"],
    ["get_effective_scps", { account: "230000000001" }, "account", "accountId"],
    ["analyze_error_log", { log: "x" }, "log", undefined],
    ["list_scp_policies", { name: "deny" }, "name", "nameContains"],
  ])("%s refuses %j, naming the closest valid argument", async (tool, args, unknown, near) => {
    const { result, text } = await callTool(client, tool, args);
    expect(result.isError).toBe(true);
    expect(text).toContain(`unknown argument "${unknown}"`);
    if (near) expect(text).toContain(`did you mean "${near}"?`);
    expect(text).toContain(`(${tool} takes `);
  });

  it("refuses an unknown key inside limits, naming the closest", async () => {
    const { result, text } = await callTool(client, "lint_scp_policy", {
      policyId: "p-regiondeny1",
      limits: { scpsize: 5000 },
    });
    expect(result.isError).toBe(true);
    expect(text).toMatch(
      /unknown argument "scpsize": did you mean "scpSize"\? \(limits takes scpSize, .*\) at limits/,
    );
  });

  it("a tool without arguments says so", async () => {
    const { result, text } = await callTool(client, "get_server_status", { verbose: true });
    expect(result.isError).toBe(true);
    expect(text).toContain('unknown argument "verbose" (get_server_status takes refresh)');
  });
});

describe("malformed ids show what an id looks like", () => {
  it.each([
    ["compare_scp_config", { scopeId: "ou-nope" }, /scopeId/, /123456789012.*ou-ab12-11111111.*r-ab12/],
    ["get_effective_scps", { ouId: "workloads" }, /ouId/, /ou-ab12-11111111.*r-ab12/],
    ["get_effective_scps", { accountId: "2300" }, /accountId/, /12 digits, for example 123456789012/],
    ["get_scp_detail", { policyId: "regiondeny" }, /policyId/, /p-abcd1234/],
    ["get_scp_targets", { policyId: "p-x" }, /policyId/, /p-abcd1234/],
    [
      "simulate_scp_request",
      { accountId: "230000000001", actions: ["s3:GetObject"], resourceAccountId: "x" },
      /resourceAccountId/,
      /123456789012/,
    ],
    [
      "simulate_scp_request",
      { accountId: "230000000001", actions: ["s3:GetObject"], principalArn: "Developer" },
      /principalArn/,
      /arn:aws:iam::123456789012:role\//,
    ],
  ])("%s %j", async (tool, args, where, example) => {
    const { result, text } = await callTool(client, tool, args);
    expect(result.isError).toBe(true);
    expect(text).toMatch(where);
    expect(text).toMatch(example);
  });
});
