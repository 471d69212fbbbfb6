/**
 * The AWS reader and the organization service against the fake Organizations service (real SDK
 * over HTTP), at size S: every plan costs exactly its documented lower bound, and answers the
 * same as the snapshot reader over the same organization.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OrganizationService } from "../../src/org/service.js";
import { createSnapshotReader } from "../../src/org/snapshot-reader.js";
import type { Snapshot } from "../../src/org/snapshot-schema.js";
import type { EffectiveChain } from "../../src/model/chain.js";
import { generateOrganization } from "../fake-aws/generate-org.js";
import { OrgIndex, chainLowerBound, organizationLowerBound } from "../fake-aws/org-index.js";
import { startFakeAws, type FakeAws } from "../fake-aws/organizations-server.js";
import { destroyClients, nonZero, readerFor } from "./helpers.js";

const PLAIN_OU = "ou-plan-plainou1";
const PLAIN_ACCOUNT = "299999999999";

/** Size S, plus one OU under the root whose chain holds AWS-managed policies only. */
function organization(): Snapshot {
  const snapshot = generateOrganization("S", 11);
  const rootId = snapshot.roots[0]!.id;
  const suffix = rootId.slice(2);
  const plainOu = PLAIN_OU.replace("plan", suffix);
  snapshot.organizationalUnits.push({ id: plainOu, name: "Plain", parentId: rootId });
  snapshot.accounts.push({ id: PLAIN_ACCOUNT, name: "plain", status: "ACTIVE", parentId: plainOu });
  for (const p of snapshot.policies) {
    if (p.awsManaged) p.targetIds.push(plainOu, PLAIN_ACCOUNT);
    else p.targetIds = p.targetIds.filter((t) => t !== rootId);
  }
  return snapshot;
}

let snapshot: Snapshot;
let index: OrgIndex;
let fake: FakeAws;
let rootId: string;
let expected: OrganizationService;

beforeAll(async () => {
  snapshot = organization();
  index = new OrgIndex(snapshot);
  rootId = snapshot.roots[0]!.id;
  fake = await startFakeAws({ snapshot });
  expected = new OrganizationService(createSnapshotReader(snapshot), undefined);
});
afterEach(() => {
  destroyClients();
  fake.reset();
});
afterAll(async () => fake.close());

function service(allowed: string[] = [rootId]) {
  const { reader } = readerFor(fake.endpoint);
  return { reader, org: new OrganizationService(reader, allowed) };
}

/** What a chain says, names aside (names depend on what the reader has seen). */
function shape(chain: EffectiveChain) {
  return {
    levels: chain.levels.map((l) => ({
      id: l.target.id,
      type: l.target.type,
      policies: l.policies.map((p) => p.id).sort(),
    })),
    isManagementAccount: chain.isManagementAccount,
  };
}

function expectedCalls(bound: Record<string, number>): Record<string, number> {
  const { total: _total, ...calls } = bound;
  return nonZero(calls);
}

