import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SERVER_NAME, SERVER_VERSION } from "../version.js";
import type { ToolContext } from "./tool-context.js";
import { sharedJsonSchemaValidator } from "./json-schema-validator.js";
import { TOOLS } from "./tools/index.js";

const INSTRUCTIONS =
  "Audits and explains AWS Organizations Service Control Policies (SCPs) and Resource Control Policies (RCPs). " +
  "Start with get_server_status to see which organization and scope you are in. get_effective_scps shows every " +
  "guardrail an account is under; list_scp_policies, get_scp_detail and get_scp_targets audit single policies. " +
  "For an AccessDenied error, pass the pasted error text to analyze_error_log; to ask whether a request would " +
  "be allowed, use simulate_scp_request. compare_scp_config reports drift from the expected baseline and " +
  "lint_scp_policy checks a policy (deployed or draft) for mistakes that weaken a guardrail. " +
  "All tools are read-only.";

/**
 * A server with every tool registered, for one request: the server is stateless, so each request
 * gets its own server and transport, as the SDK's stateless examples do, and its tools the
 * context of that request.
 */
export function createMcpServer(ctx: ToolContext): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      capabilities: { tools: {} },
      instructions: INSTRUCTIONS,
      jsonSchemaValidator: sharedJsonSchemaValidator,
    },
  );
  for (const tool of TOOLS) tool.register(server, ctx);
  return server;
}
