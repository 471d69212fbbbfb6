/** HTTP behaviour of POST /mcp and /healthz, in-process and over a real socket. */
import { serve, type ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/http/app.js";
import { createTokenVerifier } from "../src/http/auth.js";
import { createMemoryLogger } from "../src/logging/logger.js";
import type { RuntimeState } from "../src/runtime.js";
import { callTool, connect, rawPost, startHarness, type Harness } from "./helpers/harness.js";
import { TEST_CLIENT, TEST_POOL, TEST_SCOPE, accessToken, testJwks } from "./helpers/jwt.js";

const initialize = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "curl", version: "1" } },
});
const callStatus = JSON.stringify({
  jsonrpc: "2.0",
  id: 2,
  method: "tools/call",
  params: { name: "get_server_status", arguments: {} },
});

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({}, {}, 64 * 1024);
});

describe("/healthz and /ping", () => {
  it("answer 503 until start-up has finished, and so does POST /mcp", async () => {
    const runtime: RuntimeState = { version: "t", startedAt: new Date(), ready: false };
    const app = createApp({
      runtime,
      logger: createMemoryLogger(),
      maxBodyBytes: 1024,
      verifier: () => undefined,
    });
    const health = await app.request("/healthz");
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: "starting" });
    const ping = await app.request("/ping");
    expect(ping.status).toBe(503);
    expect(await ping.json()).toEqual({
      status: "Unhealthy",
      time_of_last_update: Math.floor(runtime.startedAt.getTime() / 1000),
    });
    const mcp = await app.request("/mcp", { method: "POST", body: initialize });
    expect(mcp.status).toBe(503);
    expect(mcp.headers.get("retry-after")).toBe("2");
  });

  it("/healthz says the status and nothing else: no configuration source, auth flag or data age", async () => {
    const res = await harness.fetch("http://localhost/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("/ping answers as AgentCore's HTTP contract says, with the second the status last changed", async () => {
    const readyAt = Math.floor((harness.runtime.readyAt?.getTime() ?? 0) / 1000);
    expect(readyAt).toBeGreaterThan(0);
    for (let i = 0; i < 2; i++) {
      const res = await harness.fetch("http://localhost/ping");
      expect(res.status).toBe(200);
      // Not the time of the ping: the platform's idle reaper reads it as the last change.
      expect(await res.json()).toEqual({ status: "Healthy", time_of_last_update: readyAt });
    }
  });

  it("answer any Host: platform probes name the container however they reach it", async () => {
    for (const path of ["/healthz", "/ping"]) {
      const res = await harness.fetch(`http://localhost${path}`, { headers: { host: "10.0.3.7:8000" } });
      expect(res.status, path).toBe(200);
    }
  });
});

