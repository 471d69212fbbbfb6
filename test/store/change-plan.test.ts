/** From Organizations events to what a refresh reads again: every event kind, and what forces a whole read. */
import { describe, expect, it } from "vitest";
import {
  INVITATION_DAYS,
  isEmptyPlan,
  planChanges,
  type OrganizationsEvent,
} from "../../src/org/store/change-plan.js";

let seq = 0;
function event(
  name: string,
  request?: Record<string, unknown>,
  extra: Partial<OrganizationsEvent> = {},
): OrganizationsEvent {
  seq++;
  return {
    id: `e-${seq}`,
    name,
    time: new Date(Date.UTC(2026, 11, 1, 10, 0, seq)),
    readOnly: false,
    readable: true,
    ...(request ? { request } : {}),
    ...extra,
  };
}

describe("planChanges", () => {
  it("re-reads a policy created, updated or deleted", () => {
    const plan = planChanges([
      event(
        "CreatePolicy",
        { type: "SERVICE_CONTROL_POLICY", name: "x" },
        { response: { policy: { policySummary: { id: "p-new00001" } } } },
      ),
      event("UpdatePolicy", { policyId: "p-upd00001" }),
      event("DeletePolicy", { policyId: "p-del00001" }),
    ]);
    expect(plan.full).toBeUndefined();
    expect(plan.changes).toBe(3);
    expect([...plan.describePolicies]).toEqual(["p-new00001", "p-upd00001"]);
    expect([...plan.removePolicies]).toEqual(["p-del00001"]);
  });

  it("ignores policies of types a snapshot does not hold", () => {
    const plan = planChanges([
      event(
        "CreatePolicy",
        { type: "TAG_POLICY" },
        { response: { policy: { policySummary: { id: "p-tag00001" } } } },
      ),
    ]);
    expect(plan).toMatchObject({ changes: 0, ignored: 1 });
    expect(isEmptyPlan(plan)).toBe(true);
  });

  it("re-reads the target of an attachment or detachment", () => {
    const plan = planChanges([
      event("AttachPolicy", { policyId: "p-aaaaaaaa", targetId: "ou-ab12-11111111" }),
      event("DetachPolicy", { policyId: "p-bbbbbbbb", targetId: "111122223333" }),
    ]);
    expect(plan.attachments).toEqual([
      { policyId: "p-aaaaaaaa", targetId: "ou-ab12-11111111" },
      { policyId: "p-bbbbbbbb", targetId: "111122223333" },
    ]);
  });

  it("reads OUs created, renamed, deleted", () => {
    const plan = planChanges([
      event(
        "CreateOrganizationalUnit",
        { parentId: "r-ab12", name: "A" },
        { response: { organizationalUnit: { id: "ou-ab12-22222222" } } },
      ),
      event("CreateOrganizationalUnit", { parentId: "ou-ab12-11111111", name: "B" }),
      event("UpdateOrganizationalUnit", { organizationalUnitId: "ou-ab12-33333333", name: "C" }),
      event("DeleteOrganizationalUnit", { organizationalUnitId: "ou-ab12-44444444" }),
    ]);
    expect([...plan.newOus]).toEqual([["ou-ab12-22222222", "r-ab12"]]);
    expect([...plan.relistOusOf]).toEqual(["ou-ab12-11111111"]);
    expect([...plan.describeOus]).toEqual(["ou-ab12-33333333"]);
    expect([...plan.removeOus]).toEqual(["ou-ab12-44444444"]);
  });

  it("locates accounts moved, lists the root for accounts created or invited, drops removed ones", () => {
    const invite = event("InviteAccountToOrganization", { target: { id: "444455556666", type: "ACCOUNT" } });
    const plan = planChanges([
      event("MoveAccount", {
        accountId: "111122223333",
        sourceParentId: "r-ab12",
        destinationParentId: "ou-ab12-11111111",
      }),
      event("CreateAccount", { accountName: "new" }),
      invite,
      event("RemoveAccountFromOrganization", { accountId: "777788889999" }),
      event("CloseAccount", { accountId: "222233334444" }),
    ]);
    expect([...plan.locateAccounts]).toEqual(["111122223333"]);
    expect(plan.relistRootAccounts).toBe(true);
    expect(plan.rootAccountsUntil?.getTime()).toBe(invite.time.getTime() + INVITATION_DAYS * 86_400_000);
    expect([...plan.removeAccounts]).toEqual(["777788889999"]);
    expect([...plan.describeAccounts]).toEqual(["222233334444"]);
  });

  it("reads the whole organization when an SCP or RCP type is enabled or disabled, only the roots for another type", () => {
    expect(
      planChanges([event("EnablePolicyType", { rootId: "r-ab12", policyType: "RESOURCE_CONTROL_POLICY" })])
        .full,
    ).toContain("EnablePolicyType RESOURCE_CONTROL_POLICY");
    const other = planChanges([
      event("DisablePolicyType", { rootId: "r-ab12", policyType: "BACKUP_POLICY" }),
    ]);
    expect(other.full).toBeUndefined();
    expect(other.listRoots).toBe(true);
  });

  it("skips read-only events and calls that failed, and ignores changes a snapshot does not hold", () => {
    const plan = planChanges([
      event("ListRoots", undefined, { readOnly: true }),
      event("AttachPolicy", { policyId: "p-aaaaaaaa", targetId: "r-ab12" }, { errorCode: "AccessDenied" }),
      event("TagResource", { resourceId: "p-aaaaaaaa" }),
      event("RegisterDelegatedAdministrator", { accountId: "111122223333" }),
    ]);
    expect(plan).toMatchObject({ changes: 0, ignored: 2 });
    expect(isEmptyPlan(plan)).toBe(true);
  });

  it("reads the whole organization for an event it does not understand", () => {
    const plan = planChanges([event("UpdatePolicy", { policyId: "p-aaaaaaaa" }), event("EnableAllFeatures")]);
    expect(plan.full).toBe("event EnableAllFeatures is not one this server understands");
  });

  it("reads the whole organization for an event without the parameters it needs, or one it cannot read", () => {
    expect(planChanges([event("AttachPolicy", { policyId: "p-aaaaaaaa" })]).full).toMatch(
      /AttachPolicy without policyId and targetId \(e-\d+\)/,
    );
    expect(planChanges([event("CreatePolicy", { type: "SERVICE_CONTROL_POLICY" })]).full).toMatch(
      /without the new policy's id/,
    );
    expect(planChanges([event("UpdatePolicy", undefined, { readable: false })]).full).toMatch(
      /could not be read/,
    );
  });

  it("applies events oldest first and once, even when look-backs overlap", () => {
    const created = event(
      "CreateOrganizationalUnit",
      { parentId: "r-ab12" },
      { response: { organizationalUnit: { id: "ou-ab12-55555555" } } },
    );
    const deleted = event("DeleteOrganizationalUnit", { organizationalUnitId: "ou-ab12-55555555" });
    const plan = planChanges([deleted, created, created]);
    expect(plan.changes).toBe(2);
    expect(plan.newOus.size).toBe(0);
    expect([...plan.removeOus]).toEqual(["ou-ab12-55555555"]);
  });
});
