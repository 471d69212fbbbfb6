/**
 * Shared by the reliability suites. Each suite runs a bounded subset in `npm test`; the full-size
 * runs (`npm run test:fuzz`, `test:load`, `test:faults`) set RELIABILITY_FULL=1 through
 * test/reliability/vitest.config.ts.
 */
import type { Agent } from "node:http";
import {
  freePort,
  postMcp,
  rssMb,
  startChild,
  waitForHealth,
  type Child,
  type HttpAnswer,
} from "../../bench/lib/processes.js";

export const FULL = process.env.RELIABILITY_FULL === "1";

/** Full-size figure or the bounded one for `npm test`. */
export const size = (full: number, bounded: number): number => (FULL ? full : bounded);

export interface ServerProcess {
  port: number;
  child: Child;
  url: string;
  rssMb: () => number;
  /** Everything the process wrote to stdout and stderr so far (up to 1 MB). */
  output: () => string;
  stop: () => Promise<void>;
}

/** The real entry point (src/main.ts through tsx) on 127.0.0.1, with only the variables given. */
export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = startChild(["--import", "tsx", "src/main.ts"], {
    HOST: "127.0.0.1",
    PORT: String(port),
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/nonexistent/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    ...env,
  });
  await waitForHealth(child, port, 30_000, 20);
  return {
    port,
    child,
    url: `http://127.0.0.1:${port}/mcp`,
    rssMb: () => rssMb(child.process.pid),
    output: () => child.output(),
    stop: () => child.stop(),
  };
}

export type { HttpAnswer };

/** A POST over a keep-alive agent, with the headers an MCP client sends unless overridden. */
export function post(
  agent: Agent,
  port: number,
  body: string,
  headers: Record<string, string> = {},
  path = "/mcp",
): Promise<HttpAnswer> {
  return postMcp(port, body, { agent, headers, path });
}

export const toolCall = (id: number, name: string, args: Record<string, unknown>): string =>
  JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });

/** Forces a full garbage collection (V8's flag, exposed at run time) and returns the heap in MB. */
export async function settledHeapMb(): Promise<number> {
  const { setFlagsFromString } = await import("node:v8");
  const { runInNewContext } = await import("node:vm");
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

export const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** Prints one figures line that the docs quote (vitest shows console output of passing tests). */
export function report(suite: string, figures: Record<string, unknown>): void {
  console.log(`[reliability:${suite}] ${JSON.stringify(figures)}`);
}