describe("POST /mcp", () => {
  it("serves a client that accepts application/json only", async () => {
    const res = await rawPost(harness, initialize, { accept: "application/json" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect((await res.json()).result.serverInfo.name).toBe("aws-organizations-mcp-server");
    const call = await rawPost(harness, callStatus, { accept: "application/json" });
    expect((await call.json()).result.structuredContent.organization.id).toBe("o-a1b2c3d4e5");
  });

  it("serves a client that sends no Accept header at all", async () => {
    const res = await harness.fetch("http://localhost/mcp", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: callStatus,
    });
    expect(res.status).toBe(200);
  });

  it("refuses a client that accepts only event streams, naming the fix", async () => {
    const res = await rawPost(harness, initialize, { accept: "text/event-stream" });
    expect(res.status).toBe(406);
    expect((await res.json()).error.message).toMatch(/application\/json/);
  });

  it("accepts a platform-supplied Mcp-Session-Id and answers without a session of its own", async () => {
    const res = await rawPost(harness, callStatus, {
      "mcp-session-id": "agentcore-session-1234567890-abcdefghijkl",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("mcp-session-id")).toBeNull();
    expect((await res.json()).result.isError).toBeFalsy();
  });

  it("answers GET and DELETE with 405", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await harness.fetch("http://localhost/mcp", { method });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
      expect((await res.json()).error.message).toMatch(/POST \/mcp/);
    }
  });

  it("answers a body over the limit with 413 and the limit", async () => {
    const big = JSON.stringify({
      jsonrpc: "2.0",
      id: 3,
      method: "ping",
      params: { pad: "x".repeat(70 * 1024) },
    });
    const res = await rawPost(harness, big);
    expect(res.status).toBe(413);
    expect((await res.json()).error.message).toMatch(/limit is 65536 bytes/);
  });

  it("answers broken JSON with a JSON-RPC parse error", async () => {
    const res = await rawPost(harness, "{not json");
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32700, message: "Parse error: the request body is not valid JSON." },
    });
  });

  it("answers an unknown tool with a clear error", async () => {
    const res = await rawPost(
      harness,
      JSON.stringify({
        jsonrpc: "2.0",
        id: 9,
        method: "tools/call",
        params: { name: "delete_scp", arguments: {} },
      }),
    );
    const body = await res.json();
    expect(JSON.stringify(body)).toMatch(/Tool delete_scp not found/);
  });

  it("writes one JSON log line per request with request id, tool, outcome and duration", async () => {
    harness.logger.lines.length = 0;
    await rawPost(harness, callStatus, { "x-request-id": "req-abc-123" });
    const lines = harness.logger.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "info",
      requestId: "req-abc-123",
      method: "tools/call",
      tool: "get_server_status",
      status: 200,
      outcome: "ok",
    });
    expect(typeof lines[0].durationMs).toBe("number");
    await rawPost(
      harness,
      JSON.stringify({
        jsonrpc: "2.0",
        id: 4,
        method: "tools/call",
        params: { name: "get_scp_detail", arguments: { policyId: "p-doesnotexist" } },
      }),
    );
    const last = JSON.parse(harness.logger.lines.at(-1) ?? "{}");
    expect(last).toMatchObject({ tool: "get_scp_detail", outcome: "tool_error" });
  });

  it("keeps concurrent requests apart, each on a server and transport of its own", async () => {
    const accounts = ["210000000001", "220000000001", "230000000001", "230000000002", "240000000001"];
    const ask = async (accountId: string, i: number) => {
      const res = await rawPost(
        harness,
        JSON.stringify({
          jsonrpc: "2.0",
          id: i,
          method: "tools/call",
          params: { name: "get_effective_scps", arguments: { accountId } },
        }),
        { "x-request-id": `pool-${i}` },
      );
      return { accountId, i, body: (await res.json()) as any };
    };
    // Three rounds of concurrent calls: each answer carries its own id and its own account.
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(
        accounts.flatMap((a, j) => [ask(a, round * 100 + j * 2), ask(a, round * 100 + j * 2 + 1)]),
      );
      for (const { accountId, i, body } of answers) {
        expect(body.id).toBe(i);
        expect(body.result.structuredContent.target.id).toBe(accountId);
      }
    }
    const ids = harness.logger.lines
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === "request" && String(l.requestId).startsWith("pool-"))
      .map((l) => l.requestId);
    expect(new Set(ids).size).toBe(30);
  });

  it("gives each tool call the request id of its own request, whatever runs beside it", async () => {
    harness.logger.lines.length = 0;
    const sent = Array.from({ length: 24 }, (_, i) => `ctx-${i}`);
    await Promise.all(
      sent.map((id, i) =>
        rawPost(
          harness,
          JSON.stringify({
            jsonrpc: "2.0",
            id: i,
            method: "tools/call",
            params: { name: "get_server_status", arguments: { refresh: true } },
          }),
          { "x-request-id": id },
        ),
      ),
    );
    // get_server_status logs the refresh (or, within a minute of the last, its refusal) with the
    // request id of the context the tool ran with.
    const logged = harness.logger.lines
      .map((l) => JSON.parse(l))
      .filter((l) => /^organization cache refresh(ed| refused)$/.test(l.msg))
      .map((l) => l.requestId)
      .sort();
    expect(logged).toEqual([...sent].sort());
  });

  it.each([
    ["application/json only", { accept: "application/json" }, 200],
    ["*/*", { accept: "*/*" }, 200],
    ["Content-Type with a charset", { "content-type": "application/json; charset=utf-8" }, 200],
    ["a supported MCP-Protocol-Version", { "mcp-protocol-version": "2025-06-18" }, 200],
    ["text/event-stream only", { accept: "text/event-stream" }, 406],
    ["text/html", { accept: "text/html" }, 406],
    ["Content-Type: text/plain", { "content-type": "text/plain" }, 415],
    ["an unsupported MCP-Protocol-Version", { "mcp-protocol-version": "1999-01-01" }, 400],
  ])("answers a tools/call with %s: HTTP %i, JSON, with its request id", async (_what, headers, status) => {
    const res = await rawPost(harness, callStatus, { "x-request-id": "hdr-1", ...headers });
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("x-request-id")).toBe("hdr-1");
    const body = await res.json();
    if (status === 200) expect(body.result.structuredContent.organization.id).toBe("o-a1b2c3d4e5");
    else expect(body).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32000 } });
  });

  it.each([
    ["a fractional id", { id: 1.5 }],
    ["a null id", { id: null }],
    ["a wrong jsonrpc version", { jsonrpc: "1.0" }],
    ["an extra envelope member", { extra: true }],
  ])("refuses an envelope with %s as an invalid JSON-RPC message", async (_what, change) => {
    const res = await rawPost(harness, JSON.stringify({ ...JSON.parse(callStatus), ...change }));
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/Invalid JSON-RPC message/);
  });

  it("answers arguments the tool's schema refuses with an isError result naming the argument", async () => {
    const res = await rawPost(
      harness,
      JSON.stringify({
        jsonrpc: "2.0",
        id: 5,
        method: "tools/call",
        params: { name: "get_effective_scps", arguments: { accountId: "12345" } },
      }),
    );
    const body = await res.json();
    expect(body.id).toBe(5);
    expect(body.result.isError).toBe(true);
    expect(body.result.content[0].text).toMatch(/account id is exactly 12 digits.* at accountId/);
  });

  it("answers a notification with 202 and no body", async () => {
    const res = await rawPost(
      harness,
      JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
    );
    expect(res.status).toBe(202);
    expect(await res.text()).toBe("");
  });

  it("refuses JSON-RPC batches, naming the fix", async () => {
    const res = await rawPost(harness, `[${callStatus},${callStatus}]`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.error.message).toMatch(/batches are not supported; send one JSON-RPC message per POST/);
  });
});

