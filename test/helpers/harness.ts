/** Builds the real app in-process and connects the SDK client to it, as a user's MCP client would. */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { parseEnv } from "../../src/config/env.js";
import type { ConfigDeps } from "../../src/config/load.js";
import { createApp } from "../../src/http/app.js";
import type { TokenVerifier } from "../../src/http/auth.js";
import { createMemoryLogger } from "../../src/logging/logger.js";
import type { RuntimeState } from "../../src/runtime.js";
import { startUp, type StartupDeps } from "../../src/startup.js";

export interface Harness {
  app: ReturnType<typeof createApp>;
  runtime: RuntimeState;
  logger: ReturnType<typeof createMemoryLogger>;
  /** Fetch bound to the in-process app. */
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
}

const noSecrets: ConfigDeps = {
  readSecret: async (id) => {
    throw new Error(`unexpected secret read: ${id}`);
  },
};

export async function startHarness(
  env: Record<string, string> = {},
  deps: StartupDeps = {},
  maxBodyBytes = parseEnv(env).MAX_REQUEST_BODY_BYTES,
): Promise<Harness> {
  const logger = createMemoryLogger("debug");
  const runtime: RuntimeState = { version: "test", startedAt: new Date(), ready: false };
  const started = await startUp(parseEnv(env), runtime, logger, { configDeps: noSecrets, ...deps });
  const verifier: TokenVerifier | undefined = started.verifier;
  const app = createApp({
    runtime,
    logger,
    maxBodyBytes,
    verifier: () => verifier,
    allowedHosts: parseEnv(env).ALLOWED_HOSTS ?? [],
    callBudgetMs: parseEnv(env).CALL_BUDGET_MS,
  });
  // As a client over a socket would, the request names its host (the DNS-rebinding guard reads it).
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    if (!request.headers.has("host")) request.headers.set("host", new URL(request.url).host);
    return app.fetch(request);
  };
  return { app, runtime, logger, fetch };
}

export async function connect(
  harness: Pick<Harness, "fetch">,
  url = "http://localhost/mcp",
  headers: Record<string, string> = {},
): Promise<Client> {
  const client = new Client({ name: "e2e-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    fetch: harness.fetch,
    requestInit: { headers },
  });
  await client.connect(transport);
  return client;
}

export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
  return { result, text, data: result.structuredContent as Record<string, any> | undefined };
}

/** A raw JSON-RPC POST, for the cases a well-behaved client never sends. */
export async function rawPost(
  harness: Pick<Harness, "fetch">,
  body: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return harness.fetch("http://localhost/mcp", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body,
  });
}