describe("one account's effective chain, cold", () => {
  it("costs exactly the lower bound for the deepest account and matches the snapshot reader", async () => {
    const { org } = service();
    const account = index.deepestAccount();
    const chain = await org.effectiveChain(account, "SERVICE_CONTROL_POLICY");
    const bound = chainLowerBound(index, account, "SERVICE_CONTROL_POLICY");
    expect(bound.DescribeOrganization).toBe(0);
    expect(nonZero(fake.stats().calls)).toEqual(expectedCalls(bound));
    expect(shape(chain)).toEqual(shape(await expected.effectiveChain(account, "SERVICE_CONTROL_POLICY")));
    expect(chain.levels.length).toBeGreaterThanOrEqual(5);
    // The management account came from a customer-managed policy's ARN, not from a call.
    expect(chain.managementAccountId).toBe(snapshot.organization.managementAccountId);
  });

  it("costs exactly the lower bound for the RCP chain too", async () => {
    const { org } = service();
    const account = index.deepestAccount("RESOURCE_CONTROL_POLICY");
    const chain = await org.effectiveChain(account, "RESOURCE_CONTROL_POLICY");
    expect(nonZero(fake.stats().calls)).toEqual(
      expectedCalls(chainLowerBound(index, account, "RESOURCE_CONTROL_POLICY")),
    );
    expect(shape(chain)).toEqual(shape(await expected.effectiveChain(account, "RESOURCE_CONTROL_POLICY")));
  });

  it("reads DescribeOrganization once when the chain holds only AWS-managed policies", async () => {
    const { org } = service();
    const chain = await org.effectiveChain(PLAIN_ACCOUNT, "SERVICE_CONTROL_POLICY");
    const bound = chainLowerBound(index, PLAIN_ACCOUNT, "SERVICE_CONTROL_POLICY");
    expect(bound.DescribeOrganization).toBe(1);
    expect(nonZero(fake.stats().calls)).toEqual(expectedCalls(bound));
    expect(chain.isManagementAccount).toBe(false);
  });

  it("confirms the management account with DescribeOrganization, never from an ARN alone", async () => {
    const { org } = service();
    const management = snapshot.organization.managementAccountId;
    // Learn the management account from an ARN first: the deepest chain shows customer policies.
    await org.effectiveChain(index.deepestAccount(), "SERVICE_CONTROL_POLICY");
    fake.reset();
    const chain = await org.effectiveChain(management, "SERVICE_CONTROL_POLICY");
    expect(chain.isManagementAccount).toBe(true);
    expect(fake.stats().calls["DescribeOrganization"]).toBe(1);
    expect(shape(chain)).toEqual(shape(await expected.effectiveChain(management, "SERVICE_CONTROL_POLICY")));
  });

  it("answers an OU's chain without DescribeOrganization", async () => {
    const { org } = service();
    const ou = index.lineage(index.deepestAccount()).at(-2)!;
    const chain = await org.effectiveChain(ou, "SERVICE_CONTROL_POLICY");
    expect(nonZero(fake.stats().calls)).toEqual(
      expectedCalls(chainLowerBound(index, ou, "SERVICE_CONTROL_POLICY")),
    );
    expect(chain.isManagementAccount).toBe(false);
  });

  it("sends identical concurrent questions once", async () => {
    const { org } = service();
    const account = index.deepestAccount();
    await Promise.all(Array.from({ length: 5 }, () => org.effectiveChain(account, "SERVICE_CONTROL_POLICY")));
    expect(fake.stats().totalCalls).toBe(chainLowerBound(index, account, "SERVICE_CONTROL_POLICY").total);
  });

  it("costs nothing again within the TTL, and reads afresh after an explicit refresh", async () => {
    const { org, reader } = service();
    const account = index.deepestAccount();
    const bound = chainLowerBound(index, account, "SERVICE_CONTROL_POLICY").total;
    await org.effectiveChain(account, "SERVICE_CONTROL_POLICY");
    await org.effectiveChain(account, "SERVICE_CONTROL_POLICY");
    expect(fake.stats().totalCalls).toBe(bound);
    expect(reader.stats().cacheHits).toBeGreaterThan(0);
    org.refresh();
    await org.effectiveChain(account, "SERVICE_CONTROL_POLICY");
    expect(fake.stats().totalCalls).toBe(2 * bound);
    expect(reader.stats().refreshes).toBe(1);
  });

  it("shows unknown names as ids, reads them on request, and reuses names it has seen", async () => {
    const { org } = service();
    const account = index.deepestAccount();
    const cold = await org.effectiveChain(account, "SERVICE_CONTROL_POLICY");
    expect(cold.levels.every((l) => l.target.nameKnown === false && l.target.name === l.target.id)).toBe(
      true,
    );

    fake.reset();
    const named = await org.effectiveChain(account, "SERVICE_CONTROL_POLICY", { resolveNames: true });
    expect(named.levels.map((l) => l.target.name)).toEqual(
      index.lineage(account).map((id) => index.nameOf(id)),
    );
    expect(named.ouPath).toBe(
      index
        .lineage(account)
        .map((id) => index.nameOf(id))
        .join("/"),
    );
    // One name call per level, nothing else (the chain itself is cached).
    const { DescribeAccount, DescribeOrganizationalUnit, ListRoots, ...rest } = fake.stats().calls;
    expect(rest).toEqual({});
    expect((DescribeAccount ?? 0) + (DescribeOrganizationalUnit ?? 0) + (ListRoots ?? 0)).toBe(
      named.levels.length,
    );

    // Names are now known: a plain question shows them at no cost.
    fake.reset();
    const again = await org.effectiveChain(account, "SERVICE_CONTROL_POLICY");
    expect(again.levels.every((l) => l.target.nameKnown === true)).toBe(true);
    expect(fake.stats().totalCalls).toBe(0);
  });

  it("refuses an account outside the scope, and an unknown one as not found", async () => {
    const account = index.deepestAccount();
    const otherTopOu = snapshot.organizationalUnits.find(
      (o) => o.parentId === rootId && !index.lineage(account).includes(o.id),
    )!;
    const { org } = service([otherTopOu.id]);
    await expect(org.effectiveChain(account, "SERVICE_CONTROL_POLICY")).rejects.toThrow(
      /outside the allowed scope/,
    );
    // Only the walk up to the root was spent on it.
    expect(nonZero(fake.stats().calls)).toEqual({ ListParents: index.lineage(account).length - 1 });
    await expect(org.effectiveChain("999999999999", "SERVICE_CONTROL_POLICY")).rejects.toMatchObject({
      code: "not_found",
    });
  });
});

