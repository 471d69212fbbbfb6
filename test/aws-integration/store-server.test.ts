/**
 * The shared snapshot store, through an MCP client over HTTP (the in-process app, the real readers
 * and clients against the fake AWS and s3rver): what a new session answers from, what every answer
 * says about its data's age, the first session ever, stale and refused objects, a store that cannot
 * be used, a dead session's lease, the tool deadline and progress notifications.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMemoryLogger } from "../../src/logging/logger.js";
import { encodeStoredSnapshot } from "../../src/org/store/codec.js";
import type { StoredReader } from "../../src/org/store/stored-reader.js";
import { generateOrganization } from "../fake-aws/generate-org.js";
import { startFakeAws, type FakeAws } from "../fake-aws/organizations-server.js";
import { startFakeS3, type FakeS3 } from "../fake-aws/s3-server.js";
import { callTool, connect, startHarness, type Harness } from "../helpers/harness.js";
import {
  BUCKET,
  STORE_URI,
  destroyStoreClients,
  storedSession,
  type SessionOptions,
} from "./store-helpers.js";

const organization = generateOrganization("S", 6);
const ORG_ID = organization.organization.id;
const ROOT = organization.roots[0]!.id;
const KEY = `orgs/${ORG_ID}.json.gz`;
const LEASE = `orgs/${ORG_ID}.lease.json`;
const FULL = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});
const BASELINE = {
  formatVersion: 1,
  policies: [{ name: "FullAWSAccess", type: "SERVICE_CONTROL_POLICY", content: FULL, targets: ["Root/**"] }],
  options: { reportUnexpectedPolicies: false },
};

let clock = 0;
let aws: FakeAws;
let s3: FakeS3;

beforeEach(async () => {
  clock = Date.parse("2026-12-01T10:00:00Z");
  aws = await startFakeAws({ snapshot: organization, now: () => clock });
  s3 = await startFakeS3({ buckets: [BUCKET] });
});

afterEach(async () => {
  destroyStoreClients();
  await aws.close();
  await s3.close();
});

interface Session {
  harness: Harness;
  client: Client;
  reader: StoredReader;
  logger: ReturnType<typeof createMemoryLogger>;
}

/** A new session: a new server process, as AgentCore starts one per MCP session. */
async function session(
  over: Partial<SessionOptions> = {},
  env: Record<string, string> = {},
): Promise<Session> {
  const logger = createMemoryLogger("debug");
  const reader = storedSession({
    s3: s3.endpoint,
    aws: aws.endpoint,
    logger,
    now: () => clock,
    organizationId: ORG_ID,
    extra: { pollSeconds: 0.2, retrySeconds: 60 },
    ...over,
  });
  const harness = await startHarness(
    { ORG_SOURCE: "aws", ALLOWED_OU_IDS: ROOT, ORG_SNAPSHOT_STORE_URI: STORE_URI, ...env },
    { createReader: async () => reader },
  );
  return { harness, client: await connect(harness), reader, logger };
}

/** A store holding the organization as it is, captured `ageMinutes` ago. */
async function seedStore(ageMinutes = 0): Promise<void> {
  const capturedAt = new Date(clock - ageMinutes * 60_000).toISOString();
  const snapshot = { ...aws.index.snapshot, capturedAt };
  await s3.putObject(
    BUCKET,
    KEY,
    encodeStoredSnapshot({ snapshot, meta: { lastFullReadAt: capturedAt, refresh: "full" } }),
  );
}

