/** A closed-loop HTTP load generator: N clients, each sending its next request when the last returns. */
import { Agent, request } from "node:http";
import { percentile } from "./processes.js";

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Every measured latency, sorted (for merging rounds). */
  latencies: number[];
}

function post(agent: Agent, port: number, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        res.on("data", () => undefined);
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export async function closedLoop(options: {
  port: number;
  path: string;
  body: string;
  clients: number;
  warmupMs: number;
  durationMs: number;
}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.clients });
  const latencies: number[] = [];
  let errors = 0;
  let measuring = false;
  const warmupEnd = performance.now() + options.warmupMs;
  const end = warmupEnd + options.durationMs;
  const client = async (): Promise<void> => {
    while (performance.now() < end) {
      const started = performance.now();
      const status = await post(agent, options.port, options.path, options.body).catch(() => 0);
      const finished = performance.now();
      if (finished < warmupEnd || finished > end) continue;
      measuring = true;
      if (status !== 200) errors++;
      latencies.push(finished - started);
    }
  };
  await Promise.all(Array.from({ length: options.clients }, client));
  agent.destroy();
  if (!measuring) throw new Error("no request completed inside the measuring window");
  return summarise(latencies, errors, options.durationMs / 1000);
}

function summarise(latencies: number[], errors: number, seconds: number): LoadResult {
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p90Ms: percentile(latencies, 90),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[latencies.length - 1] ?? 0,
    latencies,
  };
}

/** Rounds of the same load merged as one run: the requests of all, over the time of all. */
export function mergeRounds(rounds: readonly LoadResult[]): LoadResult {
  return summarise(
    rounds.flatMap((r) => r.latencies),
    rounds.reduce((n, r) => n + r.errors, 0),
    rounds.reduce((n, r) => n + r.seconds, 0),
  );
}
