/** The parts of the direct tools/call path: output checks against the advertised schema, fragments. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createMemoryLogger } from "../src/logging/logger.js";
import type { ToolContext } from "../src/mcp/tool-context.js";
import { defineTool } from "../src/mcp/define-tool.js";
import { answerDirectCall } from "../src/mcp/direct-call.js";
import { stringifyJson, withJsonFragment } from "../src/mcp/json-fragments.js";

const logger = createMemoryLogger();
const ctx = { logger, requestId: "req-1" } as unknown as ToolContext;

const tool = (data: unknown) =>
  defineTool({
    name: "probe",
    title: "Probe",
    description: "test tool",
    input: { n: z.number().int().optional() },
    output: { count: z.number().int(), label: z.string().nullable() },
    handler: async () => ({ summary: "ok", data: data as { count: number; label: string | null } }),
  });

describe("callDirect", () => {
  it("runs the tool when the arguments validate", async () => {
    const result = await tool({ count: 2, label: null }).callDirect({ n: 1 }, ctx);
    expect(result).toEqual({
      content: [{ type: "text", text: "ok" }],
      structuredContent: { count: 2, label: null },
    });
  });

  it("leaves arguments that do not validate to the SDK (the tool does not run)", () => {
    let ran = false;
    const t = defineTool({
      name: "probe",
      title: "Probe",
      description: "test tool",
      input: { n: z.number().int() },
      output: {},
      handler: async () => {
        ran = true;
        return { summary: "", data: {} };
      },
    });
    expect(t.callDirect({ n: "one" }, ctx)).toBeUndefined();
    expect(ran).toBe(false);
  });

  it.each([
    ["a wrong type", { count: "2", label: null }],
    ["a missing member", { label: "x" }],
    ["a member the schema does not have", { count: 2, label: null, extra: true }],
  ])("refuses an answer with %s, as an MCP client would, and logs why", async (_what, data) => {
    const before = logger.lines.length;
    const result = await tool(data).callDirect({}, ctx);
    expect(result?.isError).toBe(true);
    expect(result?.content[0]).toMatchObject({
      text: expect.stringMatching(/did not match its output schema/),
    });
    expect(logger.lines.slice(before).join("\n")).toMatch(/does not match its output schema/);
  });
});

describe("answerDirectCall", () => {
  it("answers an answer JSON cannot carry with an error result, not a 500 or a null", async () => {
    const before = logger.lines.length;
    // A plain number: the schema check (Ajv, as clients run it) lets NaN through; serialising does not.
    const nan = defineTool({
      name: "probe",
      title: "Probe",
      description: "test tool",
      input: {},
      output: { value: z.number() },
      handler: async () => ({ summary: "", data: { value: Number.NaN } }),
    });
    const answer = await answerDirectCall({ id: 4, tool: nan, args: {} }, ctx);
    const body = JSON.parse(answer?.body ?? "{}");
    expect(answer?.isError).toBe(true);
    expect(body).toMatchObject({ jsonrpc: "2.0", id: 4, result: { isError: true } });
    expect(body.result.content[0].text).toMatch(/could not be written as JSON/);
    expect(logger.lines.slice(before).join("\n")).toMatch(/cannot be serialised.*NaN/);
  });
});

describe("stringifyJson", () => {
  it("writes what JSON.stringify writes, for any JSON data and the odd values it meets", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(stringifyJson(value)).toBe(JSON.stringify(value));
      }),
      { numRuns: 500 },
    );
    const odd = {
      a: undefined,
      f: () => 1,
      d: new Date(0),
      arr: [undefined, () => 1, Symbol("s"), null],
      nested: { toJSON: (key: string) => `key ${key}` },
      'quote"key\n': "é\u2028",
    };
    expect(stringifyJson(odd)).toBe(JSON.stringify(odd));
    expect(stringifyJson(undefined)).toBe("null");
  });

  it("refuses NaN and Infinity, which JSON.stringify would write as null", () => {
    expect(() => stringifyJson({ count: Number.NaN })).toThrow(/NaN at "count"/);
    expect(() => stringifyJson([1, -Infinity])).toThrow(/-Infinity/);
  });

  it("reuses a fragment's text and freezes the value behind it", () => {
    const view = withJsonFragment({ raw: "{}", statements: [{ index: 0 }] });
    expect(Object.isFrozen(view.statements[0])).toBe(true);
    const answer = { levels: [{ policies: [{ document: view }, { document: view }] }] };
    expect(stringifyJson(answer)).toBe(JSON.stringify(answer));
  });
});
