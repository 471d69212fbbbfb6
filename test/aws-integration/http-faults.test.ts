/**
 * The real SDK against the fake service when AWS misbehaves: paging, throttling, 5xx, dropped
 * connections, error mapping, and the pacer keeping whole-organization work under a throttle.
 */
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSecretReader } from "../../src/aws/secrets.js";
import { UserError } from "../../src/errors.js";
import { OrganizationService } from "../../src/org/service.js";
import type { Snapshot } from "../../src/org/snapshot-schema.js";
import { generateOrganization } from "../fake-aws/generate-org.js";
import { OrgIndex, organizationLowerBound } from "../fake-aws/org-index.js";
import { startFakeAws, type FakeAws } from "../fake-aws/organizations-server.js";
import { FAKE_CREDENTIALS, destroyClients, readerFor } from "./helpers.js";

let snapshot: Snapshot;
let index: OrgIndex;
let fake: FakeAws;
let bigOu: string;

beforeAll(async () => {
  snapshot = generateOrganization("S", 5);
  index = new OrgIndex(snapshot);
  // One OU with more than two pages of accounts.
  bigOu = snapshot.organizationalUnits[0]!.id;
  for (let i = 0; i < 45; i++) {
    const id = String(300_000_000_000 + i);
    snapshot.accounts.push({ id, name: `bulk-${i}`, status: "ACTIVE", parentId: bigOu });
  }
  index = new OrgIndex(snapshot);
  fake = await startFakeAws({
    snapshot,
    secrets: {
      "runtime-config": JSON.stringify({ organization: { source: "aws" }, allowedOuIds: ["r-ab12"] }),
    },
  });
});
afterEach(() => {
  destroyClients();
  fake.configure({ throttle: null, faults: {}, trailingEmptyPages: false, latencyMs: 0 });
  fake.reset();
});
afterAll(async () => fake.close());

