/**
 * The Hono app: POST /mcp (MCP Streamable HTTP, stateless, JSON responses), GET /healthz.
 * A tools/call the direct path can take (src/mcp/direct-call.ts) is answered without the SDK;
 * everything else gets a new SDK transport per request, because the SDK refuses to reuse a stateless
 * transport, and an McpServer from a pool, serving one request at a time.
 */
import { randomUUID } from "node:crypto";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { isJsonContentType } from "@modelcontextprotocol/sdk/shared/mediaType.js";
import { SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import type { ContentfulStatusCode, StatusCode } from "hono/utils/http-status";
import { bodyLimit } from "hono/body-limit";
import type { Logger } from "../logging/logger.js";
import { answerDirectCall, directCallOf } from "../mcp/direct-call.js";
import { McpServerPool } from "../mcp/server.js";
import type { RuntimeState } from "../runtime.js";
import { bearerAuth, type AuthVariables, type TokenVerifier } from "./auth.js";
import { healthResponse } from "./health.js";
import { describeMessages, describeOutcome, jsonRpcError } from "./json-rpc.js";

export interface AppOptions {
  runtime: RuntimeState;
  logger: Logger;
  maxBodyBytes: number;
  /** Read at request time: auth is known only once the runtime configuration has loaded. */
  verifier: () => TokenVerifier | undefined;
  /** Answer plain tools/call requests without the SDK (default true; tests compare both paths). */
  directToolCalls?: boolean;
}

type Env = { Variables: AuthVariables & { requestId: string } };

export function createApp(options: AppOptions): Hono<Env> {
  const { runtime, logger } = options;
  const app = new Hono<Env>();
  const servers = new McpServerPool();
  const direct = options.directToolCalls ?? true;

  app.get("/healthz", (c) => {
    const { status, body } = healthResponse(runtime);
    return c.json(body, status);
  });

  const notAllowed = (c: { json: (b: unknown, s: 405, h: Record<string, string>) => Response }): Response =>
    c.json(
      jsonRpcError(-32000, "Method not allowed: this server is stateless; send MCP messages with POST /mcp."),
      405,
      { Allow: "POST" },
    );
  app.get("/mcp", (c) => notAllowed(c));
  app.delete("/mcp", (c) => notAllowed(c));

  app.post(
    "/mcp",
    requestIdentity(),
    startedGate(runtime),
    lazyAuth(options),
    limitBody(options.maxBodyBytes),
    async (c) => {
      const started = performance.now();
      const requestId = c.get("requestId");
      const caller = c.get("caller");
      const sessionId =
        c.req.header("mcp-session-id") ?? c.req.header("x-amzn-bedrock-agentcore-runtime-session-id");
      let methods: string[] = [];
      let tools: string[] = [];
      let via: "direct" | "sdk" | undefined;
      const log = (status: number, outcome: string): void =>
        logger.info("request", {
          requestId,
          ...(sessionId ? { sessionId: sessionId.slice(0, 128) } : {}),
          ...(caller ? { clientId: caller.clientId } : {}),
          method: methods.join(",") || null,
          tool: tools.join(",") || null,
          ...(via ? { via } : {}),
          status,
          outcome,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
        });

      let parsedBody: unknown;
      try {
        parsedBody = JSON.parse(await c.req.text());
      } catch {
        log(400, "parse_error");
        return c.json(jsonRpcError(-32700, "Parse error: the request body is not valid JSON."), 400);
      }
      ({ methods, tools } = describeMessages(parsedBody));
      // MCP dropped JSON-RPC batching (2025-06-18). A batch can also cancel its own request, which
      // leaves the SDK transport waiting for an answer that never comes.
      if (Array.isArray(parsedBody)) {
        log(400, "batch_refused");
        return c.json(
          jsonRpcError(
            -32600,
            "Invalid Request: JSON-RPC batches are not supported; send one JSON-RPC message per POST /mcp.",
          ),
          400,
        );
      }

      const org = runtime.org;
      if (!org) {
        log(503, "not_ready");
        return c.json(jsonRpcError(-32000, "The server is starting: retry in a few seconds."), 503);
      }
      // A caller that gave a progress token and reads event streams gets its progress as it happens:
      // an SSE answer from the SDK transport (src/org/answer-deadline.ts sends the notifications).
      const streamProgress =
        wantsProgress(parsedBody) && (c.req.header("accept") ?? "").includes("text/event-stream");
      const call = direct && !streamProgress ? directCallOf(parsedBody) : undefined;
      if (call && sdkWouldAccept(c.req.raw.headers)) {
        const answer = await answerDirectCall(call, { org, runtime, logger, requestId });
        if (answer) {
          via = "direct";
          log(200, answer.isError ? "tool_error" : "ok");
          // As bytes: encoded once here, rather than measured and then encoded again by node-server.
          return c.body(Buffer.from(answer.body), 200, { "content-type": "application/json" });
        }
      }

      via = "sdk";
      const pooled = servers.acquire({ org, runtime, logger, requestId });
      const { server } = pooled;
      // No sessionIdGenerator: stateless. A platform-supplied Mcp-Session-Id is accepted and ignored.
      const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: !streamProgress });
      let closedCleanly = false;
      let streaming = false;
      try {
        await server.connect(transport);
        const response = await transport.handleRequest(withJsonAccept(c.req.raw), {
          parsedBody,
          ...(caller
            ? {
                authInfo: {
                  token: "",
                  clientId: caller.clientId,
                  scopes: caller.scopes,
                  expiresAt: caller.tokenExpiresAt,
                },
              }
            : {}),
        });
        if (
          streamProgress &&
          response.body &&
          response.headers.get("content-type")?.includes("text/event-stream")
        ) {
          // The server is closed (and pooled again) when the stream ends, not now.
          streaming = true;
          log(response.status, "stream");
          const headers: Record<string, string> = {};
          response.headers.forEach((value, name) => (headers[name] = value));
          const body = response.body.pipeThrough(new TransformStream({ flush: () => void closeServer() }));
          return c.body(body, response.status as ContentfulStatusCode, headers);
        }
        const text = response.body ? await response.text() : "";
        log(response.status, text ? describeOutcome(text) : response.status === 202 ? "accepted" : "empty");
        // Through c.body, so the headers set earlier (x-request-id) go out too, as on the direct path.
        const headers: Record<string, string> = {};
        response.headers.forEach((value, name) => {
          headers[name] = value;
        });
        return text
          ? c.body(text, response.status as ContentfulStatusCode, headers)
          : c.body(null, response.status as StatusCode, headers);
      } finally {
        if (!streaming) await closeServer();
      }
      async function closeServer(): Promise<void> {
        // Closing the server closes its transport and leaves it ready to connect to the next one.
        closedCleanly = await server.close().then(
          () => true,
          (error: unknown) => {
            logger.warn("MCP server did not close cleanly; not reused", {
              requestId,
              error: error instanceof Error ? error.message : String(error),
            });
            return false;
          },
        );
        if (closedCleanly && !server.isConnected()) servers.release(pooled);
      }
    },
  );

  app.notFound((c) =>
    c.json({ error: `Not found: ${c.req.method} ${c.req.path}. The MCP endpoint is POST /mcp.` }, 404),
  );
  app.onError((error, c) => {
    const requestId = c.get("requestId") ?? randomUUID();
    logger.error("unhandled error", { requestId, error: `${error.name}: ${error.message}` });
    return c.json(jsonRpcError(-32603, `Internal error (request id ${requestId}).`), 500);
  });
  return app;
}

