/**
 * Slow and huge clients against the real server process (src/main.ts): the body limit, the header
 * size limit, the request and header timeouts. Slow uploads and slowloris heads are cut off while
 * other clients keep being served at normal speed, over raw sockets on 127.0.0.1.
 */
import { Agent } from "node:http";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "../../src/config/env.js";
import { post, report, round, size, startServer, toolCall, type ServerProcess } from "./helpers.js";

const MAX_BODY = 64 * 1024;
const REQUEST_TIMEOUT_MS = size(2000, 1200);
const HEADERS_TIMEOUT_MS = size(1000, 600);

let server: ServerProcess;
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

beforeAll(async () => {
  server = await startServer({
    ORG_SOURCE: "demo",
    MAX_REQUEST_BODY_BYTES: String(MAX_BODY),
    MAX_HEADER_BYTES: "8192",
    REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
  });
}, 60_000);
afterAll(async () => {
  agent.destroy();
  await server?.stop();
});

/** A raw connection that records what the server sends and when it closes. */
function rawClient(): { socket: Socket; received: () => string; closed: Promise<number> } {
  const started = performance.now();
  const socket = connect(server.port, "127.0.0.1");
  let data = "";
  socket.on("data", (d: Buffer) => (data += d.toString("latin1")));
  socket.on("error", () => undefined);
  const closed = new Promise<number>((resolve) =>
    socket.on("close", () => resolve(performance.now() - started)),
  );
  return { socket, received: () => data, closed };
}

/** Writes `text` a byte every `everyMs` until the socket closes or `text` runs out. */
function trickle(socket: Socket, text: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) return clearInterval(timer);
    socket.write(text[i++]!);
  }, everyMs);
  socket.on("close", () => clearInterval(timer));
}

const HEAD = (length: number) =>
  `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${length}\r\n\r\n`;

/** Normal clients during `ms`: every call must succeed, quickly. */
async function normalTraffic(ms: number): Promise<{ calls: number; maxMs: number }> {
  const end = performance.now() + ms;
  let calls = 0;
  let maxMs = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (performance.now() < end) {
        const answer = await post(
          agent,
          server.port,
          toolCall(1, "get_effective_scps", { accountId: "240000000001" }),
        );
        expect(answer.status).toBe(200);
        expect(JSON.parse(answer.body).result.isError).toBeFalsy();
        calls++;
        maxMs = Math.max(maxMs, answer.ms);
      }
    }),
  );
  return { calls, maxMs };
}

describe("huge clients", () => {
  it("refuses a body over MAX_REQUEST_BODY_BYTES with 413 and a JSON-RPC error, declared or chunked", async () => {
    const big = toolCall(1, "analyze_error_log", { text: "x".repeat(MAX_BODY) });
    const declared = await post(agent, server.port, big);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error.message).toMatch(/too large: the limit is 65536 bytes/);

    // Without Content-Length the limit applies to what arrives.
    const chunked = rawClient();
    chunked.socket.write(
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
    );
    for (let i = 0; i < 5; i++) chunked.socket.write(`${(20_000).toString(16)}\r\n${"y".repeat(20_000)}\r\n`);
    chunked.socket.end("0\r\n\r\n");
    await chunked.closed;
    expect(chunked.received()).toMatch(/^HTTP\/1\.1 413/);
  });

  it("refuses a request head over MAX_HEADER_BYTES with 431, before any handler runs", async () => {
    const answer = await post(agent, server.port, toolCall(1, "get_server_status", {}), {
      "x-padding": "a".repeat(10_000),
    }).catch((error: Error) => ({ status: -1, body: error.message, ms: 0 }));
    expect(answer.status).toBe(431);
    // Just under the limit is fine.
    const fits = await post(agent, server.port, toolCall(1, "get_server_status", {}), {
      "x-padding": "a".repeat(6_000),
    });
    expect(fits.status).toBe(200);
  });
});

describe("slow clients", () => {
  it("cuts off a slow upload after REQUEST_TIMEOUT_MS while other clients are served", async () => {
    const body = toolCall(1, "get_server_status", {}).padEnd(1000, " ");
    const slow = rawClient();
    slow.socket.write(HEAD(body.length) + body.slice(0, 10));
    trickle(slow.socket, body.slice(10), 100);
    const [traffic, closedAfter] = await Promise.all([normalTraffic(REQUEST_TIMEOUT_MS + 500), slow.closed]);
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408|^$/);
    expect(closedAfter).toBeGreaterThan(REQUEST_TIMEOUT_MS - 200);
    expect(closedAfter).toBeLessThan(REQUEST_TIMEOUT_MS + 2500);
    expect(traffic.calls).toBeGreaterThan(10);
    expect(traffic.maxMs).toBeLessThan(1000);
  });

  it("cuts off a head that never finishes (slowloris) after HEADERS_TIMEOUT_MS", async () => {
    const slow = rawClient();
    slow.socket.write("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    trickle(slow.socket, "X-Slow: " + "z".repeat(200), 50);
    const closedAfter = await slow.closed;
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408|^$/);
    expect(closedAfter).toBeGreaterThan(HEADERS_TIMEOUT_MS - 200);
    expect(closedAfter).toBeLessThan(HEADERS_TIMEOUT_MS + 2500);
  });

  it("serves normal clients while many slow clients hold connections, and cuts every slow one off", async () => {
    const count = size(500, 60);
    const slow = Array.from({ length: count }, (_, i) => {
      const client = rawClient();
      if (i % 2 === 0) {
        client.socket.write(HEAD(5000) + "{");
        trickle(client.socket, " ".repeat(5000), 200);
      } else {
        client.socket.write("POST /mcp HTTP/1.1\r\n");
        trickle(client.socket, "X-Slow: " + "z".repeat(500), 200);
      }
      return client;
    });
    const rssBefore = server.rssMb();
    const [traffic, closed] = await Promise.all([
      normalTraffic(REQUEST_TIMEOUT_MS + 500),
      Promise.all(slow.map((c) => c.closed)),
    ]);
    report("slow-clients", {
      slowClients: count,
      normalCalls: traffic.calls,
      normalMaxMs: round(traffic.maxMs),
      slowestCutOffMs: round(Math.max(...closed)),
      rssBeforeMb: round(rssBefore),
      rssAfterMb: round(server.rssMb()),
    });
    expect(traffic.calls).toBeGreaterThan(10);
    expect(traffic.maxMs).toBeLessThan(1500);
    expect(Math.max(...closed)).toBeLessThan(REQUEST_TIMEOUT_MS + 3000);
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
    // Cut-off clients are not server errors.
    expect(server.output()).not.toMatch(/"level":"error"/);
  }, 30_000);

  it("refuses a header timeout longer than the request timeout at start-up, by name", () => {
    expect(() => parseEnv({ REQUEST_TIMEOUT_MS: "1000", HEADERS_TIMEOUT_MS: "5000" })).toThrow(
      /HEADERS_TIMEOUT_MS: must not exceed REQUEST_TIMEOUT_MS/,
    );
    expect(() => parseEnv({ MAX_HEADER_BYTES: "10" })).toThrow(/MAX_HEADER_BYTES/);
  });
});
