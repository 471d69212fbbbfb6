/**
 * Smoke test of a deployed Gateway: initialize, tools/list (names arrive as <target>___<tool>) and
 * one real tool call, over MCP Streamable HTTP with a bearer token.
 *
 *   MCP_TOKEN="$(npx tsx scripts/get-token.ts)" npx tsx scripts/smoke-test.ts --url "$(terraform -chdir=terraform output -raw gateway_url)"
 */
import { parseArgs } from "node:util";
import { CliError, errorText, isMain, runCli, usageError } from "./lib/cli.js";
import { fetchClientCredentialsToken, tokenRequestFrom } from "./get-token.js";

/** Bedrock's limit on a tool name (the Gateway lists <target>___<tool>). */
export const MAX_TOOL_NAME = 64;

export const HELP = `Usage: npx tsx scripts/smoke-test.ts [options]

Checks a deployed MCP endpoint (normally the Gateway URL): initialize, tools/list, one tool call.

Options (each falls back to the environment variable in brackets):
  --url URL              MCP endpoint (terraform output gateway_url) [MCP_GATEWAY_URL]
  --target NAME          expected Gateway target name; every tool must be <target>___<tool> [MCP_TARGET_NAME]
  --tool NAME            tool to call (default: the first tool that needs no arguments)
  --arguments JSON       arguments of the tool call (default {})
  --timeout SECONDS      per-request timeout (default 60; the first call may start the Runtime)
  -h, --help             show this help

Token: MCP_TOKEN, or else MCP_TOKEN_ENDPOINT + MCP_CLIENT_ID + MCP_CLIENT_SECRET (+ MCP_SCOPE)
to fetch one with the client-credentials grant (see scripts/get-token.ts).
Exit codes: 0 all steps passed, 1 a step failed, 2 wrong usage.`;

export const PROTOCOL_VERSION = "2025-06-18";

interface JsonRpcResponse {
  jsonrpc: "2.0";
  id?: number | string | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export interface Tool {
  name: string;
  description?: string;
  inputSchema?: { type?: string; required?: string[]; properties?: Record<string, unknown> };
}

export interface SmokeTestOptions {
  url: string;
  token: string;
  target?: string;
  tool?: string;
  arguments?: Record<string, unknown>;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
  log?: (line: string) => void;
}

export interface SmokeTestResult {
  protocolVersion: string;
  serverName: string;
  tools: string[];
  called: string;
  contentItems: number;
  /** Prompts the endpoint lists; empty when it lists none or does not serve prompts/list. */
  prompts: string[];
}

/** Reads the JSON-RPC response with `id` from a JSON or text/event-stream body. */
export function parseMcpBody(contentType: string, body: string, id: number): JsonRpcResponse {
  const messages: unknown[] = [];
  if (contentType.includes("text/event-stream")) {
    for (const event of body.split(/\r?\n\r?\n/)) {
      const data = event
        .split(/\r?\n/)
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).replace(/^ /, ""))
        .join("\n");
      if (!data) continue;
      try {
        messages.push(JSON.parse(data));
      } catch {
        throw new CliError(`the server sent an event that is not JSON: ${data.slice(0, 200)}`);
      }
    }
  } else {
    try {
      const parsed: unknown = JSON.parse(body);
      messages.push(...(Array.isArray(parsed) ? parsed : [parsed]));
    } catch {
      throw new CliError(
        `the server answered with a body that is not JSON (${contentType || "no content type"}): ${body.slice(0, 200)}`,
      );
    }
  }
  const match = messages.find(
    (m): m is JsonRpcResponse => !!m && typeof m === "object" && (m as JsonRpcResponse).id === id,
  );
  if (!match) throw new CliError(`the server's answer holds no JSON-RPC response with id ${id}.`);
  return match;
}

function httpHint(status: number): string {
  switch (status) {
    case 401:
      return "the token was refused: fetch a fresh one, and check the client is in the Gateway's AllowedClients and has the gateway.invoke scope";
    case 403:
      return "the token is valid but not allowed (scope or client id)";
    case 404:
      return "no MCP endpoint here: use terraform output gateway_url (it ends in /mcp)";
    case 406:
      return "the server wants Accept: application/json, text/event-stream";
    case 429:
      return "throttled: wait and retry";
    default:
      return status >= 500 ? "server-side failure: see the Runtime's CloudWatch logs" : "unexpected status";
  }
}

