/**
 * The server process: serve HTTP at once (healthz 503), then start up; exit on a bad configuration.
 * Started by src/main.ts (development) or by the bundle's launcher, src/launch.ts (production).
 */
import { serve } from "@hono/node-server";
import { parseEnv } from "./config/env.js";
import { ConfigError, errorMessage } from "./errors.js";
import { createApp } from "./http/app.js";
import type { TokenVerifier } from "./http/auth.js";
import { createLogger } from "./logging/logger.js";
import type { RuntimeState } from "./runtime.js";
import { startUp } from "./startup.js";
import { SERVER_VERSION } from "./version.js";

const logger = createLogger("info");

export interface MainOptions {
  /** How the launcher compiled the bundle, for the start-up log (src/launch.ts). */
  compileCache?: string;
}

export async function main(options: MainOptions = {}): Promise<void> {
  const env = parseEnv();
  const runtime: RuntimeState = { version: SERVER_VERSION, startedAt: new Date(), ready: false };
  let verifier: TokenVerifier | undefined;
  const app = createApp({
    runtime,
    logger,
    maxBodyBytes: env.MAX_REQUEST_BODY_BYTES,
    verifier: () => verifier,
  });
  const server = serve(
    {
      fetch: app.fetch,
      hostname: env.HOST,
      port: env.PORT,
      // Slow or huge clients are cut off by Node before they reach the app, so one cannot hold a
      // connection (or memory) for long while others are served.
      serverOptions: {
        maxHeaderSize: env.MAX_HEADER_BYTES,
        requestTimeout: env.REQUEST_TIMEOUT_MS,
        headersTimeout: env.HEADERS_TIMEOUT_MS,
        // Node checks both timeouts on this interval (default 30 s); check often enough to honour them.
        connectionsCheckingInterval: Math.min(1000, Math.floor(env.HEADERS_TIMEOUT_MS / 2)),
      },
    },
    (info) => {
      logger.info("listening", {
        address: info.address,
        port: info.port,
        mcp: `http://localhost:${info.port}/mcp`,
      });
    },
  );
  server.on("error", (error) => {
    logger.error("cannot listen", { port: env.PORT, error: errorMessage(error) });
    process.exit(1);
  });

  const shutdown = (signal: string): void => {
    logger.info("shutting down", { signal });
    server.close(() => process.exit(0));
    // In-flight requests get a few seconds; then the process goes anyway.
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));

  try {
    ({ verifier } = await startUp(env, runtime, logger));
    logger.info("ready", {
      version: SERVER_VERSION,
      startupMs: Date.now() - runtime.startedAt.getTime(),
      ...(options.compileCache ? { compileCache: options.compileCache } : {}),
    });
  } catch (error) {
    logger.error(error instanceof ConfigError ? "invalid configuration" : "start-up failed", {
      error: errorMessage(error),
    });
    process.exit(1);
  }
}

/** Runs main, exiting with 1 if it throws. */
export function run(options: MainOptions = {}): void {
  main(options).catch((error: unknown) => {
    logger.error("start-up failed", { error: errorMessage(error) });
    process.exit(1);
  });
}
