import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { UserError } from "../src/errors.js";
import { parseSnapshotArgs, runSnapshotCli } from "../src/cli/snapshot.js";
import { createAwsReader } from "../src/org/aws-reader.js";
import { captureSnapshot, createLimit, enabledPolicyTypes } from "../src/org/capture-snapshot.js";
import { snapshotSchema } from "../src/org/snapshot-schema.js";
import type {
  Account,
  OrganizationalUnit,
  Policy,
  PolicyTarget,
  Root,
  TargetRef,
} from "../src/model/organization.js";
import type { OrganizationReader } from "../src/org/types.js";

interface FakeOrg {
  roots: Root[];
  ous: (OrganizationalUnit & { parentId: string })[];
  accounts: (Account & { parentId: string })[];
  policies: (Policy & { targetIds: string[] })[];
}

const SCP_CONTENT = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Deny", Action: "organizations:LeaveOrganization", Resource: "*" }],
});

function sampleOrg(rcpEnabled = false): FakeOrg {
  return {
    roots: [
      {
        id: "r-ab12",
        name: "Root",
        arn: "arn:aws:organizations::111111111111:root/o-abcdefghij/r-ab12",
        policyTypes: [
          { type: "SERVICE_CONTROL_POLICY", status: "ENABLED" },
          ...(rcpEnabled ? [{ type: "RESOURCE_CONTROL_POLICY", status: "ENABLED" }] : []),
          { type: "TAG_POLICY", status: "ENABLED" },
        ],
      },
    ],
    ous: [
      { id: "ou-ab12-22222222", name: "Workloads", parentId: "r-ab12" },
      { id: "ou-ab12-11111111", name: "Security", parentId: "r-ab12" },
      { id: "ou-ab12-33333333", name: "Prod", parentId: "ou-ab12-22222222" },
      { id: "ou-ab12-44444444", name: "Deep", parentId: "ou-ab12-33333333" },
    ],
    accounts: [
      {
        id: "111111111111",
        name: "management",
        email: "mgmt@example.com",
        status: "ACTIVE",
        parentId: "r-ab12",
      },
      { id: "222222222222", name: "audit", status: "ACTIVE", parentId: "ou-ab12-11111111" },
      { id: "333333333333", name: "prod-app", status: "SUSPENDED", parentId: "ou-ab12-33333333" },
      { id: "444444444444", name: "deep", parentId: "ou-ab12-44444444" },
    ],
    policies: [
      {
        id: "p-FullAWSAccess",
        name: "FullAWSAccess",
        description: "Allows access to every operation",
        type: "SERVICE_CONTROL_POLICY",
        awsManaged: true,
        content: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
        }),
        targetIds: ["r-ab12", "ou-ab12-11111111", "ou-ab12-22222222", "ou-ab12-33333333", "ou-ab12-44444444"],
      },
      {
        id: "p-abcd1234",
        name: "DenyLeave",
        description: "",
        type: "SERVICE_CONTROL_POLICY",
        awsManaged: false,
        content: SCP_CONTENT,
        targetIds: ["ou-ab12-22222222", "333333333333"],
      },
      {
        id: "p-rcp12345",
        name: "RcpFullAccess",
        description: "",
        type: "RESOURCE_CONTROL_POLICY",
        awsManaged: true,
        content: "{}",
        targetIds: ["r-ab12"],
      },
    ],
  };
}

interface FakeReader extends OrganizationReader {
  calls: string[];
  readonly maxInFlight: number;
}

