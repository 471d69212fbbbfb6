/**
 * The server over stdio, for desktop clients that start a local process (Claude Desktop, and any
 * client configured with a command): `aws-organizations-mcp-server --stdio`. The same tools and
 * prompts, the same configuration sources (runtime configuration secret, file, environment, demo)
 * as the HTTP server; JSON-RPC on stdout, and every log line on stderr, never stdout.
 *
 * One server and one SDK transport for the process's whole session, as the SDK's stdio examples
 * do: the client is the process that started it. Authentication is HTTP's: a configuration that
 * enables it is served here without, as the local user already holds the credentials it reads with.
 */
import { randomUUID } from "node:crypto";
import type { Readable, Writable } from "node:stream";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { parseEnv } from "./config/env.js";
import { loadRuntimeConfig, processConfigDeps } from "./config/load.js";
import { ConfigError, errorMessage } from "./errors.js";
import { createLogger, type Logger } from "./logging/logger.js";
import { connectForRequest, createMcpServer } from "./mcp/server.js";
import type { RuntimeState } from "./runtime.js";
import { startUp } from "./startup.js";
import { SERVER_VERSION } from "./version.js";

export interface StdioOptions {
  stdin?: Readable;
  stdout?: Writable;
  /** Where log lines go; stderr by default. */
  log?: (line: string) => void;
  /** The environment to read instead of the process's (src/config/env.ts reads it by default). */
  env?: Record<string, string | undefined>;
}

/** Serves MCP on stdin/stdout until the client closes stdin; resolves with the exit code. */
export async function runStdio(options: StdioOptions = {}): Promise<number> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const logger: Logger = createLogger(
    "info",
    options.log ?? ((line) => void process.stderr.write(`${line}\n`)),
  );
  const runtime: RuntimeState = { version: SERVER_VERSION, startedAt: new Date(), ready: false };
  let org;
  let env;
  try {
    env = options.env ? parseEnv(options.env) : parseEnv();
    const configDeps = processConfigDeps(env);
    const configRead = loadRuntimeConfig(env, configDeps).then((loaded) => {
      if (!loaded.config.auth.enabled) return loaded;
      logger.info(
        "stdio: the configuration's authentication applies to HTTP; the local client is served without it",
      );
      return { ...loaded, config: { ...loaded.config, auth: { ...loaded.config.auth, enabled: false } } };
    });
    ({ org } = await startUp(env, runtime, logger, { configDeps, configRead }));
  } catch (error) {
    logger.error(error instanceof ConfigError ? "invalid configuration" : "start-up failed", {
      error: errorMessage(error),
    });
    return 1;
  }

  // A client that goes away mid-answer leaves a closed pipe: end quietly, not with a stack trace.
  stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") logger.warn("stdout error", { error: errorMessage(error) });
    stdin.destroy();
  });
  const server = createMcpServer({ org, runtime, logger, requestId: `stdio-${randomUUID()}` });
  const transport = new StdioServerTransport(stdin, stdout, { maxBufferSize: env.MAX_REQUEST_BODY_BYTES });
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
    // The SDK's transport does not watch for the end of its input: the client has gone.
    stdin.once("end", () => void server.close().finally(resolve));
    stdin.once("close", () => void server.close().finally(resolve));
  });
  await connectForRequest(server, transport);
  server.server.onerror = (error) => logger.warn("stdio transport error", { error: errorMessage(error) });
  logger.info("ready", { transport: "stdio", version: SERVER_VERSION });
  await closed;
  logger.info("stdio client closed the session");
  return 0;
}