describe("a new session with a fresh store", () => {
  it("answers whole-organization questions from it: one GetObject, no Organizations call", async () => {
    await seedStore(4);
    const { client } = await session();
    const targets = await callTool(client, "get_scp_targets", { policyId: "p-FullAWSAccess" });
    const listed = await callTool(client, "list_scp_policies");
    const drift = await callTool(client, "compare_scp_config", { baseline: BASELINE });
    for (const answer of [targets, listed, drift]) {
      expect(answer.result.isError).toBeFalsy();
      expect(answer.text).toContain(
        "Data: the shared organization snapshot captured 2026-12-01T09:56:00.000Z, 4 min old",
      );
      expect(answer.data?.dataAge).toMatchObject({
        source: "store",
        ageSeconds: 240,
        stale: false,
        maxAgeSeconds: 900,
      });
    }
    // Paged (issue 19): the whole is counted, the first page listed.
    const attached = aws.index.snapshot.policies.find((p) => p.id === "p-FullAWSAccess")!.targetIds.length;
    expect(targets.data?.page.total).toBe(attached);
    expect(targets.data?.targets.length).toBe(Math.min(attached, 50));
    expect(aws.stats().organizationsCalls).toBe(0);
    expect(s3.requests().GetObject).toBe(1);
    expect(s3.requests().PutObject).toBe(0);
  });

  it("without organizationId asks DescribeOrganization once, for the object's name", async () => {
    await seedStore();
    const { client } = await session({ organizationId: undefined as never });
    await callTool(client, "get_effective_scps", { accountId: aws.index.deepestAccount() });
    await callTool(client, "list_scp_policies");
    expect(aws.stats().calls).toEqual({ DescribeOrganization: 1 });
  });

  it("shows the store in get_server_status, and /healthz never waited for it", async () => {
    await seedStore(2);
    const { client, harness } = await session();
    expect(s3.requests().GetObject).toBe(0); // start-up read nothing
    expect((await harness.fetch("http://localhost/healthz")).status).toBe(200);
    const status = await callTool(client, "get_server_status");
    expect(status.data?.store).toMatchObject({
      uri: STORE_URI,
      object: `s3://${BUCKET}/${KEY}`,
      state: "fresh",
      ageSeconds: 120,
      problem: null,
    });
    expect(status.text).toContain(`Snapshot store: s3://${BUCKET}/${KEY}: fresh`);
  });
});

describe("a stale snapshot", () => {
  it("is answered from at once, says so, and is refreshed in the background by change", async () => {
    await seedStore(20);
    const ou = aws.index.snapshot.organizationalUnits[1]!;
    const oldName = ou.name;
    clock -= 10 * 60_000;
    aws.change({ kind: "renameOu", ouId: ou.id, name: "RenamedMeanwhile" });
    clock += 10 * 60_000;
    const { client, reader } = await session();
    const first = await callTool(client, "get_effective_scps", { ouId: ou.id });
    expect(first.data?.dataAge).toMatchObject({ source: "store", stale: true, ageSeconds: 1200 });
    expect(first.text).toContain("older than the 15 min maximum, so it is being refreshed in the background");
    expect(first.data?.target.name).toBe(oldName);
    await reader.settled();
    const after = await callTool(client, "get_effective_scps", { ouId: ou.id });
    expect(after.data?.dataAge).toMatchObject({ stale: false, ageSeconds: 0 });
    expect(after.data?.target.name).toBe("RenamedMeanwhile");
    const status = await callTool(client, "get_server_status");
    expect(status.data?.store.lastRefresh).toMatchObject({
      mode: "by-change",
      changes: 1,
      organizationsCalls: 1,
    });
  });

  it("keeps being served, unchanged in the store, when the refresh fails", async () => {
    await seedStore(20);
    const before = await s3.object(BUCKET, KEY);
    aws.change({ kind: "renameOu", ouId: aws.index.snapshot.organizationalUnits[0]!.id, name: "x" });
    aws.configure({ deny: ["DescribeOrganizationalUnit"] });
    const { client, reader } = await session();
    await callTool(client, "list_scp_policies");
    await reader.settled();
    const again = await callTool(client, "list_scp_policies");
    expect(again.result.isError).toBeFalsy();
    expect(again.data?.dataAge).toMatchObject({ source: "store", stale: true });
    const status = await callTool(client, "get_server_status");
    expect(status.data?.store.problem).toMatchObject({ code: "refresh_failed" });
    expect(status.data?.store.problem.fix).toContain("The snapshot in the store is kept");
    expect(await s3.object(BUCKET, KEY)).toEqual(before);
  });
});

