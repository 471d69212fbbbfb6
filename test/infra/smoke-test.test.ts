import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startHarness } from "../helpers/harness.js";
import { chooseTool, main, parseMcpBody, runSmokeTest, type Tool } from "../../scripts/smoke-test.js";

// A loopback stand-in for the AgentCore Gateway: Streamable HTTP, JSON or SSE answers, a session id,
// tool names prefixed with the target name.
interface Behaviour {
  toolError: boolean;
  /** Prompt names the fake Gateway lists; undefined: prompts/list is not served. */
  prompts?: string[];
  status?: number;
  sse: boolean;
  prefix: string;
}
let behaviour: Behaviour;
let server: Server;
let url: string;
const requests: { method: string; headers: IncomingMessage["headers"] }[] = [];

const TOOLS = (prefix: string) => [
  { name: `${prefix}___explain_policy`, inputSchema: { type: "object", required: ["policyId"] } },
  { name: `${prefix}___describe_organization`, inputSchema: { type: "object" } },
  { name: `${prefix}___list_policies`, inputSchema: { type: "object", properties: {} } },
];

function send(
  res: ServerResponse,
  message: unknown,
  sse: boolean,
  headers: Record<string, string> = {},
): void {
  if (sse) {
    res.writeHead(200, { "Content-Type": "text/event-stream", ...headers });
    res.end(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  } else {
    res.writeHead(200, { "Content-Type": "application/json", ...headers });
    res.end(JSON.stringify(message));
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const message = JSON.parse(body) as {
        id?: number;
        method: string;
        params?: { cursor?: string; name?: string; arguments?: { error?: string } };
      };
      requests.push({ method: message.method, headers: req.headers });
      if (behaviour.status) {
        res.writeHead(behaviour.status, { "Content-Type": "application/json" });
        return res.end(JSON.stringify({ message: "Unauthorized" }));
      }
      if (
        !String(req.headers.accept).includes("text/event-stream") ||
        !String(req.headers.accept).includes("application/json")
      ) {
        res.writeHead(406);
        return res.end();
      }
      if (req.headers.authorization !== "Bearer test-token") {
        res.writeHead(401);
        return res.end();
      }
      const respond = (result: unknown, headers: Record<string, string> = {}) =>
        send(res, { jsonrpc: "2.0", id: message.id, result }, behaviour.sse, headers);
      switch (message.method) {
        case "initialize":
          return respond(
            {
              protocolVersion: "2025-06-18",
              capabilities: { tools: {} },
              serverInfo: { name: "fake-gateway", version: "1" },
            },
            { "Mcp-Session-Id": "session-1" },
          );
        case "notifications/initialized":
          res.writeHead(202);
          return res.end();
        case "tools/list": {
          const tools = TOOLS(behaviour.prefix);
          return message.params?.cursor
            ? respond({ tools: tools.slice(2) })
            : respond({ tools: tools.slice(0, 2), nextCursor: "page-2" });
        }
        case "prompts/list":
          if (!behaviour.prompts) break;
          return respond({ prompts: behaviour.prompts.map((name) => ({ name })) });
        case "prompts/get":
          if (!behaviour.prompts?.includes(message.params?.name ?? "")) break;
          return respond({
            messages: message.params?.arguments?.error
              ? [{ role: "user", content: { type: "text", text: message.params.arguments.error } }]
              : [],
          });
        case "tools/call":
          return respond({
            isError: behaviour.toolError,
            content: [
              {
                type: "text",
                text: behaviour.toolError
                  ? "AccessDenied: organizations:DescribeOrganization"
                  : `called ${message.params?.name}`,
              },
            ],
          });
      }
      return send(
        res,
        { jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "Method not found" } },
        false,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  behaviour = { toolError: false, sse: false, prefix: "orgs" };
  requests.length = 0;
});

describe("runSmokeTest", () => {
  it("initializes, lists every page of tools and calls a tool that needs no arguments", async () => {
    const log: string[] = [];
    const result = await runSmokeTest({ url, token: "test-token", target: "orgs", log: (l) => log.push(l) });

    expect(result).toEqual({
      protocolVersion: "2025-06-18",
      serverName: "fake-gateway",
      tools: ["orgs___explain_policy", "orgs___describe_organization", "orgs___list_policies"],
      called: "orgs___describe_organization",
      contentItems: 1,
      prompts: [],
    });
    expect(requests.map((r) => r.method)).toEqual([
      "initialize",
      "notifications/initialized",
      "tools/list",
      "tools/list",
      "tools/call",
      "prompts/list",
    ]);
    // After initialize: the session id and the negotiated protocol version travel on every request.
    expect(requests[2]?.headers["mcp-session-id"]).toBe("session-1");
    expect(requests[2]?.headers["mcp-protocol-version"]).toBe("2025-06-18");
    expect(log.join("\n")).toMatch(/ok {3}tools\/call orgs___describe_organization/);
  });

  it("lists the prompts and renders one through the Gateway, its name prefixed", async () => {
    behaviour.prompts = ["orgs___explain_access_denied", "orgs___review_policy_change"];
    const log: string[] = [];
    const result = await runSmokeTest({ url, token: "test-token", log: (l) => log.push(l) });
    expect(result.prompts).toEqual(behaviour.prompts);
    expect(requests.map((r) => r.method).slice(-2)).toEqual(["prompts/list", "prompts/get"]);
    expect(log.join("\n")).toMatch(
      /ok {3}prompts\/list: .*prompts\/get orgs___explain_access_denied: 1 message/,
    );
  });

  it("notes a Gateway that lists none of the server's prompts, and fails when a listed one does not render", async () => {
    behaviour.prompts = [];
    const log: string[] = [];
    await runSmokeTest({ url, token: "test-token", log: (l) => log.push(l) });
    expect(log.join("\n")).toMatch(
      /note prompts\/list: no prompts, not the server's; synchronize the Gateway target/,
    );
    log.length = 0;
    delete behaviour.prompts;
    await runSmokeTest({ url, token: "test-token", log: (l) => log.push(l) });
    expect(log.join("\n")).toMatch(/note prompts\/list: prompts\/list: JSON-RPC error -32601/);
    // A Gateway that lists the prompt but cannot render it: without arguments the fake renders no message.
    behaviour.prompts = ["orgs___explain_access_denied"];
    await expect(
      runSmokeTest({ url, token: "test-token", fetchImpl: withoutPromptArguments }),
    ).rejects.toThrow(/prompts\/get orgs___explain_access_denied: the answer has no messages/);
  });

  it("against this server (no Gateway): its three prompts listed, one rendered", async () => {
    const harness = await startHarness();
    const log: string[] = [];
    const result = await runSmokeTest({
      url: "http://localhost/mcp",
      token: "unused-locally",
      fetchImpl: harness.fetch as typeof fetch,
      log: (l) => log.push(l),
    });
    expect(result.prompts.sort()).toEqual([
      "audit_account_guardrails",
      "explain_access_denied",
      "review_policy_change",
    ]);
    expect(log.join("\n")).toMatch(/prompts\/get explain_access_denied: 1 message/);
  });

  it("reads text/event-stream answers", async () => {
    behaviour.sse = true;
    const result = await runSmokeTest({ url, token: "test-token", tool: "list_policies" });
    expect(result.called).toBe("orgs___list_policies");
  });

  it("fails when a tool reports an error", async () => {
    behaviour.toolError = true;
    await expect(runSmokeTest({ url, token: "test-token" })).rejects.toThrow(
      /tools\/call orgs___describe_organization: the tool reported an error: AccessDenied/,
    );
  });

  it("fails when tools do not carry the expected target prefix", async () => {
    behaviour.prefix = "other";
    await expect(runSmokeTest({ url, token: "test-token", target: "orgs" })).rejects.toThrow(
      /expected every tool as orgs___<tool>/,
    );
  });

  it("fails when a tool name is longer than the 64 characters Bedrock accepts", async () => {
    behaviour.prefix = "t".repeat(64 - "___describe_organization".length + 1);
    await expect(runSmokeTest({ url, token: "test-token", log: () => undefined })).rejects.toThrow(
      new RegExp(
        `tools/list: ${behaviour.prefix}___describe_organization \\(65\\).* longer than 64 characters`,
      ),
    );
  });

  it("explains HTTP failures", async () => {
    await expect(runSmokeTest({ url, token: "wrong" })).rejects.toThrow(
      /initialize: HTTP 401 \(the token was refused/,
    );
    behaviour.status = 403;
    await expect(runSmokeTest({ url, token: "test-token" })).rejects.toThrow(/HTTP 403/);
  });
});

/** A fetch that drops prompts/get's arguments, so the fake Gateway renders no message. */
const withoutPromptArguments: typeof fetch = (input, init) => {
  const body = JSON.parse(String(init?.body)) as { method: string; params?: Record<string, unknown> };
  if (body.method === "prompts/get") delete body.params?.arguments;
  return fetch(input, { ...init, body: JSON.stringify(body) });
};

describe("helpers", () => {
  it("parses JSON, batches and SSE", () => {
    expect(parseMcpBody("application/json", '{"jsonrpc":"2.0","id":1,"result":{}}', 1).result).toEqual({});
    expect(parseMcpBody("application/json", '[{"jsonrpc":"2.0","id":2,"result":1}]', 2).result).toBe(1);
    const sse =
      'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress"}\n\nevent: message\ndata: {"jsonrpc":"2.0","id":3,"result":"x"}\n\n';
    expect(parseMcpBody("text/event-stream", sse, 3).result).toBe("x");
    expect(() => parseMcpBody("application/json", '{"jsonrpc":"2.0","id":9}', 3)).toThrow(
      /no JSON-RPC response with id 3/,
    );
    expect(() => parseMcpBody("text/html", "<html>", 1)).toThrow(/not JSON \(text\/html\)/);
  });

  it("chooses the named tool, else a tool without required arguments", () => {
    const tools: Tool[] = [
      { name: "t___explain", inputSchema: { required: ["x"] } },
      { name: "t___list_policies" },
      { name: "t___get_organization_tree", inputSchema: {} },
    ];
    expect(chooseTool(tools).name).toBe("t___get_organization_tree");
    expect(chooseTool(tools, "explain").name).toBe("t___explain");
    expect(() => chooseTool(tools, "nope")).toThrow(/not listed/);
    expect(() => chooseTool([tools[0]!])).toThrow(/pass --tool and --arguments/);
  });
});

describe("command line", () => {
  it("runs from environment variables", async () => {
    const log: string[] = [];
    expect(
      await main([], { MCP_GATEWAY_URL: url, MCP_TOKEN: "test-token", MCP_TARGET_NAME: "orgs" }, (l) =>
        log.push(l),
      ),
    ).toBe(0);
    expect(log.at(-1)).toMatch(/smoke test passed: 3 tools, called orgs___describe_organization/);
  });

  it("reports usage errors", async () => {
    await expect(main([], {})).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/--url/),
    });
    await expect(main(["--url", url], {})).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/no token/),
    });
    await expect(main(["--url", url, "--arguments", "[1]"], { MCP_TOKEN: "t" })).rejects.toThrow(
      /must be a JSON object/,
    );
  });
});
