/**
 * The Hono app: POST /mcp (MCP Streamable HTTP, stateless, JSON responses; /mcp/ alike), GET
 * /healthz and GET /ping. Every MCP request gets a new McpServer and a new SDK transport, as the
 * SDK's stateless examples do: the SDK answers every MCP message, its checks and errors included.
 */
import { randomUUID } from "node:crypto";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import type { ContentfulStatusCode, StatusCode } from "hono/utils/http-status";
import { bodyLimit } from "hono/body-limit";
import { UserError } from "../errors.js";
import type { Logger } from "../logging/logger.js";
import { connectForRequest, createMcpServer } from "../mcp/server.js";
import { JsonTooLargeError, parseJsonBody } from "../offload/json.js";
import { readBodyBytes } from "./read-body.js";
import type { RuntimeState } from "../runtime.js";
import { bearerAuth, type AuthVariables, type TokenVerifier } from "./auth.js";
import { healthResponse, pingResponse } from "./health.js";
import { hostGuard } from "./host-guard.js";
import {
  describeMessages,
  describeOutcome,
  isBarePing,
  jsonRpcError,
  withoutNullParams,
} from "./json-rpc.js";

export interface AppOptions {
  runtime: RuntimeState;
  logger: Logger;
  maxBodyBytes: number;
  /** Read at request time: auth is known only once the runtime configuration has loaded. */
  verifier: () => TokenVerifier | undefined;
  /** Host names, besides the local ones, requests may name in Host and Origin (ALLOWED_HOSTS). */
  allowedHosts?: readonly string[];
  /** Each tool call's time budget for its own computation (CALL_BUDGET_MS). */
  callBudgetMs?: number;
}

type Env = { Variables: AuthVariables & { requestId: string } };