describe("authentication through the app", () => {
  let authed: Harness;
  beforeAll(async () => {
    authed = await startHarness(
      {
        AUTH_ENABLED: "true",
        COGNITO_USER_POOL_ID: TEST_POOL,
        AUTH_ALLOWED_CLIENT_IDS: TEST_CLIENT,
        AUTH_REQUIRED_SCOPES: TEST_SCOPE,
      },
      { createVerifier: (auth) => createTokenVerifier(auth, { jwks: testJwks }) },
    );
  });

  it("refuses a request without a token, leaves /healthz open", async () => {
    const res = await rawPost(authed, callStatus);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await authed.fetch("http://localhost/healthz")).status).toBe(200);
  });

  it("serves the SDK client with a valid Cognito access token, and never logs it", async () => {
    const token = accessToken();
    const client = await connect(authed, "http://localhost/mcp", { authorization: `Bearer ${token}` });
    const { data } = await callTool(client, "get_server_status");
    expect(data?.config.authEnabled).toBe(true);
    await client.close();
    const log = authed.logger.lines.join("\n");
    expect(log).not.toContain(token.split(".")[2]);
    expect(log).toContain(`"clientId":"${TEST_CLIENT}"`);
  });

  it("refuses a token of another client", async () => {
    const res = await rawPost(authed, callStatus, {
      authorization: `Bearer ${accessToken({ client_id: "intruder" })}`,
    });
    expect(res.status).toBe(401);
  });

  it.each(["/mcp", "/mcp/"])(
    "answers AgentCore's health probe, a lone ping without a token, on %s, and logs it at debug",
    async (path) => {
      const probe = (): Promise<Response> =>
        authed.fetch(`http://localhost${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", method: "ping", id: 1 }),
        });
      const requestLines = (): any[] =>
        authed.logger.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
      authed.logger.lines.length = 0;
      const res = await probe();
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ jsonrpc: "2.0", id: 1, result: {} });
      // At the default level a probe every few seconds leaves no line; at debug it does.
      expect(requestLines()).toEqual([]);
      authed.logger.level = "debug";
      try {
        expect((await probe()).status).toBe(200);
        expect(requestLines()).toEqual([
          expect.objectContaining({ level: "debug", method: "ping", status: 200 }),
        ]);
      } finally {
        authed.logger.level = "info";
      }
    },
  );

  it.each([
    ["without Content-Type or Accept", {}, { jsonrpc: "2.0", method: "ping", id: 7 }],
    [
      'with "params": null (neo4j/mcp issue 173)',
      { "content-type": "application/json", accept: "application/json" },
      { jsonrpc: "2.0", method: "ping", params: null, id: 7 },
    ],
    [
      'with empty "params"',
      { "content-type": "application/json", accept: "application/json" },
      { jsonrpc: "2.0", method: "ping", params: {}, id: 7 },
    ],
  ])("answers a probe %s, without a token", async (_what, headers, body) => {
    const res = await authed.fetch("http://localhost/mcp", {
      method: "POST",
      headers,
      // Bytes, so that fetch adds no Content-Type of its own.
      body: new TextEncoder().encode(JSON.stringify(body)),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ jsonrpc: "2.0", id: 7, result: {} });
  });

  it.each([
    ["a batch of pings", [{ jsonrpc: "2.0", method: "ping", id: 1 }]],
    ["another method", { jsonrpc: "2.0", method: "tools/list", id: 1 }],
    ["initialize", JSON.parse(initialize)],
    ["a ping notification (no id)", { jsonrpc: "2.0", method: "ping" }],
    ["a ping with params that carry something", { jsonrpc: "2.0", method: "ping", id: 1, params: { x: 1 } }],
    ["a ping with array params", { jsonrpc: "2.0", method: "ping", id: 1, params: [] }],
    ["a ping with another member", { jsonrpc: "2.0", method: "ping", id: 1, extra: "x" }],
    ["a ping with a null id", { jsonrpc: "2.0", method: "ping", id: null }],
    [
      "a ping padded past 256 bytes",
      JSON.parse(`{"jsonrpc":"2.0","method":"ping","id":"${"x".repeat(300)}"}`),
    ],
    ["a tool call", JSON.parse(callStatus)],
  ])("still refuses %s without a token", async (_what, body) => {
    for (const path of ["/mcp", "/mcp/"]) {
      const res = await authed.fetch(`http://localhost${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body),
      });
      expect(res.status, path).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
  });

  it("reads no more than 256 bytes of an unauthenticated body, whether its length is declared or not", async () => {
    const ping = JSON.stringify({ jsonrpc: "2.0", method: "ping", id: 1 });
    const declared = await rawPost(authed, ping, { "content-length": String(Buffer.byteLength(ping)) });
    expect(declared.status).toBe(200);
    const big = JSON.stringify({ jsonrpc: "2.0", method: "ping", id: "x".repeat(100_000) });
    expect((await rawPost(authed, big, { "content-length": String(big.length) })).status).toBe(401);
    expect((await rawPost(authed, big)).status).toBe(401);
  });

  it("refuses a ping that carries a bad token: credentials sent are checked", async () => {
    const res = await rawPost(authed, JSON.stringify({ jsonrpc: "2.0", method: "ping", id: 1 }), {
      authorization: "Bearer not-a-token",
    });
    expect(res.status).toBe(401);
  });

  it("serves any Host with a valid token, but refuses a browser Origin that is not allowed", async () => {
    const authorization = `Bearer ${accessToken()}`;
    const ok = await rawPost(authed, callStatus, { authorization, host: "abc.runtime.example.internal" });
    expect(ok.status).toBe(200);
    const local = await rawPost(authed, callStatus, { authorization, origin: "http://localhost:6274" });
    expect(local.status).toBe(200);
    const evil = await rawPost(authed, callStatus, { authorization, origin: "https://evil.example" });
    expect(evil.status).toBe(403);
    expect((await evil.json()).error.message).toMatch(/Origin header names "https:\/\/evil.example"/);
  });
});

