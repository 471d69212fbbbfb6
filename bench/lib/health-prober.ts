/**
 * A separate process that probes a server while a benchmark loads it: GET /healthz every 10 ms and
 * AgentCore's lone JSON-RPC ping on /mcp every 50 ms, each as soon as the last answered. Latencies
 * are measured here, away from the process that sends the load. Prints them as one JSON line when
 * its stdin closes: [wall-clock ms when sent, latency ms] pairs.
 *
 *   node --import tsx bench/lib/health-prober.ts PORT
 */
import { Agent, request } from "node:http";

const port = Number(process.argv[2]);
const agent = new Agent({ keepAlive: true, maxSockets: 2 });
const healthz: [number, number][] = [];
const ping: [number, number][] = [];
let running = true;

function probe(method: "GET" | "POST", path: string, body?: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method,
        agent,
        headers: body
          ? {
              "content-type": "application/json",
              accept: "application/json",
              "content-length": Buffer.byteLength(body),
            }
          : {},
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(performance.now() - started));
      },
    );
    req.on("error", () => resolve(Number.NaN));
    req.end(body);
  });
}

async function loop(every: number, into: [number, number][], once: () => Promise<number>): Promise<void> {
  while (running) {
    const started = performance.now();
    const at = Date.now();
    into.push([at, await once()]);
    const wait = every - (performance.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

const loops = [
  loop(10, healthz, () => probe("GET", "/healthz")),
  loop(50, ping, () => probe("POST", "/mcp", '{"jsonrpc":"2.0","id":1,"method":"ping"}')),
];
process.stdin.resume();
process.stdin.on("end", () => {
  running = false;
  void Promise.all(loops).then(() => {
    process.stdout.write(`${JSON.stringify({ healthz, ping })}\n`);
    agent.destroy();
  });
});
