import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { SERVER_NAME, SERVER_VERSION } from "../version.js";
import type { ToolContext } from "./context.js";
import { TOOLS } from "./tools/index.js";

const INSTRUCTIONS =
  "Audits and explains AWS Organizations Service Control Policies (SCPs) and Resource Control Policies (RCPs). " +
  "Start with get_server_status to see which organization and scope you are in. get_effective_scps shows every " +
  "guardrail an account is under; list_scp_policies, get_scp_detail and get_scp_targets audit single policies. " +
  "All tools are read-only.";

// Building an Ajv instance is the costliest part of a new McpServer; one shared instance serves all.
let validator: AjvJsonSchemaValidator | undefined;

/** A fresh server per HTTP request: the stateless transport cannot be reused. */
export function createMcpServer(ctx: ToolContext): McpServer {
  validator ??= new AjvJsonSchemaValidator();
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS, jsonSchemaValidator: validator },
  );
  for (const tool of TOOLS) tool.register(server, ctx);
  return server;
}