export function createApp(options: AppOptions): Hono<Env> {
  const { runtime, logger } = options;
  // Not strict: /mcp/ is /mcp (AgentCore's health probe may add the slash).
  const app = new Hono<Env>({ strict: false });

  // Probes and health checks: unauthenticated, open to any Host, and saying nothing but the status.
  app.get("/healthz", (c) => {
    const { status, body } = healthResponse(runtime);
    return c.json(body, status);
  });
  app.get("/ping", (c) => {
    const { status, body } = pingResponse(runtime);
    return c.json(body, status);
  });

  // DNS rebinding: every request to the MCP endpoint, before anything else reads it.
  const guard = hostGuard({
    allowedHosts: options.allowedHosts ?? [],
    checkHost: () => options.verifier() === undefined,
    logger,
  });
  const notAllowed = (c: { json: (b: unknown, s: 405, h: Record<string, string>) => Response }): Response =>
    c.json(
      jsonRpcError(-32000, "Method not allowed: this server is stateless; send MCP messages with POST /mcp."),
      405,
      { Allow: "POST" },
    );
  app.get("/mcp", requestIdentity(), guard, (c) => notAllowed(c));
  app.delete("/mcp", requestIdentity(), guard, (c) => notAllowed(c));

  app.post(
    "/mcp",
    requestIdentity(),
    startedGate(runtime),
    guard,
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
      // Pings are health probes (AgentCore's every few seconds): debug, not info.
      const log = (status: number, outcome: string): void =>
        logger[methods.length === 1 && methods[0] === "ping" ? "debug" : "info"]("request", {
          requestId,
          ...(sessionId ? { sessionId: sessionId.slice(0, 128) } : {}),
          ...(caller ? { clientId: caller.clientId } : {}),
          method: methods.join(",") || null,
          tool: tools.join(",") || null,
          status,
          outcome,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
        });

      let parsedBody: unknown;
      try {
        // A large body is parsed and checked on the worker thread (src/offload/json.ts).
        parsedBody = withoutNullParams(await parseJsonBody(await readBodyBytes(c)));
      } catch (error) {
        if (error instanceof JsonTooLargeError) {
          log(413, "too_large");
          return c.json(
            jsonRpcError(-32600, `Request too large: ${error.problem}. Send a smaller request.`),
            413,
          );
        }
        if (error instanceof UserError) {
          log(503, "busy");
          return c.json(jsonRpcError(-32000, `${error.message} Retry in a few seconds.`), 503, {
            "Retry-After": "2",
          });
        }
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
      const server = createMcpServer({
        org,
        runtime,
        logger,
        requestId,
        ...(options.callBudgetMs !== undefined ? { callBudgetMs: options.callBudgetMs } : {}),
      });
      // No sessionIdGenerator: stateless. A platform-supplied Mcp-Session-Id is accepted and ignored.
      const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: !streamProgress });
      let streaming = false;
      try {
        await connectForRequest(server, transport);
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
          // The server is closed when the stream ends, not now.
          streaming = true;
          log(response.status, "stream");
          const headers: Record<string, string> = {};
          response.headers.forEach((value, name) => (headers[name] = value));
          const body = response.body.pipeThrough(new TransformStream({ flush: () => void closeServer() }));
          return c.body(body, response.status as ContentfulStatusCode, headers);
        }
        const text = response.body ? await response.text() : "";
        log(response.status, text ? describeOutcome(text) : response.status === 202 ? "accepted" : "empty");
        // Through c.body, so the headers set earlier (x-request-id) go out too.
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
        await server.close().catch((error: unknown) =>
          logger.warn("MCP server did not close cleanly", {
            requestId,
            error: error instanceof Error ? error.message : String(error),
          }),
        );
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
 * request and defeats its direct read of the body.
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

/**
 * The bearer token, when authentication is on, except for one request: a lone JSON-RPC `ping`
 * without credentials, which is how AgentCore Runtime probes an MCP container; a 401 there marks
 * the runtime unhealthy. Only a ping exactly (`jsonrpc`, `id`, `method` and nothing else, in a
 * small body) passes: a batch, another method, a notification or a ping carrying anything more
 * needs a token like any request.
 */
function lazyAuth(options: AppOptions): MiddlewareHandler<Env> {
  let current: { verifier: TokenVerifier; handler: MiddlewareHandler } | undefined;
  return async (c, next) => {
    const verifier = options.verifier();
    if (!verifier) return next();
    if (c.req.header("authorization") === undefined && (await isProbe(c))) return next();
    if (current?.verifier !== verifier) current = { verifier, handler: bearerAuth(verifier, options.logger) };
    return current.handler(c, next);
  };
}

/** A ping is under 100 bytes: no more than this is read before the token is checked. */
const MAX_PROBE_BYTES = 256;

async function isProbe(c: Context<Env>): Promise<boolean> {
  const text = await smallBody(c, MAX_PROBE_BYTES);
  if (text === undefined) return false;
  try {
    return isBarePing(JSON.parse(text));
  } catch {
    return false;
  }
}

/** The body as text when it is at most `max` bytes; undefined, after reading no more, when larger. */
async function smallBody(c: Context<Env>, max: number): Promise<string | undefined> {
  const declared = c.req.header("content-length");
  if (declared !== undefined) {
    // Node has read no more than the declared length; Hono keeps the text for the handler.
    return Number(declared) <= max ? c.req.text() : undefined;
  }
  // Chunked: read a copy up to the limit, leaving the body itself to the handler.
  const reader = c.req.raw.clone().body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks).toString("utf8");
    size += value.byteLength;
    if (size > max) {
      // Not awaited: a copy's cancel settles only once the body itself is cancelled or read.
      reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
}

/**
 * The SDK insists on `Accept: application/json, text/event-stream`, but several real clients send
 * only application/json. Every answer here is JSON, so a client that accepts JSON is served; a
 * request without Content-Type is read as JSON (it has been parsed as such).
 */
function withJsonAccept(request: Request): Request {
  const accept = request.headers.get("accept") ?? "";
  const type = request.headers.get("content-type");
  const acceptOk = accept.includes("text/event-stream") && accept.includes("application/json");
  // The body has already been parsed as JSON: a missing Content-Type (a bare health probe) is JSON.
  if ((acceptOk || !acceptsJson(accept)) && type !== null) return request;
  const headers = new Headers(request.headers);
  if (!acceptOk && acceptsJson(accept)) headers.set("accept", "application/json, text/event-stream");
  if (type === null) headers.set("content-type", "application/json");
  return new Request(request.url, { method: request.method, headers });
}

function acceptsJson(accept: string): boolean {
  return accept === "" || accept.includes("application/json") || accept.includes("*/*");
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