function fakeReader(org: FakeOrg, options: { failOn?: string; delayMs?: number } = {}): FakeReader {
  let inFlight = 0;
  const calls: string[] = [];
  const state = { maxInFlight: 0 };
  async function op<T>(name: string, result: () => T): Promise<T> {
    calls.push(name);
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    try {
      await new Promise((r) => setTimeout(r, options.delayMs ?? 1));
      if (options.failOn === name) {
        throw new UserError("access_denied", `AWS Organizations ${name.split(":")[0]} was denied`);
      }
      return result();
    } finally {
      inFlight--;
    }
  }
  const policy = (id: string): FakeOrg["policies"][number] => {
    const p = org.policies.find((x) => x.id === id);
    if (!p) throw new UserError("not_found", `policy ${id} not found`);
    return p;
  };
  const nameOf = (id: string): string =>
    org.roots.find((r) => r.id === id)?.name ??
    org.ous.find((o) => o.id === id)?.name ??
    org.accounts.find((a) => a.id === id)?.name ??
    id;
  const kindOf = (id: string): TargetRef["type"] =>
    id.startsWith("r-") ? "ROOT" : id.startsWith("ou-") ? "ORGANIZATIONAL_UNIT" : "ACCOUNT";
  const find = <T extends { id: string }>(list: T[], id: string): T => {
    const found = list.find((x) => x.id === id);
    if (!found) throw new UserError("not_found", `${id} not found`);
    return found;
  };
  return {
    kind: "demo",
    calls,
    get maxInFlight() {
      return state.maxInFlight;
    },
    describeOrganization: () =>
      op("DescribeOrganization", () => ({
        id: "o-abcdefghij",
        managementAccountId: "111111111111",
        featureSet: "ALL",
      })),
    listRoots: () => op("ListRoots", () => org.roots),
    getParent: (childId) =>
      op(`ListParents:${childId}`, () => {
        const parentId = find([...org.ous, ...org.accounts], childId).parentId;
        return { id: parentId, type: kindOf(parentId) };
      }),
    listChildren: (parentId, childType) =>
      op(`ListChildren:${parentId}:${childType}`, () =>
        (childType === "ACCOUNT" ? org.accounts : org.ous)
          .filter((x) => x.parentId === parentId)
          .map((x) => ({ id: x.id, type: childType })),
      ),
    describeAccount: (id) =>
      op(`DescribeAccount:${id}`, () => {
        const { parentId: _p, ...account } = find(org.accounts, id);
        return account;
      }),
    describeOrganizationalUnit: (id) =>
      op(`DescribeOrganizationalUnit:${id}`, () => {
        const { parentId: _p, ...ou } = find(org.ous, id);
        return ou;
      }),
    listPolicies: (type) =>
      op(`ListPolicies:${type}`, () =>
        org.policies
          .filter((p) => p.type === type)
          .map(({ content: _c, targetIds: _t, ...summary }) => summary),
      ),
    describePolicy: (id) =>
      op(`DescribePolicy:${id}`, () => {
        const { targetIds: _t, ...p } = policy(id);
        return p;
      }),
    listTargetsForPolicy: (id) =>
      op(`ListTargetsForPolicy:${id}`, (): PolicyTarget[] =>
        policy(id).targetIds.map((t) => ({ id: t, type: kindOf(t), name: nameOf(t) })),
      ),
    listPoliciesForTarget: () => op("ListPoliciesForTarget", () => []),
    stats: () => ({
      apiCalls: { Fake: calls.length },
      cacheHits: 0,
      cacheMisses: 0,
      cacheEntries: 0,
      dataAsOf: null,
    }),
    refresh: () => undefined,
  };
}

