/** JSON-RPC error bodies for the answers the HTTP layer gives itself (the one helper for them). */
export interface JsonRpcErrorBody {
  jsonrpc: "2.0";
  id: null;
  error: { code: number; message: string };
}

export function jsonRpcError(code: number, message: string): JsonRpcErrorBody {
  return { jsonrpc: "2.0", id: null, error: { code, message } };
}

/**
 * A lone JSON-RPC ping request and nothing else: exactly `jsonrpc` "2.0", an `id` (a string or an
 * integer) and `method` "ping". What AgentCore Runtime's health probe sends.
 */
export function isBarePing(body: unknown): boolean {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return false;
  const { jsonrpc, id, method, ...rest } = body as Record<string, unknown>;
  // `params` may be present when it carries nothing: `{}`, or `null` as in the probe reported in
  // neo4j/mcp issue 173 (JSON-RPC allows only an object there, so withoutNullParams drops it).
  const { params, ...other } = rest;
  const emptyParams =
    params === undefined ||
    params === null ||
    (typeof params === "object" && !Array.isArray(params) && Object.keys(params).length === 0);
  return (
    Object.keys(other).length === 0 &&
    emptyParams &&
    jsonrpc === "2.0" &&
    method === "ping" &&
    (typeof id === "string" || Number.isSafeInteger(id))
  );
}

/** A bare ping with `"params": null` as the SDK accepts it: without the member. */
export function withoutNullParams(body: unknown): unknown {
  if (!isBarePing(body)) return body;
  const { params, ...rest } = body as Record<string, unknown>;
  return params === null ? rest : body;
}

/** Method and tool names of a parsed request body, for the request log. */
export function describeMessages(body: unknown): { methods: string[]; tools: string[] } {
  const messages = Array.isArray(body) ? body : [body];
  const methods: string[] = [];
  const tools: string[] = [];
  for (const m of messages) {
    if (!m || typeof m !== "object") continue;
    const method = (m as { method?: unknown }).method;
    if (typeof method === "string") methods.push(method.slice(0, 64));
    const name = (m as { params?: { name?: unknown } }).params?.name;
    if (method === "tools/call" && typeof name === "string") tools.push(name.slice(0, 64));
  }
  return { methods, tools };
}

/** The outcome of a JSON-RPC response body: ok, a tool error result, or a JSON-RPC error. */
export function describeOutcome(text: string): string {
  // Most answers are neither: a substring test spares parsing a large result again.
  if (!text.includes('"isError"') && !text.includes('"error"')) return "ok";
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return "unparsed";
  }
  const messages = Array.isArray(body) ? body : [body];
  let outcome = "ok";
  for (const m of messages) {
    if (!m || typeof m !== "object") continue;
    const error = (m as { error?: { code?: unknown } }).error;
    if (error) return `rpc_error:${String(error.code)}`;
    if ((m as { result?: { isError?: unknown } }).result?.isError === true) outcome = "tool_error";
  }
  return outcome;
}
