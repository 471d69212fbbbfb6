import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SERVER_NAME, SERVER_VERSION } from "../version.js";
import type { ToolContext } from "./tool-context.js";
import { jsonSchemaValidator } from "./json-schema-validator.js";
import { TOOLS } from "./tools/index.js";

const INSTRUCTIONS =
  "Audits and explains AWS Organizations Service Control Policies (SCPs) and Resource Control Policies (RCPs). " +
  "Start with get_server_status to see which organization and scope you are in. get_effective_scps shows every " +
  "guardrail an account is under; list_scp_policies, get_scp_detail and get_scp_targets audit single policies. " +
  "For an AccessDenied error, pass the pasted error text to analyze_error_log; to ask whether a request would " +
  "be allowed, use simulate_scp_request. compare_scp_config reports drift from the expected baseline and " +
  "lint_scp_policy checks a policy (deployed or draft) for mistakes that weaken a guardrail. " +
  "All tools are read-only.";

/** A server with every tool registered; McpServerPool reuses them across requests. */
export function createMcpServer(ctx: ToolContext): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    { capabilities: { tools: {} }, instructions: INSTRUCTIONS, jsonSchemaValidator: jsonSchemaValidator() },
  );
  for (const tool of TOOLS) tool.register(server, ctx);
  return server;
}

interface Pooled {
  server: McpServer;
  /** The context the tools were registered with; rebound to each request it serves. */
  ctx: ToolContext;
}

/**
 * Idle McpServers kept for reuse. The stateless transport cannot be reused, but a server whose
 * transport has closed can connect to the next one; registering every tool again per request was a
 * measurable share of a warm tools/call. A server serves one request at a time, so rebinding its
 * context is safe; one that did not close cleanly is dropped, not returned. What the SDK keeps from an
 * `initialize` (the client's capabilities) stays with a pooled server: no tool sends requests to the
 * client, so nothing reads it; a tool that would (sampling, elicitation) needs a fresh server.
 */
export class McpServerPool {
  private readonly idle: Pooled[] = [];

  constructor(private readonly maxIdle = 64) {}

  acquire(ctx: ToolContext): Pooled {
    const pooled = this.idle.pop();
    if (!pooled) {
      const own: ToolContext = { ...ctx };
      return { server: createMcpServer(own), ctx: own };
    }
    Object.assign(pooled.ctx, ctx);
    return pooled;
  }

  release(pooled: Pooled): void {
    if (this.idle.length < this.maxIdle) this.idle.push(pooled);
  }
}