describe("the first session ever (empty store)", () => {
  it("answers a chain at once from the API, tells whole-organization questions to ask again, and fills the store", async () => {
    // About 70 calls at 10/s: the whole read takes some 7 s.
    aws.configure({ throttle: { ratePerSecond: 10, burst: 5 } });
    const { client, reader, harness } = await session({
      pacing: { ratePerSecond: 10, burst: 5, maxConcurrency: 4 },
    });
    harness.runtime.toolDeadlineMs = 1000;
    const started = performance.now();
    const pending = await callTool(client, "list_scp_policies");
    expect(performance.now() - started).toBeLessThan(3000);
    expect(pending.result.isError).toBe(true);
    expect(pending.text).toMatch(
      /^Not ready yet after 1 s: this session is reading the whole organization into the shared snapshot store\. Done: \d+ API calls, at least \d+ left \(about \d+ s more\)\. The read continues in the background; ask again in about \d+ s/,
    );

    harness.runtime.toolDeadlineMs = 30_000;
    const chain = await callTool(client, "get_effective_scps", { accountId: aws.index.deepestAccount() });
    expect(chain.result.isError).toBeFalsy();
    expect(chain.data?.dataAge).toMatchObject({ source: "api", refreshing: true });
    expect(chain.text).toContain("The shared snapshot is being built");

    await reader.settled();
    const answered = await callTool(client, "list_scp_policies");
    expect(answered.result.isError).toBeFalsy();
    expect(answered.data?.dataAge).toMatchObject({ source: "store", ageSeconds: 0 });
    expect(await s3.object(BUCKET, KEY)).toBeDefined();
    expect(await s3.object(BUCKET, LEASE)).toBeUndefined(); // released
  });

  it("lets one session read while another waits on the lease, then answers from the same object", async () => {
    aws.configure({ throttle: { ratePerSecond: 40, burst: 5 } });
    const pacing = { ratePerSecond: 40, burst: 5, maxConcurrency: 4 };
    const a = await session({ pacing });
    const b = await session({ pacing });
    const [fromA, fromB] = await Promise.all([
      callTool(a.client, "get_scp_targets", { policyId: "p-FullAWSAccess" }),
      (async () => {
        await new Promise((r) => setTimeout(r, 300)); // A holds the lease by then
        return callTool(b.client, "get_scp_targets", { policyId: "p-FullAWSAccess" });
      })(),
    ]);
    expect(fromA.data?.dataAge.source).toBe("store");
    expect(fromB.data?.dataAge.source).toBe("store");
    expect(fromB.data?.targets).toEqual(fromA.data?.targets);
    const captures = [a.reader, b.reader].map((r) => r.storeStatus().lastRefresh?.mode ?? null);
    expect(captures.sort()).toEqual(["full", null]); // one read, by one session
    expect(s3.preconditionFailures()).toBeGreaterThanOrEqual(1); // B's lease attempt was refused
  });

  it("sends progress notifications while a call waits, to a client that asked for them", async () => {
    aws.configure({ throttle: { ratePerSecond: 25, burst: 5 } });
    const { client } = await session(
      { pacing: { ratePerSecond: 25, burst: 5, maxConcurrency: 4 } },
      { TOOL_DEADLINE_SECONDS: "30" },
    );
    const updates: { progress: number; total?: number | undefined; message?: string | undefined }[] = [];
    const result = await client.callTool({ name: "list_scp_policies", arguments: {} }, undefined, {
      onprogress: (p) => updates.push(p),
    });
    expect(result.isError).toBeFalsy();
    expect(updates.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < updates.length; i++)
      expect(updates[i]!.progress).toBeGreaterThan(updates[i - 1]!.progress);
    expect(updates[0]!.message).toMatch(
      /reading the whole organization into the shared snapshot store: \d+ API calls done/,
    );
  });
});