describe("DNS rebinding, authentication off", () => {
  it.each([
    ["a foreign Host", { host: "evil.example" }],
    ["a foreign Host with the port", { host: "evil.example:8000" }],
    [
      "a foreign Host and Origin, as a rebinding page sends",
      { host: "evil.example", origin: "http://evil.example" },
    ],
    ["a local Host but a foreign Origin", { host: "localhost:8000", origin: "http://evil.example" }],
    ["Origin null (a sandboxed page)", { origin: "null" }],
    ["an Origin that is not a web origin", { origin: "file:///home/user/page.html" }],
    ["a Host that names a user before the host", { host: "localhost@evil.example" }],
  ])("refuses %s with 403 and a JSON-RPC error, before running anything", async (_what, headers) => {
    harness.logger.lines.length = 0;
    const res = await rawPost(harness, callStatus, { "x-request-id": "dns-1", ...headers });
    expect(res.status).toBe(403);
    expect(res.headers.get("x-request-id")).toBe("dns-1");
    const body = await res.json();
    expect(body).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32000 } });
    expect(body.error.message).toMatch(/^Forbidden: the (Host|Origin) header .*ALLOWED_HOSTS/);
    const lines = harness.logger.lines.map((l) => JSON.parse(l));
    expect(lines.some((l) => l.msg === "request")).toBe(false);
    expect(lines.some((l) => l.msg === "request refused: host not allowed")).toBe(true);
  });

  it("refuses a request without a Host header", async () => {
    const request = new Request("http://localhost/mcp", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: callStatus,
    });
    expect(request.headers.get("host")).toBeNull();
    expect((await harness.app.fetch(request)).status).toBe(403);
  });

  it("refuses GET and DELETE /mcp from a foreign Host too", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await harness.fetch("http://localhost/mcp", { method, headers: { host: "evil.example" } });
      expect(res.status, method).toBe(403);
    }
  });

  it.each([
    ["localhost on any port", { host: "localhost:51234" }],
    ["127.0.0.1 with a matching Origin", { host: "127.0.0.1:8000", origin: "http://127.0.0.1:8000" }],
    ["[::1]", { host: "[::1]:8000" }],
    ["a browser page on another local port", { host: "localhost:8000", origin: "http://localhost:6274" }],
    ["upper case", { host: "LOCALHOST:8000" }],
  ])("serves %s", async (_what, headers) => {
    const res = await rawPost(harness, callStatus, headers);
    expect(res.status).toBe(200);
  });

  it("serves the names ALLOWED_HOSTS adds, in Host and Origin, and still refuses others", async () => {
    const proxied = await startHarness({ ALLOWED_HOSTS: "mcp.example.com" });
    const res = await rawPost(proxied, callStatus, {
      host: "mcp.example.com",
      origin: "https://mcp.example.com",
    });
    expect(res.status).toBe(200);
    expect((await rawPost(proxied, callStatus, { host: "other.example.com" })).status).toBe(403);
  });
});

