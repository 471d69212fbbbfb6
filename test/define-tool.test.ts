/**
 * defineTool's contract, through the SDK as a client sees it: answers that do not match the output
 * schema never go out (the SDK checks them against the schema defineTool registers), and errors
 * become isError results that say what to do.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { UserError } from "../src/errors.js";
import { createMemoryLogger } from "../src/logging/logger.js";
import { defineTool } from "../src/mcp/define-tool.js";
import type { ToolContext } from "../src/mcp/tool-context.js";

const logger = createMemoryLogger();
// A reader that reports no freshness (as the demo's), so answers carry no data-age line.
const ctx = {
  logger,
  requestId: "req-1",
  org: { reader: { kind: "demo" } },
  runtime: { version: "test", startedAt: new Date(), ready: true },
} as unknown as ToolContext;

/** Calls a tool whose handler does `handler`, registered on its own server, as a client would. */
async function callProbe(handler: () => Promise<unknown>, args: Record<string, unknown> = {}) {
  const tool = defineTool({
    name: "probe",
    title: "Probe",
    description: "test tool",
    input: { n: z.number().int().optional() },
    output: { count: z.number().int(), label: z.string().nullable() },
    handler: async () => ({
      summary: "ok",
      data: (await handler()) as { count: number; label: string | null },
    }),
  });
  const server = new McpServer({ name: "t", version: "1" });
  tool.register(server, ctx);
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: "c", version: "1" });
  await client.connect(b);
  try {
    const result = (await client.callTool({ name: "probe", arguments: args })) as CallToolResult;
    return { result, text: result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n") };
  } finally {
    await client.close();
    await server.close();
  }
}

describe("defineTool", () => {
  it("answers with the summary as text and the data as structuredContent", async () => {
    const { result } = await callProbe(async () => ({ count: 2, label: null }));
    expect(result).toEqual({
      content: [{ type: "text", text: "ok" }],
      structuredContent: { count: 2, label: null },
    });
  });

  it.each([
    ["a wrong type", { count: "2", label: null }],
    ["a missing member", { label: "x" }],
    ["a number JSON cannot carry", { count: Number.NaN, label: null }],
  ])("never sends an answer with %s: the SDK's output check makes it an error", async (_what, data) => {
    const { result, text } = await callProbe(async () => data);
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    expect(text).toMatch(/Output validation error/);
  });

  it("turns a UserError into an isError result with its message, and says when to retry", async () => {
    const plain = await callProbe(async () => {
      throw new UserError("not_found", "No policy with id p-x exists.");
    });
    expect(plain.result.isError).toBe(true);
    expect(plain.text).toBe("No policy with id p-x exists.");
    const retryable = await callProbe(async () => {
      throw new UserError("throttled", "AWS throttled the request.", true);
    });
    expect(retryable.text).toBe("AWS throttled the request. This is temporary: retry in a few seconds.");
  });

  it("answers an unexpected error with the request id only, and logs the details", async () => {
    const before = logger.lines.length;
    const { result, text } = await callProbe(async () => {
      throw new TypeError("secret detail");
    });
    expect(result.isError).toBe(true);
    expect(text).toMatch(/^Internal error in probe \(request id req-1\)/);
    expect(text).not.toContain("secret detail");
    expect(logger.lines.slice(before).join("\n")).toMatch(/"msg":"tool failed".*secret detail/);
  });
});

describe("strict arguments", () => {
  const probe = async (args: Record<string, unknown>) => {
    const tool = defineTool({
      name: "probe",
      title: "Probe",
      description: "test tool",
      input: {
        principalArn: z.string().optional(),
        region: z.string().optional(),
        policyId: z.string().optional(),
      },
      output: { ok: z.boolean() },
      handler: async () => ({ summary: "ok", data: { ok: true } }),
    });
    const server = new McpServer({ name: "t", version: "1" });
    tool.register(server, ctx);
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    const client = new Client({ name: "c", version: "1" });
    await client.connect(b);
    try {
      const result = (await client.callTool({ name: "probe", arguments: args })) as CallToolResult;
      return { result, text: result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n") };
    } finally {
      await client.close();
      await server.close();
    }
  };

  it.each([
    ["principal", "principalArn"],
    ["Region", "region"],
    ["policy_id", "policyId"],
    ["regoin", "region"],
  ])("refuses %j, naming the closest valid argument %j", async (given, near) => {
    const { result, text } = await probe({ [given]: "x" });
    expect(result.isError).toBe(true);
    expect(text).toContain(`unknown argument "${given}": did you mean "${near}"?`);
    expect(text).toContain("(probe takes principalArn, region, policyId)");
  });

  it("names an argument with nothing close, and every unknown one", async () => {
    const { result, text } = await probe({ zzz: 1, Region: "eu-west-1" });
    expect(result.isError).toBe(true);
    expect(text).toMatch(/unknown argument "zzz" ?; unknown argument "Region": did you mean "region"\?/);
  });

  it("accepts the declared arguments", async () => {
    const { result } = await probe({ principalArn: "arn", region: "eu-west-1" });
    expect(result.isError).toBeFalsy();
  });
});
