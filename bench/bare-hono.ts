/**
 * The reference for the warm tools/call figure: a bare Hono JSON route on @hono/node-server,
 * bundled and started exactly like the server (POST, JSON in, JSON out, nothing else).
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const app = new Hono();
app.post("/mcp", async (c) => {
  const body = (await c.req.json()) as { id?: unknown };
  return c.json({ jsonrpc: "2.0", id: body.id ?? null, result: { ok: true } });
});
app.get("/healthz", (c) => c.json({ status: "ok" }));
serve({ fetch: app.fetch, hostname: "127.0.0.1", port: Number(process.env.PORT ?? 8001) });