describe("captureSnapshot", () => {
  it("captures the whole organization into a document valid against snapshotSchema", async () => {
    const reader = fakeReader(sampleOrg());
    const snapshot = await captureSnapshot(reader, { now: () => new Date("2026-03-04T05:06:07.000Z") });
    const parsed = snapshotSchema.safeParse(snapshot);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);

    expect(snapshot.formatVersion).toBe(1);
    expect(snapshot.capturedAt).toBe("2026-03-04T05:06:07.000Z");
    expect(snapshot.organization).toEqual({
      id: "o-abcdefghij",
      managementAccountId: "111111111111",
      featureSet: "ALL",
    });
    expect(snapshot.roots).toHaveLength(1);
    expect(snapshot.organizationalUnits).toEqual([
      { id: "ou-ab12-11111111", name: "Security", parentId: "r-ab12" },
      { id: "ou-ab12-22222222", name: "Workloads", parentId: "r-ab12" },
      { id: "ou-ab12-33333333", name: "Prod", parentId: "ou-ab12-22222222" },
      { id: "ou-ab12-44444444", name: "Deep", parentId: "ou-ab12-33333333" },
    ]);
    expect(snapshot.accounts).toEqual([
      {
        id: "111111111111",
        name: "management",
        email: "mgmt@example.com",
        status: "ACTIVE",
        parentId: "r-ab12",
      },
      { id: "222222222222", name: "audit", status: "ACTIVE", parentId: "ou-ab12-11111111" },
      { id: "333333333333", name: "prod-app", status: "SUSPENDED", parentId: "ou-ab12-33333333" },
      { id: "444444444444", name: "deep", status: "ACTIVE", parentId: "ou-ab12-44444444" },
    ]);
    // RCPs are not enabled on the root: only SCPs are read.
    expect(snapshot.policies.map((p) => p.id)).toEqual(["p-FullAWSAccess", "p-abcd1234"]);
    expect(snapshot.policies[1]).toEqual({
      id: "p-abcd1234",
      name: "DenyLeave",
      type: "SERVICE_CONTROL_POLICY",
      awsManaged: false,
      description: "",
      content: SCP_CONTENT,
      targetIds: ["333333333333", "ou-ab12-22222222"],
    });
    expect(reader.calls).not.toContain("ListPolicies:RESOURCE_CONTROL_POLICY");
    expect(reader.calls.filter((c) => c.startsWith("DescribeAccount:"))).toHaveLength(4);
    // The result round-trips through JSON and still validates.
    expect(snapshotSchema.parse(JSON.parse(JSON.stringify(snapshot)))).toEqual(snapshot);
  });

  it("reads every enabled type by default and honours the policyTypes option", async () => {
    const all = await captureSnapshot(fakeReader(sampleOrg(true)));
    expect(all.policies.map((p) => `${p.type}:${p.id}`)).toEqual([
      "SERVICE_CONTROL_POLICY:p-FullAWSAccess",
      "SERVICE_CONTROL_POLICY:p-abcd1234",
      "RESOURCE_CONTROL_POLICY:p-rcp12345",
    ]);
    expect(snapshotSchema.safeParse(all).success).toBe(true);
    expect(Date.parse(all.capturedAt)).not.toBeNaN();

    const reader = fakeReader(sampleOrg(true));
    const rcpOnly = await captureSnapshot(reader, { policyTypes: ["RESOURCE_CONTROL_POLICY"] });
    expect(rcpOnly.policies.map((p) => p.id)).toEqual(["p-rcp12345"]);
    expect(reader.calls).not.toContain("ListPolicies:SERVICE_CONTROL_POLICY");
  });

  it("keeps reader calls within the concurrency bound", async () => {
    const reader = fakeReader(sampleOrg(true), { delayMs: 5 });
    await captureSnapshot(reader, { concurrency: 2 });
    expect(reader.maxInFlight).toBeLessThanOrEqual(2);
    expect(reader.maxInFlight).toBe(2);

    const wide = fakeReader(sampleOrg(true), { delayMs: 5 });
    await captureSnapshot(wide);
    expect(wide.maxInFlight).toBeLessThanOrEqual(4);
    expect(wide.maxInFlight).toBeGreaterThan(1);
  });

  it("fails as a whole when any read fails", async () => {
    const reader = fakeReader(sampleOrg(), { failOn: "DescribeAccount:333333333333" });
    await expect(captureSnapshot(reader)).rejects.toMatchObject({ code: "access_denied" });
  });

  it("captures through the AWS reader as well", async () => {
    const mock = mockClient(OrganizationsClient);
    try {
      mock.on(DescribeOrganizationCommand).resolves({
        Organization: { Id: "o-abcdefghij", MasterAccountId: "111111111111", FeatureSet: "ALL" },
      });
      mock.on(ListRootsCommand).resolves({
        Roots: [
          {
            Id: "r-ab12",
            Name: "Root",
            PolicyTypes: [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }],
          },
        ],
      });
      // Children come with their names: no ListChildren, no Describe per child.
      mock
        .on(ListOrganizationalUnitsForParentCommand)
        .callsFake((input: { ParentId: string }) =>
          input.ParentId === "r-ab12"
            ? { OrganizationalUnits: [{ Id: "ou-ab12-11111111", Name: "Workloads" }] }
            : { OrganizationalUnits: [] },
        );
      mock
        .on(ListAccountsForParentCommand)
        .callsFake((input: { ParentId: string }) =>
          input.ParentId === "ou-ab12-11111111"
            ? { Accounts: [{ Id: "222222222222", Name: "app", State: "ACTIVE" }] }
            : { Accounts: [] },
        );
      mock.on(ListPoliciesCommand).resolves({
        Policies: [
          { Id: "p-abcd1234", Name: "DenyLeave", Type: "SERVICE_CONTROL_POLICY", AwsManaged: false },
        ],
      });
      mock.on(DescribePolicyCommand).resolves({
        Policy: {
          PolicySummary: {
            Id: "p-abcd1234",
            Name: "DenyLeave",
            Type: "SERVICE_CONTROL_POLICY",
            AwsManaged: false,
          },
          Content: SCP_CONTENT,
        },
      });
      mock.on(ListTargetsForPolicyCommand).resolves({
        Targets: [{ TargetId: "ou-ab12-11111111", Type: "ORGANIZATIONAL_UNIT", Name: "Workloads" }],
      });
      const reader = createAwsReader({
        cacheTtlSeconds: 60,
        client: new OrganizationsClient({
          region: "us-east-1",
          credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
        }),
      });
      const snapshot = snapshotSchema.parse(await captureSnapshot(reader));
      expect(snapshot.accounts).toEqual([
        { id: "222222222222", name: "app", status: "ACTIVE", parentId: "ou-ab12-11111111" },
      ]);
      expect(snapshot.policies[0]?.targetIds).toEqual(["ou-ab12-11111111"]);
      const calls = reader.stats().apiCalls;
      expect(calls).toMatchObject({
        ListOrganizationalUnitsForParent: 2,
        ListAccountsForParent: 2,
        DescribePolicy: 1,
      });
      expect(calls.ListChildren ?? 0).toBe(0);
      expect(calls.DescribeAccount ?? 0).toBe(0);
      expect(calls.DescribeOrganizationalUnit ?? 0).toBe(0);
    } finally {
      mock.restore();
    }
  });
});