class McpHttpClient {
  private nextId = 1;
  private sessionId: string | undefined;
  private protocolVersion: string | undefined;

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly timeoutMs: number,
    private readonly fetchImpl: typeof fetch,
  ) {}

  private headers(): Record<string, string> {
    return {
      Authorization: `Bearer ${this.token}`,
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      ...(this.sessionId ? { "Mcp-Session-Id": this.sessionId } : {}),
      ...(this.protocolVersion ? { "MCP-Protocol-Version": this.protocolVersion } : {}),
    };
  }

  private async post(payload: unknown, what: string): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchImpl(this.url, {
        method: "POST",
        headers: this.headers(),
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new CliError(`${what}: cannot reach ${this.url}: ${errorText(error)}`);
    }
    if (!response.ok && response.status !== 202) {
      const detail = (await response.text().catch(() => "")).slice(0, 300);
      throw new CliError(
        `${what}: HTTP ${response.status} (${httpHint(response.status)})${detail ? `: ${detail}` : ""}`,
      );
    }
    return response;
  }

  async request(method: string, params: Record<string, unknown>): Promise<unknown> {
    const id = this.nextId++;
    const response = await this.post({ jsonrpc: "2.0", id, method, params }, method);
    const session = response.headers.get("mcp-session-id");
    if (session) this.sessionId = session;
    const message = parseMcpBody(response.headers.get("content-type") ?? "", await response.text(), id);
    if (message.error) {
      throw new CliError(`${method}: JSON-RPC error ${message.error.code}: ${message.error.message}`);
    }
    return message.result;
  }

  async notify(method: string): Promise<void> {
    const response = await this.post({ jsonrpc: "2.0", method }, method);
    await response.text().catch(() => "");
  }

  useProtocolVersion(version: string): void {
    this.protocolVersion = version;
  }
}

/** The tool to call: the named one, else the first that needs no arguments (organization tools first). */
export function chooseTool(tools: Tool[], requested?: string): Tool {
  if (requested) {
    const exact =
      tools.find((t) => t.name === requested) ?? tools.find((t) => t.name.endsWith(`___${requested}`));
    if (!exact)
      throw new CliError(
        `tool "${requested}" is not listed; listed tools: ${tools.map((t) => t.name).join(", ")}`,
      );
    return exact;
  }
  const callable = tools.filter((t) => (t.inputSchema?.required ?? []).length === 0);
  const preferred = callable.find((t) => /organization/i.test(t.name)) ?? callable[0];
  if (!preferred) throw new CliError("every listed tool needs arguments: pass --tool and --arguments.");
  return preferred;
}

export async function runSmokeTest(options: SmokeTestOptions): Promise<SmokeTestResult> {
  const log = options.log ?? (() => undefined);
  const client = new McpHttpClient(
    options.url,
    options.token,
    options.timeoutMs ?? 60_000,
    options.fetchImpl ?? fetch,
  );

  const init = (await client.request("initialize", {
    protocolVersion: PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: "aws-organizations-mcp-smoke-test", version: "1.0.0" },
  })) as { protocolVersion?: string; serverInfo?: { name?: string; version?: string } } | undefined;
  if (!init || typeof init.protocolVersion !== "string")
    throw new CliError("initialize: the result has no protocolVersion.");
  client.useProtocolVersion(init.protocolVersion);
  const serverName = init.serverInfo?.name ?? "(unnamed)";
  log(`ok   initialize: ${serverName} ${init.serverInfo?.version ?? ""}, protocol ${init.protocolVersion}`);
  await client.notify("notifications/initialized");

  const tools: Tool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const result = (await client.request("tools/list", cursor ? { cursor } : {})) as
      { tools?: Tool[]; nextCursor?: string } | undefined;
    tools.push(...(result?.tools ?? []));
    cursor = result?.nextCursor;
    if (!cursor) break;
  }
  if (tools.length === 0)
    throw new CliError("tools/list: no tools listed (did the Gateway target synchronize?).");
  const unprefixed = tools.filter((t) => !t.name.includes("___"));
  if (unprefixed.length > 0 && unprefixed.length === tools.length) {
    log(
      `note tools/list: names carry no <target>___ prefix; is ${options.url} the Runtime rather than the Gateway?`,
    );
  }
  if (options.target) {
    const foreign = tools.filter((t) => !t.name.startsWith(`${options.target}___`));
    if (foreign.length > 0) {
      throw new CliError(
        `tools/list: expected every tool as ${options.target}___<tool>, got ${foreign.map((t) => t.name).join(", ")}`,
      );
    }
  }
  // Bedrock refuses tool names over 64 characters (terraform/variables.tf, gateway_target_name).
  const tooLong = tools.filter((t) => t.name.length > MAX_TOOL_NAME);
  if (tooLong.length > 0) {
    throw new CliError(
      `tools/list: ${tooLong.map((t) => `${t.name} (${t.name.length})`).join(", ")} longer than ${MAX_TOOL_NAME} ` +
        "characters, which Bedrock refuses: use a shorter gateway_target_name.",
    );
  }
  log(`ok   tools/list: ${tools.length} tools (${tools.map((t) => t.name).join(", ")})`);

  const tool = chooseTool(tools, options.tool);
  const call = (await client.request("tools/call", {
    name: tool.name,
    arguments: options.arguments ?? {},
  })) as { isError?: boolean; content?: { type: string; text?: string }[] } | undefined;
  const content = call?.content ?? [];
  if (call?.isError) {
    const text = content.find((c) => c.type === "text")?.text ?? "(no message)";
    throw new CliError(`tools/call ${tool.name}: the tool reported an error: ${text.slice(0, 500)}`);
  }
  log(`ok   tools/call ${tool.name}: ${content.length} content item(s)`);
  const prompts = await checkPrompts(client, log);
  return {
    protocolVersion: init.protocolVersion,
    serverName,
    tools: tools.map((t) => t.name),
    called: tool.name,
    contentItems: content.length,
    prompts,
  };
}

