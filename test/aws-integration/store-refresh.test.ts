/**
 * Refreshes against the fakes: by change, the refreshed snapshot is the organization as it is now,
 * at the cost of reading what the events name; whenever the event history cannot be trusted, a
 * whole read; and a refresh that fails, or loses the race, never replaces what is stored.
 */
import { gunzipSync } from "node:zlib";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAwsReader } from "../../src/org/aws-reader.js";
import { decodeStoredSnapshot } from "../../src/org/store/codec.js";
import type { EventLookup } from "../../src/org/store/event-source.js";
import type { ObjectStore } from "../../src/org/store/object-store.js";
import { runRefresh, type RefreshDeps, type RefreshOutcome } from "../../src/org/store/refresher.js";
import type { Snapshot } from "../../src/org/snapshot-schema.js";
import type { OrganizationReader } from "../../src/org/types.js";
import { generateOrganization } from "../fake-aws/generate-org.js";
import { startFakeAws, type FakeAws } from "../fake-aws/organizations-server.js";
import { startFakeS3, type FakeS3 } from "../fake-aws/s3-server.js";
import { BUCKET, destroyStoreClients, fakeBackends, organizationsClient } from "./store-helpers.js";

const KEY = "orgs/org.json.gz";
let clock = 0;
let aws: FakeAws;
let s3: FakeS3;
let store: ObjectStore;
let lookup: EventLookup;
let reader: OrganizationReader;

beforeEach(async () => {
  clock = Date.parse("2026-12-01T10:00:00Z");
  aws = await startFakeAws({ snapshot: generateOrganization("S", 5), now: () => clock });
  s3 = await startFakeS3({ buckets: [BUCKET] });
  ({ store, lookup } = fakeBackends(s3.endpoint, aws.endpoint));
  reader = createAwsReader({
    cacheTtlSeconds: 3600,
    client: organizationsClient(aws.endpoint),
    pacing: { ratePerSecond: 10_000, burst: 10_000, maxConcurrency: 16 },
    now: () => clock,
  });
});

afterEach(async () => {
  destroyStoreClients();
  await aws.close();
  await s3.close();
});
afterAll(destroyStoreClients);

const deps = (over: Partial<RefreshDeps> = {}): RefreshDeps => ({
  store,
  key: KEY,
  lookup,
  reader,
  now: () => clock,
  organizationsRatePerSecond: 8,
  ...over,
});

async function stored(): Promise<{ snapshot: Snapshot; etag: string; meta: unknown }> {
  const got = await s3.object(BUCKET, KEY);
  if (!got) throw new Error("nothing stored");
  const decoded = decodeStoredSnapshot(got.body, aws.index.snapshot.organization.id, KEY);
  return { ...decoded, etag: got.etag };
}

/** Tree, documents and attachments, in a comparable form. */
function essence(s: Snapshot): unknown {
  const byId = <T extends { id: string }>(xs: T[]): T[] => [...xs].sort((a, b) => (a.id < b.id ? -1 : 1));
  return {
    roots: s.roots.map((r) => [r.id, r.policyTypes]),
    ous: byId(s.organizationalUnits).map((o) => [o.id, o.name, o.parentId]),
    accounts: byId(s.accounts).map((a) => [a.id, a.name, a.parentId]),
    policies: byId(s.policies).map((p) => [p.id, p.name, p.type, p.content, [...p.targetIds].sort()]),
  };
}

async function firstWholeRead(): Promise<RefreshOutcome> {
  const outcome = await runRefresh(deps(), { write: { ifNoneMatch: "*" } });
  expect(outcome.kind).toBe("written");
  return outcome;
}

async function refreshNow(over: Partial<RefreshDeps> = {}): Promise<RefreshOutcome> {
  const current = await stored();
  return runRefresh(deps(over), {
    base: { snapshot: current.snapshot, meta: current.meta as never },
    write: { ifMatch: current.etag },
  });
}

const DENY_S3 = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Deny", Action: "s3:DeleteBucket", Resource: "*" }],
});