describe("objects that must not be served", () => {
  const cases: [string, () => Uint8Array | string, string][] = [
    ["corrupt", () => "this is not gzip", "corrupt"],
    [
      "truncated",
      () =>
        encodeStoredSnapshot({
          snapshot: aws.index.snapshot,
          meta: { lastFullReadAt: aws.index.snapshot.capturedAt, refresh: "full" },
        }).subarray(0, 200),
      "truncated",
    ],
    [
      "of a future format",
      () =>
        encodeStoredSnapshot({
          snapshot: { ...aws.index.snapshot, formatVersion: 7 as never },
          meta: { lastFullReadAt: aws.index.snapshot.capturedAt, refresh: "full" },
        }),
      "future-format",
    ],
    [
      "of another organization",
      () =>
        encodeStoredSnapshot({
          snapshot: {
            ...aws.index.snapshot,
            organization: { ...aws.index.snapshot.organization, id: "o-someoneelse1" },
          },
          meta: { lastFullReadAt: aws.index.snapshot.capturedAt, refresh: "full" },
        }),
      "other-organization",
    ],
  ];
  for (const [what, bytes, reason] of cases) {
    it(`refuses one ${what} by name in the log, answers from the API and replaces it`, async () => {
      await s3.putObject(BUCKET, KEY, bytes());
      const { client, reader, logger } = await session();
      const answer = await callTool(client, "get_effective_scps", { accountId: aws.index.deepestAccount() });
      expect(answer.data?.dataAge.source).toBe("api");
      const refused = logger.lines
        .map((l) => JSON.parse(l))
        .find((l) => l.msg === "stored organization snapshot refused; treated as missing");
      expect(refused).toMatchObject({ level: "warn", object: `s3://${BUCKET}/${KEY}`, reason });
      await reader.settled();
      const after = await callTool(client, "list_scp_policies");
      expect(after.data?.dataAge.source).toBe("store");
      const fresh = await session();
      expect((await callTool(fresh.client, "list_scp_policies")).data?.dataAge.source).toBe("store");
    });
  }
});

describe("a store that cannot be used", () => {
  it("AccessDenied: get_server_status says what to fix; the server answers from the API", async () => {
    s3.deny({ code: "AccessDenied" });
    const { client } = await session();
    const answer = await callTool(client, "get_effective_scps", { accountId: aws.index.deepestAccount() });
    expect(answer.result.isError).toBeFalsy();
    expect(answer.data?.dataAge.source).toBe("api");
    expect(answer.text).toContain("The shared snapshot store is not usable: S3 GetObject");
    const listed = await callTool(client, "list_scp_policies");
    expect(listed.result.isError).toBeFalsy();
    const status = await callTool(client, "get_server_status");
    expect(status.data?.store).toMatchObject({ state: "unavailable", problem: { code: "access_denied" } });
    expect(status.data?.store.problem.fix).toContain("s3:GetObject, s3:PutObject and s3:DeleteObject");
    expect(status.text).toContain("Store problem: S3 GetObject");
  });

  it("NoSuchBucket: the same, naming the bucket to create", async () => {
    const { client } = await session({ uri: "s3://no-such-bucket-here/orgs/" });
    expect((await callTool(client, "list_scp_policies")).result.isError).toBeFalsy();
    const status = await callTool(client, "get_server_status");
    expect(status.data?.store.problem).toMatchObject({ code: "no_such_bucket" });
    expect(status.data?.store.problem.message).toContain("s3://no-such-bucket-here/orgs/");
  });
});

it("takes over the lease of a session that died, once it expires", async () => {
  const dead = {
    holder: "dead-session",
    purpose: "full read",
    acquiredAt: new Date(clock).toISOString(),
    expiresAt: new Date(clock + 30_000).toISOString(),
  };
  await s3.putObject(BUCKET, LEASE, JSON.stringify(dead));
  const { client, reader } = await session({}, { TOOL_DEADLINE_SECONDS: "1" });
  const waiting = await callTool(client, "list_scp_policies");
  expect(waiting.text).toContain(
    "another session (dead-session) is reading the organization into the shared snapshot store",
  );
  clock += 31_000; // the dead session's lease lapses
  await new Promise((r) => setTimeout(r, 500)); // the next look at the store takes it over
  await reader.settled();
  const answered = await callTool(client, "list_scp_policies");
  expect(answered.data?.dataAge.source).toBe("store");
  expect(reader.storeStatus().lastRefresh?.mode).toBe("full");
});
