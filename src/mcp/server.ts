import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  isJSONRPCRequest,
  type JSONRPCErrorResponse,
  type JSONRPCRequest,
} from "@modelcontextprotocol/sdk/types.js";
import { MAX_INPUT_ELEMENTS } from "../policy/limits.js";
import { SERVER_NAME, SERVER_VERSION } from "../version.js";
import type { ToolContext } from "./tool-context.js";
import { sharedJsonSchemaValidator } from "./json-schema-validator.js";
import { registerPrompts } from "./prompts.js";
import { TOOLS } from "./tools/index.js";

const INSTRUCTIONS =
  "Audits and explains AWS Organizations Service Control Policies (SCPs) and Resource Control Policies (RCPs). " +
  "Start with get_server_status to see which organization and scope you are in. get_effective_scps shows every " +
  "guardrail an account is under; list_scp_policies, get_scp_detail and get_scp_targets audit single policies. " +
  "For an AccessDenied error, pass the pasted error text to analyze_error_log; to ask whether a request would " +
  "be allowed, use simulate_scp_request. compare_scp_config reports drift from the expected baseline and " +
  "lint_scp_policy checks a policy (deployed or draft) for mistakes that weaken a guardrail. " +
  "All tools are read-only. Answers that can grow come a page at a time: pass nextCursor as cursor for the next. " +
  "Prompts: explain_access_denied, audit_account_guardrails, review_policy_change.";

/**
 * A server with every tool registered, for one request: the server is stateless, so each request
 * gets its own server and transport, as the SDK's stateless examples do, and its tools the
 * context of that request.
 */
export function createMcpServer(ctx: ToolContext): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      capabilities: { tools: {}, prompts: {} },
      instructions: INSTRUCTIONS,
      jsonSchemaValidator: sharedJsonSchemaValidator,
      // Counted before any schema reads the arguments (issue 15): a refusal costs little.
      maxToolInputElements: MAX_INPUT_ELEMENTS,
    },
  );
  for (const tool of TOOLS) tool.register(server, ctx);
  registerPrompts(server);
  return server;
}

/**
 * Connects a request's server to its transport, with one check in front: a tools/call whose params
 * the SDK cannot parse (no tool name, arguments that are a list or a string) gets JSON-RPC -32602
 * and one line saying what is wrong. The SDK would answer -32603, an internal error, with the
 * validation issues dumped as JSON. Everything else reaches the server as sent.
 */
export async function connectForRequest(server: McpServer, transport: Transport): Promise<void> {
  await server.connect(transport);
  const dispatch = transport.onmessage;
  transport.onmessage = (message, extra) => {
    const problem = isJSONRPCRequest(message) ? toolCallParamsProblem(message) : undefined;
    if (problem === undefined || !isJSONRPCRequest(message)) {
      dispatch?.(message, extra);
      return;
    }
    const error: JSONRPCErrorResponse = {
      jsonrpc: "2.0",
      id: message.id,
      error: { code: ErrorCode.InvalidParams, message: `Invalid params: ${problem}` },
    };
    // Sent through the transport, which answers the HTTP request with it.
    transport.send(error).catch(() => undefined);
  };
}

const kind = (v: unknown): string =>
  v === undefined
    ? "none"
    : v === null
      ? "null"
      : Array.isArray(v)
        ? "a list"
        : typeof v === "object"
          ? "an object"
          : `a ${typeof v}`;

/** What is wrong with a tools/call request's params, in one line; undefined when nothing is. */
export function toolCallParamsProblem(request: JSONRPCRequest): string | undefined {
  if (request.method !== "tools/call") return undefined;
  const parsed = CallToolRequestSchema.safeParse(request);
  if (parsed.success) return undefined;
  const params: unknown = request.params;
  if (params === undefined || params === null || typeof params !== "object" || Array.isArray(params))
    return `tools/call needs params {"name": <tool name>, "arguments": {...}} (got ${kind(params)}).`;
  const { name, arguments: args } = params as { name?: unknown; arguments?: unknown };
  if (name === undefined)
    return "params.name is missing: give the name of the tool to call (tools/list lists them).";
  if (typeof name !== "string") return `params.name must be a string, the tool's name (got ${kind(name)}).`;
  if (args !== undefined && (args === null || typeof args !== "object" || Array.isArray(args)))
    return `params.arguments must be an object of named arguments, such as {"policyId": "p-abcd1234"} (got ${kind(args)}).`;
  const issue = parsed.error.issues[0];
  const where = issue ? issue.path.map(String).join(".") : "";
  return `${where ? `${where}: ` : ""}${issue?.message ?? "the request does not match tools/call"}.`;
}