describe("refresh by change", () => {
  it("after every kind of change, stores the organization as it is now, reading only what changed", async () => {
    await firstWholeRead();
    expect(essence((await stored()).snapshot)).toEqual(essence(aws.index.snapshot));
    clock += 5 * 60_000;
    const root = aws.index.snapshot.roots[0]!.id;
    const scp = aws.index.snapshot.policies.find(
      (p) => p.type === "SERVICE_CONTROL_POLICY" && !p.awsManaged,
    )!;
    const someOu = aws.index.snapshot.organizationalUnits[2]!;
    const account = aws.index.snapshot.accounts.find((a) => a.parentId !== root)!;
    const leaving = aws.index.snapshot.accounts.find(
      (a) => a.id !== account.id && a.id !== aws.index.snapshot.organization.managementAccountId,
    )!;
    aws.change({ kind: "updatePolicy", policyId: scp.id, content: DENY_S3 });
    const created = aws.change({
      kind: "createPolicy",
      type: "SERVICE_CONTROL_POLICY",
      name: "New",
      content: DENY_S3,
    })!;
    aws.change({ kind: "attachPolicy", policyId: created, targetId: someOu.id });
    aws.change({ kind: "detachPolicy", policyId: scp.id, targetId: scp.targetIds[0]! });
    const ou = aws.change({ kind: "createOu", parentId: root, name: "Fresh" })!;
    aws.change({ kind: "renameOu", ouId: someOu.id, name: "Renamed" });
    aws.change({ kind: "moveAccount", accountId: account.id, destinationParentId: ou });
    const newcomer = aws.change({ kind: "createAccount", name: "newcomer" })!;
    aws.change({ kind: "removeAccount", accountId: leaving.id });
    const empty = aws.change({ kind: "createOu", parentId: root, name: "Short-lived" })!;
    aws.change({ kind: "deleteOu", ouId: empty });
    aws.change({ kind: "event", name: "TagResource", request: { resourceId: scp.id } });
    clock += 5 * 60_000;
    aws.reset();

    const outcome = await refreshNow();
    expect(outcome.kind).toBe("written");
    expect(outcome.report).toMatchObject({ mode: "by-change", changes: 11, reason: "11 changes" });
    const after = await stored();
    expect(essence(after.snapshot)).toEqual(essence(aws.index.snapshot));
    expect(after.snapshot.capturedAt).toBe(new Date(clock).toISOString());
    expect(after.snapshot.accounts.some((a) => a.id === newcomer)).toBe(true);
    // Re-reads only: no whole read (a whole read of S costs about 70 calls).
    const { LookupEvents, ...organizations } = aws.stats().calls;
    expect(LookupEvents).toBe(outcome.report.lookupPages);
    expect(Object.values(organizations).reduce((a, b) => a + b, 0)).toBe(outcome.report.organizationsCalls);
    expect(outcome.report.organizationsCalls).toBeLessThan(25);
  });

  it("costs no Organizations call when nothing changed", async () => {
    await firstWholeRead();
    clock += 20 * 60_000;
    aws.reset();
    const outcome = await refreshNow();
    expect(outcome.report).toMatchObject({ mode: "by-change", reason: "no change", organizationsCalls: 0 });
    expect(aws.stats().organizationsCalls).toBe(0);
  });

  it("does not read again what the last refresh applied, though the look-back lists it again", async () => {
    await firstWholeRead();
    clock += 20 * 60_000;
    aws.change({ kind: "renameOu", ouId: aws.index.snapshot.organizationalUnits[0]!.id, name: "Once" });
    clock += 60_000;
    expect((await refreshNow()).report).toMatchObject({ reason: "1 change", organizationsCalls: 1 });
    clock += 5 * 60_000; // the next look-back (15 min) still covers the rename
    expect((await refreshNow()).report).toMatchObject({ reason: "no change", organizationsCalls: 0 });
  });

  it("applies a change CloudTrail delivered late at the next refresh, thanks to the look-back", async () => {
    await firstWholeRead();
    aws.configure({ eventDelaySeconds: 240 });
    clock += 10 * 60_000;
    const ou = aws.index.snapshot.organizationalUnits[0]!;
    aws.change({ kind: "renameOu", ouId: ou.id, name: "Late" });
    clock += 60_000; // refreshed a minute later: the event is not listed yet
    expect((await refreshNow()).report.reason).toBe("no change");
    expect((await stored()).snapshot.organizationalUnits.find((o) => o.id === ou.id)?.name).not.toBe("Late");
    clock += 15 * 60_000;
    expect((await refreshNow()).report.reason).toBe("1 change");
    expect((await stored()).snapshot.organizationalUnits.find((o) => o.id === ou.id)?.name).toBe("Late");
  });
});

