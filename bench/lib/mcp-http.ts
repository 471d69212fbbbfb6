/** A benchmark's MCP client over plain HTTP: the fewest moving parts between the clock and the server. */

/** One JSON-RPC request to POST /mcp; the result, or undefined for a notification (id 0). */
export async function rpc<T>(
  port: number,
  method: string,
  params: Record<string, unknown>,
  id = 1,
): Promise<T | undefined> {
  const res = await fetch(`http://127.0.0.1:${port}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", ...(id ? { id } : {}), method, params }),
  });
  const text = await res.text();
  if (res.status !== 200 && res.status !== 202) throw new Error(`${method}: HTTP ${res.status} ${text}`);
  return text ? (JSON.parse(text) as { result?: T }).result : undefined;
}

/** initialize and notifications/initialized, as a new session's client sends them. */
export async function initializeSession(port: number): Promise<void> {
  await rpc(port, "initialize", {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "bench", version: "1" },
  });
  await rpc(port, "notifications/initialized", {}, 0);
}