describe("capture helpers", () => {
  it("enabledPolicyTypes keeps only enabled, supported and wanted types", () => {
    const roots = [
      {
        policyTypes: [
          { type: "RESOURCE_CONTROL_POLICY", status: "ENABLED" },
          { type: "SERVICE_CONTROL_POLICY", status: "PENDING_ENABLE" },
          { type: "TAG_POLICY", status: "ENABLED" },
        ],
      },
    ];
    expect(enabledPolicyTypes(roots)).toEqual(["RESOURCE_CONTROL_POLICY"]);
    expect(enabledPolicyTypes(roots, ["SERVICE_CONTROL_POLICY"])).toEqual([]);
  });

  it("createLimit rejects a bad bound and runs queued tasks in order", async () => {
    expect(() => createLimit(0)).toThrow(RangeError);
    const limit = createLimit(1);
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => limit(async () => order.push(n))));
    expect(order).toEqual([1, 2, 3]);
  });
});

describe("snapshot CLI", () => {
  it("parses its options", () => {
    expect(
      parseSnapshotArgs([
        "--out",
        "org.json",
        "--region",
        "us-east-1",
        "--role-arn",
        "arn:aws:iam::111111111111:role/OrgReadOnly",
        "--policy-types",
        "resource_control_policy, SERVICE_CONTROL_POLICY",
      ]),
    ).toEqual({
      out: "org.json",
      region: "us-east-1",
      roleArn: "arn:aws:iam::111111111111:role/OrgReadOnly",
      policyTypes: ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"],
    });
    expect(parseSnapshotArgs(["--help"])).toBe("help");
  });

  it("exits 2 with a clear message on usage errors", async () => {
    for (const argv of [
      [],
      ["--out", "x.json", "--policy-types", "TAG_POLICY"],
      ["--out", "x.json", "--role-arn", "not-an-arn"],
      ["--out", "x.json", "--region", "moon"],
      ["--out", "x.json", "--unknown"],
      ["--out", "x.json", "extra"],
    ]) {
      let err = "";
      const code = await runSnapshotCli(argv, {
        stderr: (t) => (err += t),
        createReader: () => {
          throw new Error("must not be reached");
        },
      });
      expect(code, argv.join(" ")).toBe(2);
      expect(err).toMatch(/^snapshot: /);
      expect(err).toContain("Usage: npm run snapshot");
    }
  });

  it("writes pretty JSON and a one-line summary", async () => {
    const written: Record<string, string> = {};
    let err = "";
    const code = await runSnapshotCli(["--out", "org.json"], {
      createReader: () => fakeReader(sampleOrg()),
      writeOutput: async (out, text) => {
        written[out] = text;
      },
      stderr: (t) => (err += t),
    });
    expect(code).toBe(0);
    const text = written["org.json"] ?? "";
    expect(text).toContain('\n  "formatVersion": 1,');
    expect(snapshotSchema.safeParse(JSON.parse(text)).success).toBe(true);
    expect(err).toContain("4 accounts, 4 OUs, 2 policies");
    expect(err).toContain("RESOURCE_CONTROL_POLICY is not enabled");
    expect(err).toContain("-> org.json");
  });

  it("exits 2, not the 1 of findings, and prints the UserError message on AWS errors", async () => {
    let err = "";
    const code = await runSnapshotCli(["--out", "org.json"], {
      createReader: () => fakeReader(sampleOrg(), { failOn: "ListRoots" }),
      writeOutput: async () => {
        throw new Error("must not write");
      },
      stderr: (t) => (err += t),
    });
    expect(code).toBe(2);
    expect(err).toBe("snapshot: AWS Organizations ListRoots was denied\n");
  });
});