function requestIdentity(): MiddlewareHandler<Env> {
  return async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const id = incoming && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    c.set("requestId", id);
    c.header("x-request-id", id);
    await next();
  };
}

/**
 * Hono's bodyLimit, but a request that declares its length is judged by the header alone. Hono's
 * asks for the body as a Web stream first, which costs @hono/node-server a ReadableStream per
 * request (about 8 % of a warm tools/call) and defeats its direct read of the body.
 */
function limitBody(maxBytes: number): MiddlewareHandler<Env> {
  const tooLarge = (c: Context<Env>): Response =>
    c.json(
      jsonRpcError(
        -32600,
        `Request body too large: the limit is ${maxBytes} bytes. Send a smaller request (for logs, paste only the error lines).`,
      ),
      413,
    );
  const streamed = bodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return async (c, next) => {
    const length = c.req.header("content-length");
    // Node's HTTP parser has already refused a malformed Content-Length.
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      return Number.parseInt(length, 10) > maxBytes ? tooLarge(c) : next();
    }
    return streamed(c, next);
  };
}

function startedGate(runtime: RuntimeState): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (!runtime.ready) {
      return c.json(jsonRpcError(-32000, "The server is starting: retry in a few seconds."), 503, {
        "Retry-After": "2",
      });
    }
    await next();
  };
}

function lazyAuth(options: AppOptions): MiddlewareHandler<Env> {
  let current: { verifier: TokenVerifier; handler: MiddlewareHandler } | undefined;
  return async (c, next) => {
    const verifier = options.verifier();
    if (!verifier) return next();
    if (current?.verifier !== verifier) current = { verifier, handler: bearerAuth(verifier, options.logger) };
    return current.handler(c, next);
  };
}

/**
 * The SDK insists on `Accept: application/json, text/event-stream`, but several real clients send
 * only application/json. Every answer here is JSON, so a client that accepts JSON is served.
 */
function withJsonAccept(request: Request): Request {
  const accept = request.headers.get("accept") ?? "";
  if (accept.includes("text/event-stream") && accept.includes("application/json")) return request;
  if (!acceptsJson(accept)) return request;
  const headers = new Headers(request.headers);
  headers.set("accept", "application/json, text/event-stream");
  return new Request(request.url, { method: request.method, headers });
}

function acceptsJson(accept: string): boolean {
  return accept === "" || accept.includes("application/json") || accept.includes("*/*");
}

/**
 * The header checks the SDK transport makes on a POST (after withJsonAccept): a request failing one
 * goes to the SDK, which refuses it with its own status and message.
 */
function sdkWouldAccept(headers: Headers): boolean {
  const version = headers.get("mcp-protocol-version");
  return (
    acceptsJson(headers.get("accept") ?? "") &&
    isJsonContentType(headers.get("content-type")) &&
    (version === null || SUPPORTED_PROTOCOL_VERSIONS.includes(version))
  );
}

/** A tools/call whose caller asked for progress notifications (params._meta.progressToken). */
function wantsProgress(body: unknown): boolean {
  const params = (body as { method?: unknown; params?: { _meta?: { progressToken?: unknown } } } | null)
    ?.params;
  return (
    (body as { method?: unknown } | null)?.method === "tools/call" &&
    params?._meta?.progressToken !== undefined
  );
}
