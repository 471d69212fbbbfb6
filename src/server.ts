/**
 * The server process: read the runtime configuration, serve HTTP (healthz 503 until ready), start
 * up; exit on a bad configuration. Started by src/main.ts (development) or by the bundle's launcher,
 * src/launch.ts (production).
 *
 * The configuration read (a Secrets Manager round trip in production: credentials, TLS, the request)
 * is started before most of the server is even loaded: the HTTP layer, the MCP SDK, the tools and
 * the Organizations client are imported afterwards, one part at a time, giving the event loop a turn
 * between parts so the read makes progress while they load instead of after.
 */
import type { Server } from "node:http";
import { parseEnv } from "./config/env.js";
import { loadRuntimeConfig, processConfigDeps } from "./config/load.js";
import { ConfigError, errorMessage } from "./errors.js";
import type { TokenVerifier } from "./http/auth.js";
import { createLogger } from "./logging/logger.js";
import { setWorkerFile } from "./offload/pool.js";
import type { RuntimeState } from "./runtime.js";
import { SERVER_VERSION } from "./version.js";

/**
 * What main() loads after starting the configuration read, in parts of 10-20 ms each (measured), so
 * the read gets a turn of the event loop between them.
 */
const deferred: ReadonlyArray<() => Promise<unknown>> = [
  () => import("@modelcontextprotocol/sdk/types.js"),
  () => import("@hono/node-server"),
  () => import("./mcp/tools/index.js"),
  () => import("./http/app.js"),
  // Our module, not the SDK's whole namespace, which would keep every export of the client (36 KB).
  () => import("./org/aws-reader.js"),
  () => import("./startup.js"),
];

/**
 * Imports what main() loads after starting the configuration read, waiting for `between()` before
 * each part. The launcher calls it without a pause, to cache the code of every part.
 */
export async function loadDeferred(between: () => Promise<void> = async () => undefined): Promise<void> {
  for (const load of deferred) {
    await between();
    await load();
  }
}

/** One turn of the event loop: pending I/O callbacks (a socket connected, a response arrived) run. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const logger = createLogger("info");

export interface MainOptions {
  /** How the launcher compiled the bundle, for the start-up log (src/launch.ts). */
  compileCache?: string;
  /** The bundled worker thread's entry (dist/worker.cjs), from the launcher; tsx runs src/offload/worker.ts. */
  workerFile?: string;
}

export async function main(options: MainOptions = {}): Promise<void> {
  if (options.workerFile) setWorkerFile(options.workerFile);
  const env = parseEnv();
  const runtime: RuntimeState = { version: SERVER_VERSION, startedAt: new Date(), ready: false };
  const configDeps = processConfigDeps(env);
  const configRead = loadRuntimeConfig(env, configDeps);
  configRead.catch(() => undefined); // reported by startUp, below

  let server: Server | undefined = undefined; // until the imports below are done
  const shutdown = (signal: string): void => {
    logger.info("shutting down", { signal });
    if (!server) process.exit(0);
    server.close(() => process.exit(0));
    // In-flight requests get a few seconds; then the process goes anyway.
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));

  await loadDeferred(turn);
  const [{ serve }, { createApp }, { startUp }] = await Promise.all([
    import("@hono/node-server"),
    import("./http/app.js"),
    import("./startup.js"),
  ]);

  let verifier: TokenVerifier | undefined;
  const app = createApp({
    runtime,
    logger,
    maxBodyBytes: env.MAX_REQUEST_BODY_BYTES,
    callBudgetMs: env.CALL_BUDGET_MS,
    verifier: () => verifier,
    allowedHosts: env.ALLOWED_HOSTS ?? [],
  });
  server = serve(
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
  ) as Server;
  server.on("error", (error) => {
    logger.error("cannot listen", { port: env.PORT, error: errorMessage(error) });
    process.exit(1);
  });

  try {
    ({ verifier } = await startUp(env, runtime, logger, { configDeps, configRead }));
    if (!verifier && !["127.0.0.1", "localhost", "::1"].includes(env.HOST)) {
      logger.warn(
        `listening on ${env.HOST} without authentication: only requests naming localhost${env.ALLOWED_HOSTS?.length ? ` or ${env.ALLOWED_HOSTS.join(", ")}` : ""} in their Host header are served (ALLOWED_HOSTS adds names)`,
      );
    }
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