describe("the whole organization", () => {
  it("loads at the lower bound with the per-policy plan, and every chain then costs nothing", async () => {
    const { org } = service();
    const view = await org.loadOrganization("SERVICE_CONTROL_POLICY");
    const bound = organizationLowerBound(index, "SERVICE_CONTROL_POLICY");
    expect(view.plan.chosen).toBe(bound.attachmentPlan);
    expect(view.plan.chosen).toBe("per-policy");
    expect(fake.stats().totalCalls).toBe(bound.total);
    expect(view.accounts.size).toBe(snapshot.accounts.length);
    expect(view.containers.size).toBe(snapshot.organizationalUnits.length + 1);
    expect(view.policies.size).toBe(
      snapshot.policies.filter((p) => p.type === "SERVICE_CONTROL_POLICY").length,
    );

    fake.reset();
    for (const account of snapshot.accounts) {
      const fromView = await org.chainFromView(view, account.id);
      const direct = await org.effectiveChain(account.id, "SERVICE_CONTROL_POLICY");
      const truth = shape(await expected.effectiveChain(account.id, "SERVICE_CONTROL_POLICY"));
      expect(shape(fromView), account.id).toEqual(truth);
      expect(shape(direct), account.id).toEqual(truth);
      // Listings carried every account and OU name.
      expect(direct.target.name).toBe(account.name);
    }
    // The management account's chain confirms it once; nothing else was read.
    expect(nonZero(fake.stats().calls)).toEqual({ DescribeOrganization: 1 });
  });

  it("lists the visible policies without a ListParents walk per target when the root is allowed", async () => {
    const { org } = service();
    const rows = await org.listVisiblePolicies("SERVICE_CONTROL_POLICY");
    const scps = snapshot.policies.filter((p) => p.type === "SERVICE_CONTROL_POLICY");
    expect(rows).toHaveLength(scps.length);
    expect(nonZero(fake.stats().calls)).toEqual({
      ListPolicies: 1,
      ListTargetsForPolicy: scps.reduce((n, p) => n + Math.max(1, Math.ceil(p.targetIds.length / 20)), 0),
    });
  });

  it("costs nothing the second time within the TTL", async () => {
    const { org } = service();
    await org.loadOrganization("SERVICE_CONTROL_POLICY");
    const first = fake.stats().totalCalls;
    await org.loadOrganization("SERVICE_CONTROL_POLICY");
    expect(fake.stats().totalCalls).toBe(first);
  });

  it("picks the per-target plan for a small scope and still answers correctly", async () => {
    // The leaf OU with the fewest accounts: reading its few targets beats reading every policy.
    const accountsIn = (id: string): number => (index.childAccounts.get(id) ?? []).length;
    const leafOu = snapshot.organizationalUnits
      .filter((o) => (index.childOus.get(o.id) ?? []).length === 0 && accountsIn(o.id) > 0)
      .sort((a, b) => accountsIn(a.id) - accountsIn(b.id))[0]!;
    const { org } = service([leafOu.id]);
    const view = await org.loadOrganization("SERVICE_CONTROL_POLICY");
    expect(view.plan.chosen).toBe("per-target");
    const accounts = index.childAccounts.get(leafOu.id)!;
    const lineage = index.lineage(leafOu.id);
    const scps = snapshot.policies.filter((p) => p.type === "SERVICE_CONTROL_POLICY").length;
    expect(nonZero(fake.stats().calls)).toEqual({
      ListParents: lineage.length - 1,
      ListOrganizationalUnitsForParent: 1,
      ListAccountsForParent: Math.ceil(accounts.length / 20),
      ListPolicies: 1,
      DescribePolicy: scps,
      ListPoliciesForTarget: lineage.length + accounts.length,
    });
    expect([...view.accounts.keys()].sort()).toEqual(accounts.map((a) => a.id).sort());
    for (const a of accounts) {
      expect(shape(await org.chainFromView(view, a.id))).toEqual(
        shape(await expected.effectiveChain(a.id, "SERVICE_CONTROL_POLICY")),
      );
    }
    // Containers above the scope are in the view (for inherited policies) but not in scope.
    expect(view.containers.get(rootId)?.inScope).toBe(false);
    await expect(org.chainFromView(view, rootId)).rejects.toThrow(/outside the allowed scope/);
  });
});
