/** Child processes for the benchmarks: spawn, wait for health, measure, stop. */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { request, type Agent } from "node:http";
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

export interface Child {
  process: ChildProcess;
  startedAt: number;
  output: () => string;
  exited: Promise<number | null>;
  stop: () => Promise<void>;
}

export function startChild(
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string; keepOutput?: boolean } = {},
): Child {
  const startedAt = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? process.cwd(),
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = options.keepOutput ?? true;
  child.stdout?.on("data", (d: Buffer) => {
    // Request logs under load are read and dropped, as a log shipper would.
    if (keep && out.length < 1_000_000) out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    if (out.length < 1_000_000) out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    process: child,
    startedAt,
    output: () => out,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls GET /healthz every `intervalMs` until 200; returns the ms since the child was spawned. */
export async function waitForHealth(
  child: Child,
  port: number,
  timeoutMs = 20_000,
  intervalMs = 2,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - child.startedAt;
    } catch {
      // not listening yet
    }
    if (child.process.exitCode !== null) throw new Error(`child exited before healthy:\n${child.output()}`);
    if (performance.now() > deadline)
      throw new Error(`child not healthy after ${timeoutMs} ms:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Resident set size of a process in MB (Linux /proc; 0 where unavailable). */
export function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export interface HttpAnswer {
  status: number;
  body: string;
  ms: number;
}

/** A POST to a local server with the headers an MCP client sends unless overridden, timed. */
export function postMcp(
  port: number,
  body: string | Buffer,
  options: { agent?: Agent; headers?: Record<string, string>; path?: string } = {},
): Promise<HttpAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: options.path ?? "/mcp",
        method: "POST",
        ...(options.agent ? { agent: options.agent } : {}),
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "content-length": Buffer.byteLength(body),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            ms: performance.now() - started,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