async function caught(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

describe("paging", () => {
  it("reads every page of 20, asking for the largest page", async () => {
    const { reader } = readerFor(fake.endpoint);
    const accounts = await reader.listAccountsForParent!(bigOu);
    const expected = index.childAccounts.get(bigOu)!;
    expect(accounts.map((a) => a.id)).toEqual(expected.map((a) => a.id));
    expect(expected.length).toBeGreaterThan(40);
    expect(fake.stats().calls).toEqual({ ListAccountsForParent: Math.ceil(expected.length / 20) });
    expect(reader.stats().apiCalls).toEqual({ ListAccountsForParent: Math.ceil(expected.length / 20) });
    // The listing taught the reader each account's name and parent: ListParents is not needed.
    expect(await reader.getParent(expected[0]!.id)).toEqual({ id: bigOu, type: "ORGANIZATIONAL_UNIT" });
    expect(reader.peekName!(expected[0]!.id)).toBe(expected[0]!.name);
    expect(fake.stats().totalCalls).toBe(Math.ceil(expected.length / 20));
  });

  it("follows a NextToken to a trailing empty page", async () => {
    fake.configure({ trailingEmptyPages: true });
    const { reader } = readerFor(fake.endpoint);
    const roots = await reader.listRoots();
    expect(roots.map((r) => r.id)).toEqual(snapshot.roots.map((r) => r.id));
    const ous = await reader.listChildren(bigOu, "ACCOUNT");
    expect(ous).toHaveLength(index.childAccounts.get(bigOu)!.length);
  });
});

describe("retries and error mapping", () => {
  it("retries throttling, 5xx and dropped connections inside one logical call", async () => {
    const { reader } = readerFor(fake.endpoint, { retryMode: "standard" });
    const account = index.deepestAccount();
    fake.failNext("ListParents", "throttle", 2);
    fake.failNext("ListPoliciesForTarget", "server-error", 1);
    fake.failNext("DescribePolicy", "drop", 1);
    const org = new OrganizationService(reader, [snapshot.roots[0]!.id]);
    const chain = await org.effectiveChain(account, "SERVICE_CONTROL_POLICY");
    expect(chain.levels.map((l) => l.target.id)).toEqual(index.lineage(account));
    const stats = fake.stats();
    expect(stats).toMatchObject({ throttled: 2, serverErrors: 1, dropped: 1 });
    const readerStats = reader.stats();
    // Logical calls are counted once; every HTTP attempt is counted separately.
    expect(readerStats.apiCalls["ListParents"]).toBe(index.lineage(account).length - 1);
    expect(readerStats.httpRequests).toBe(stats.organizationsCalls);
    expect(readerStats.throttledResponses).toBe(2);
  }, 20_000);

  it("maps persistent 5xx to a retryable 'unavailable' after maxAttempts", async () => {
    const { reader } = readerFor(fake.endpoint, { maxAttempts: 2, retryMode: "standard" });
    fake.failNext("DescribeOrganization", "server-error", 5);
    const error = await caught(reader.describeOrganization());
    expect(error).toMatchObject({ code: "unavailable", retryable: true });
    expect(error.message).toContain("DescribeOrganization");
    expect(fake.stats().calls["DescribeOrganization"]).toBe(2);
  });

  it("maps persistent dropped connections to 'unavailable' naming the endpoint problem", async () => {
    const { reader } = readerFor(fake.endpoint, { maxAttempts: 2, retryMode: "standard" });
    fake.failNext("ListRoots", "drop", 5);
    const error = await caught(reader.listRoots());
    expect(error).toMatchObject({ code: "unavailable", retryable: true });
    expect(error.message).toContain("ListRoots");
  });

  it("maps AWS's not-found errors to not_found naming the id", async () => {
    const { reader } = readerFor(fake.endpoint);
    const parent = await caught(reader.getParent("999999999999"));
    expect(parent).toMatchObject({ code: "not_found" });
    expect(parent.message).toContain("999999999999");
    const policy = await caught(reader.describePolicy("p-doesnotexist"));
    expect(policy.code).toBe("not_found");
    const target = await caught(reader.listPoliciesForTarget("ou-zzzz-zzzzzzzz", "SERVICE_CONTROL_POLICY"));
    expect(target.message).toContain("TargetNotFoundException");
  });
});

describe("pacing", () => {
  it("keeps whole-organization work under the throttle: no throttled call, time close to calls / rate", async () => {
    const rate = 60;
    fake.configure({ throttle: { ratePerSecond: rate, burst: 10 }, latencyMs: 2 });
    fake.reset();
    const { reader } = readerFor(fake.endpoint, {
      pacing: { ratePerSecond: rate, burst: 5, maxConcurrency: 4 },
    });
    const org = new OrganizationService(reader, [snapshot.roots[0]!.id]);
    const started = performance.now();
    await org.loadOrganization("SERVICE_CONTROL_POLICY");
    const seconds = (performance.now() - started) / 1000;
    const stats = fake.stats();
    expect(stats.throttled).toBe(0);
    expect(stats.totalCalls).toBe(organizationLowerBound(index, "SERVICE_CONTROL_POLICY").total);
    const ideal = (stats.totalCalls - 5) / rate;
    expect(seconds).toBeGreaterThan(ideal * 0.9);
    expect(seconds).toBeLessThan(ideal * 1.5 + 0.3);
    expect(reader.stats().pacing).toMatchObject({ ratePerSecond: rate, burst: 5, maxConcurrency: 4 });
    expect(stats.maxInFlight).toBeLessThanOrEqual(4);
  }, 20_000);
});

describe("Secrets Manager", () => {
  it("serves GetSecretValue to the real client, and a clear error for an unknown secret", async () => {
    const client = new SecretsManagerClient({
      region: "us-east-1",
      endpoint: fake.endpoint,
      credentials: FAKE_CREDENTIALS,
    });
    try {
      const read = createSecretReader("us-east-1", client);
      expect(JSON.parse(await read("runtime-config"))).toMatchObject({ organization: { source: "aws" } });
      await expect(read("missing")).rejects.toThrow(/Secret missing was not found/);
      expect(fake.stats().calls).toEqual({ GetSecretValue: 2 });
    } finally {
      client.destroy();
    }
  });
});
