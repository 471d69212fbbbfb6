/**
 * The real server process in `aws` mode against the fake service, configured only through the
 * SDK's standard endpoint variables: the runtime configuration comes from Secrets Manager,
 * start-up reads nothing from Organizations, and a tool call costs its lower bound.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_BURST, DEFAULT_MAX_CONCURRENCY, DEFAULT_RATE_PER_SECOND } from "../../src/org/aws-reader.js";
import { generateOrganization } from "../fake-aws/generate-org.js";
import { OrgIndex, chainLowerBound } from "../fake-aws/org-index.js";
import { startFakeAws, type FakeAws } from "../fake-aws/organizations-server.js";
import { fakeAwsEnv, nonZero } from "./helpers.js";

let fake: FakeAws;
let index: OrgIndex;
let server: ChildProcess;
let port: number;
let output = "";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port: p } = srv.address() as { port: number };
      srv.close(() => resolve(p));
    });
    srv.on("error", reject);
  });
}

async function rpc(method: string, params: Record<string, unknown>): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  expect(res.status).toBe(200);
  return (await res.json()).result;
}

beforeAll(async () => {
  const snapshot = generateOrganization("S", 3);
  index = new OrgIndex(snapshot);
  const config = {
    organization: { source: "aws", region: "us-east-1" },
    allowedOuIds: [snapshot.roots[0]!.id],
    cacheTtlSeconds: 300,
  };
  fake = await startFakeAws({ snapshot, secrets: { "mcp/runtime-config": JSON.stringify(config) } });
  port = await freePort();
  server = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      HOST: "127.0.0.1",
      PORT: String(port),
      ...fakeAwsEnv(fake.endpoint, "mcp/runtime-config"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  server.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || server.exitCode !== null)
      throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}, 30_000);

afterAll(async () => {
  server?.kill("SIGTERM");
  await fake?.close();
});

describe("the server in aws mode, against the fake through AWS_ENDPOINT_URL_*", () => {
  it("starts with one Secrets Manager read and no Organizations call", () => {
    expect(fake.stats().calls).toEqual({ GetSecretValue: 1 });
  });

  it("answers get_effective_scps at the lower bound, then from the cache", async () => {
    const account = index.deepestAccount();
    const first = await rpc("tools/call", { name: "get_effective_scps", arguments: { accountId: account } });
    expect(first.isError).toBeFalsy();
    expect(first.structuredContent.levels.map((l: any) => l.target.id)).toEqual(index.lineage(account));
    const { total: _total, ...bound } = chainLowerBound(index, account, "SERVICE_CONTROL_POLICY");
    const { GetSecretValue: _secret, ...organizations } = fake.stats().calls;
    expect(organizations).toEqual(nonZero(bound));

    const before = fake.stats().totalCalls;
    await rpc("tools/call", { name: "get_effective_scps", arguments: { accountId: account } });
    expect(fake.stats().totalCalls).toBe(before);
  });

  it("reports call counts and cache hits in get_server_status, and refreshes on request", async () => {
    const status = await rpc("tools/call", { name: "get_server_status", arguments: {} });
    const cache = status.structuredContent.cache;
    expect(cache.totalApiCalls).toBeGreaterThan(0);
    expect(cache.cacheHits).toBeGreaterThan(0);
    expect(cache.refreshed).toBe(false);
    expect(cache.pacing).toMatchObject({
      ratePerSecond: DEFAULT_RATE_PER_SECOND,
      burst: DEFAULT_BURST,
      maxConcurrency: DEFAULT_MAX_CONCURRENCY,
    });
    expect(cache.httpRequests).toBe(fake.stats().organizationsCalls);

    const refreshed = await rpc("tools/call", { name: "get_server_status", arguments: { refresh: true } });
    expect(refreshed.structuredContent.cache).toMatchObject({ refreshed: true, refreshes: 1 });
    // The status itself re-read the organization and its roots after the refresh.
    expect(refreshed.structuredContent.cache.cacheEntries).toBe(2);
  });
});