describe("a whole read instead", () => {
  it("when LookupEvents is refused", async () => {
    await firstWholeRead();
    aws.configure({ deny: ["LookupEvents"] });
    clock += 20 * 60_000;
    const outcome = await refreshNow();
    expect(outcome.report.mode).toBe("full");
    expect(outcome.report.reason).toContain("CloudTrail LookupEvents was denied (AccessDeniedException)");
  });

  it("when an event is not understood", async () => {
    await firstWholeRead();
    aws.change({ kind: "event", name: "EnableAllFeatures" });
    clock += 20 * 60_000;
    expect((await refreshNow()).report).toMatchObject({
      mode: "full",
      reason: "event EnableAllFeatures is not one this server understands",
    });
  });

  it("when the events would take more pages than a whole read costs", async () => {
    await firstWholeRead();
    for (let i = 0; i < 1100; i++)
      aws.change({ kind: "event", name: "TagResource", request: { resourceId: "p-aaaaaaaa" } });
    clock += 20 * 60_000;
    const outcome = await refreshNow();
    expect(outcome.report.mode).toBe("full");
    expect(outcome.report.reason).toMatch(/longer than 20 pages of 50/);
    expect(outcome.report.lookupPages).toBe(20);
  });

  it("when the snapshot is older than the 90 days of event history", async () => {
    await firstWholeRead();
    clock += 91 * 86_400_000;
    expect((await refreshNow()).report).toMatchObject({
      mode: "full",
      reason: "the snapshot is older than the 90 days of CloudTrail event history",
    });
  });

  it("every day at least, for the changes the management account never sees", async () => {
    await firstWholeRead();
    for (let i = 0; i < 4; i++) {
      clock += 5 * 3_600_000;
      expect((await refreshNow()).report.mode).toBe("by-change");
    }
    clock += 5 * 3_600_000;
    expect((await refreshNow()).report).toMatchObject({
      mode: "full",
      reason: "the last whole read is more than 24 h old",
    });
  });
});

describe("what a refresh never does", () => {
  it("loses the stored snapshot when it fails", async () => {
    await firstWholeRead();
    const before = await s3.object(BUCKET, KEY);
    aws.change({ kind: "renameOu", ouId: aws.index.snapshot.organizationalUnits[0]!.id, name: "x" });
    aws.configure({ deny: ["DescribeOrganizationalUnit"] });
    clock += 20 * 60_000;
    await expect(refreshNow()).rejects.toThrow(/DescribeOrganizationalUnit was denied/);
    expect(await s3.object(BUCKET, KEY)).toEqual(before);
  });

  it("overwrites a newer snapshot: the slower of two refreshers is dropped", async () => {
    await firstWholeRead();
    const base = await stored();
    clock += 20 * 60_000;
    const release = s3.holdWrites(/org\.json\.gz$/);
    const slow = runRefresh(deps(), {
      base: { snapshot: base.snapshot, meta: base.meta as never },
      write: { ifMatch: base.etag },
    });
    await new Promise((r) => setTimeout(r, 200));
    release();
    const fast = await runRefresh(deps(), {
      base: { snapshot: base.snapshot, meta: base.meta as never },
      write: { ifMatch: base.etag },
    });
    const outcomes = [await slow, fast].map((o) => o.kind).sort();
    expect(outcomes).toEqual(["superseded", "written"]);
    expect(s3.preconditionFailures()).toBe(1);
  });
});

it("stores what a whole read finds, byte for byte the snapshot a file capture makes", async () => {
  await firstWholeRead();
  const got = await s3.object(BUCKET, KEY);
  const doc = JSON.parse(gunzipSync(got!.body).toString("utf8"));
  expect(doc.store).toEqual({ lastFullReadAt: "2026-12-01T10:00:00.000Z", refresh: "full" });
  expect(essence(doc)).toEqual(essence(aws.index.snapshot));
});
