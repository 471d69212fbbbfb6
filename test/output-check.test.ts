/**
 * An MCP client checks each tool's structuredContent against the output schema tools/list
 * advertises (the SDK's client does, with Ajv), while the server checks it against the zod schema
 * that schema is written from. A member the zod schema strips but the advertised schema forbids
 * would pass the server and be refused by the client: every tool's real answers over the demo
 * organization must pass the client's check.
 */
import { describe, expect, it } from "vitest";
import { TOOLS } from "../src/mcp/tools/index.js";
import { callTool, connect, startHarness } from "./helpers/harness.js";
import { DEMO_TOOL_CALLS } from "./helpers/mcp-cases.js";

/** Calls whose answers are checked: every tool, and other targets and inputs of some. */
const SAMPLES: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ...DEMO_TOOL_CALLS,
  ["get_effective_scps", { ouId: "ou-a1b2-dev00000" }],
  ["get_effective_scps", { accountId: "230000000001", policyType: "RESOURCE_CONTROL_POLICY" }],
  ["list_scp_policies", { policyType: "RESOURCE_CONTROL_POLICY" }],
  [
    "simulate_scp_request",
    {
      accountId: "230000000001",
      actions: ["ec2:RunInstances", "s3:GetObject"],
      region: "us-east-1",
      principalArn: "arn:aws:iam::230000000001:role/app-deployer",
      context: { "aws:RequestTag/CostCenter": "cc-1" },
    },
  ],
];

describe("tool answers against the advertised output schemas", () => {
  it("passes the check an MCP client makes, for every tool", async () => {
    const client = await connect(await startHarness());
    // Listing the tools makes the SDK client validate each later answer against its outputSchema:
    // callTool throws when structuredContent does not match.
    const { tools } = await client.listTools();
    expect(tools.every((t) => t.outputSchema !== undefined)).toBe(true);
    const called = new Set<string>();
    for (const [name, args] of SAMPLES) {
      const { result } = await callTool(client, name, args);
      expect(result.isError, `${name} ${JSON.stringify(args)}`).toBeFalsy();
      expect(result.structuredContent, name).toBeDefined();
      // tools/list advertises the schema cut below its top level; the answer has the full shape.
      const full = TOOLS.find((t) => t.name === name)!
        .output.strict()
        .safeParse(result.structuredContent);
      expect(full.error?.issues ?? [], `${name} ${JSON.stringify(args)}`).toEqual([]);
      called.add(name);
    }
    // Every tool is sampled, so a tool added later cannot go unchecked.
    expect([...called].sort()).toEqual(TOOLS.map((t) => t.name).sort());
    await client.close();
  });
});