describe("malformed tools/call params: -32602 and one line, whatever the tool", () => {
  const post = async (params: unknown): Promise<any> => {
    const res = await rawPost(
      harness,
      JSON.stringify({
        jsonrpc: "2.0",
        id: 41,
        method: "tools/call",
        ...(params === undefined ? {} : { params }),
      }),
    );
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.id).toBe(41);
    expect(body.error.code).toBe(-32602);
    expect(body.error.message).not.toMatch(/\n/);
    return body.error.message;
  };

  it.each([
    [
      "arguments that are a list",
      { name: "get_scp_detail", arguments: [] },
      /params\.arguments must be an object .*\(got a list\)/,
    ],
    [
      "arguments sent as a string",
      { name: "get_scp_detail", arguments: '{"policyId":"p-x"}' },
      /params\.arguments must be an object .*\(got a string\)/,
    ],
    [
      "null arguments",
      { name: "list_scp_policies", arguments: null },
      /params\.arguments must be an object .*\(got null\)/,
    ],
    ["no tool name", { arguments: {} }, /params\.name is missing: give the name of the tool to call/],
    [
      "a tool name that is a number",
      { name: 5, arguments: {} },
      /params\.name must be a string.*\(got a number\)/,
    ],
    [
      "no params at all",
      undefined,
      /tools\/call needs params \{"name": <tool name>, "arguments": \{\.\.\.\}\} \(got none\)/,
    ],
  ])("%s", async (_what, params, message) => {
    expect(await post(params)).toMatch(message);
  });

  it("names the member for other malformed params", async () => {
    expect(await post({ name: "list_scp_policies", arguments: {}, task: { ttl: "soon" } })).toBe(
      "Invalid params: params.task.ttl: Invalid input: expected number, received string.",
    );
  });
});

describe("over a real socket", () => {
  let server: ServerType;
  let port: number;
  beforeAll(async () => {
    await new Promise<void>((resolve) => {
      server = serve({ fetch: harness.app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("initializes, lists tools and calls one with the SDK client on an ephemeral port", async () => {
    const client = await connect(
      { fetch: (input, init) => fetch(input, init) },
      `http://127.0.0.1:${port}/mcp`,
    );
    const { tools } = await client.listTools();
    expect(tools.length).toBeGreaterThanOrEqual(5);
    const { data } = await callTool(client, "get_effective_scps", { accountId: "240000000001" });
    expect(data?.ouPath).toBe("Root/Workloads/NonProd/Dev/app-dev");
    await client.close();
  });
});
