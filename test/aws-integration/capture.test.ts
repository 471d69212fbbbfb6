/**
 * Capturing a snapshot through the AWS reader against the fake Organizations service (real SDK over
 * HTTP, AWS page sizes): the capture equals the organization it read, with two list calls per
 * container and no Describe per account or OU.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureSnapshot } from "../../src/org/capture-snapshot.js";
import { snapshotSchema, type Snapshot } from "../../src/org/snapshot-schema.js";
import { generateOrganization } from "../fake-aws/generate-org.js";
import { startFakeAws, type FakeAws } from "../fake-aws/organizations-server.js";
import { destroyClients, nonZero, readerFor } from "./helpers.js";

let snapshot: Snapshot;
let fake: FakeAws;

beforeAll(async () => {
  snapshot = generateOrganization("S", 5);
  fake = await startFakeAws({ snapshot });
});
afterAll(async () => {
  destroyClients();
  await fake.close();
});

const byId = <T extends { id: string }>(list: T[]): T[] => [...list].sort((a, b) => a.id.localeCompare(b.id));

describe("captureSnapshot through the AWS reader", () => {
  it("captures the organization as it is, with two list calls per container", async () => {
    const { reader } = readerFor(fake.endpoint);
    const captured = snapshotSchema.parse(await captureSnapshot(reader));

    const shape = (s: Snapshot) => ({
      accounts: byId(s.accounts).map(({ id, name, parentId }) => ({ id, name, parentId })),
      ous: byId(s.organizationalUnits).map(({ id, name, parentId }) => ({ id, name, parentId })),
      policies: byId(s.policies).map((p) => ({ id: p.id, name: p.name, targets: [...p.targetIds].sort() })),
    });
    expect(shape(captured)).toEqual(shape(snapshot));

    const containers = snapshot.roots.length + snapshot.organizationalUnits.length;
    const calls = nonZero(fake.stats().calls);
    expect(calls.ListOrganizationalUnitsForParent).toBeGreaterThanOrEqual(containers);
    expect(calls.ListAccountsForParent).toBeGreaterThanOrEqual(containers);
    // Exactly one call per page: pages of 20, at least one per container.
    const pages = (n: number) => Math.max(1, Math.ceil(n / 20));
    const ids = [...snapshot.roots.map((r) => r.id), ...snapshot.organizationalUnits.map((o) => o.id)];
    const count = (list: { parentId: string }[], id: string) => list.filter((x) => x.parentId === id).length;
    expect(calls.ListAccountsForParent).toBe(
      ids.reduce((n, id) => n + pages(count(snapshot.accounts, id)), 0),
    );
    expect(calls.ListOrganizationalUnitsForParent).toBe(
      ids.reduce((n, id) => n + pages(count(snapshot.organizationalUnits, id)), 0),
    );
    expect(calls.DescribeAccount).toBeUndefined();
    expect(calls.DescribeOrganizationalUnit).toBeUndefined();
    expect(calls.ListChildren).toBeUndefined();
    // One DescribePolicy per policy; pages beyond the first add list calls, nothing else.
    expect(calls.DescribePolicy).toBe(snapshot.policies.length);
  });
});