/** The prompt the smoke test renders, with an argument it needs. */
const SMOKE_PROMPT = "explain_access_denied";

/**
 * The server's prompts through the endpoint: the Gateway lists them from its last synchronization
 * of the target and proxies prompts/get live (docs/deploy.md, "Prompts through the Gateway"). A
 * listing without them is a note (synchronize the target); a listed prompt that does not render fails.
 */
async function checkPrompts(client: McpHttpClient, log: (line: string) => void): Promise<string[]> {
  let listed: { name: string }[];
  try {
    const result = (await client.request("prompts/list", {})) as { prompts?: { name: string }[] } | undefined;
    listed = result?.prompts ?? [];
  } catch (error) {
    log(`note prompts/list: ${errorText(error)}; clients will offer no prompts`);
    return [];
  }
  const names = listed.map((p) => p.name);
  const prompt = listed.find((p) => p.name === SMOKE_PROMPT || p.name.endsWith(`___${SMOKE_PROMPT}`));
  if (!prompt) {
    log(
      `note prompts/list: ${names.length ? names.join(", ") : "no prompts"}, not the server's; ` +
        'synchronize the Gateway target (docs/deploy.md, "When the tools or prompts changed")',
    );
    return names;
  }
  const got = (await client.request("prompts/get", {
    name: prompt.name,
    arguments: {
      error:
        "smoke test: User: arn:aws:iam::123456789012:user/x is not authorized to perform: s3:ListAllMyBuckets",
    },
  })) as { messages?: unknown[] } | undefined;
  if (!got?.messages?.length) throw new CliError(`prompts/get ${prompt.name}: the answer has no messages.`);
  log(
    `ok   prompts/list: ${names.join(", ")}; prompts/get ${prompt.name}: ${got.messages.length} message(s)`,
  );
  return names;
}

export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = (line) => console.log(line),
  fetchImpl?: typeof fetch,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        url: { type: "string" },
        target: { type: "string" },
        tool: { type: "string" },
        arguments: { type: "string" },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw usageError(`${errorText(error)}\n\n${HELP}`);
  }
  const { values } = parsed;
  if (values.help) {
    log(HELP);
    return 0;
  }
  const url = values.url ?? env.MCP_GATEWAY_URL;
  if (!url)
    throw usageError("no endpoint: pass --url or set MCP_GATEWAY_URL (terraform output gateway_url).");
  let args: Record<string, unknown> = {};
  if (values.arguments !== undefined) {
    try {
      const parsedArgs: unknown = JSON.parse(values.arguments);
      if (!parsedArgs || typeof parsedArgs !== "object" || Array.isArray(parsedArgs))
        throw new Error("not an object");
      args = parsedArgs as Record<string, unknown>;
    } catch (error) {
      throw usageError(`--arguments must be a JSON object: ${errorText(error)}`);
    }
  }
  const timeoutSeconds = values.timeout === undefined ? 60 : Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0)
    throw usageError("--timeout must be a positive number of seconds.");

  let token = env.MCP_TOKEN;
  if (!token) {
    if (!env.MCP_TOKEN_ENDPOINT) {
      throw usageError(
        "no token: set MCP_TOKEN, or MCP_TOKEN_ENDPOINT, MCP_CLIENT_ID and MCP_CLIENT_SECRET.",
      );
    }
    const request = tokenRequestFrom({}, env);
    token = (await fetchClientCredentialsToken({ ...request, ...(fetchImpl ? { fetchImpl } : {}) }))
      .access_token;
    log("ok   token: fetched with the client-credentials grant");
  }
  const target = values.target ?? env.MCP_TARGET_NAME;
  const result = await runSmokeTest({
    url,
    token,
    arguments: args,
    timeoutMs: timeoutSeconds * 1000,
    log,
    ...(target ? { target } : {}),
    ...(values.tool ? { tool: values.tool } : {}),
    ...(fetchImpl ? { fetchImpl } : {}),
  });
  log(`smoke test passed: ${result.tools.length} tools, called ${result.called}`);
  return 0;
}

if (isMain(import.meta.url)) runCli((argv) => main(argv));
