import {
  AccessDeniedException,
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListChildrenCommand,
  ListParentsCommand,
  ListPoliciesCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
  OrganizationsClient,
  PolicyTypeNotEnabledException,
  ServiceException,
  TargetNotFoundException,
  TooManyRequestsException,
  AWSOrganizationsNotInUseException,
} from "@aws-sdk/client-organizations";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../src/errors.js";
import { ORGANIZATIONS_READ_ACTIONS, mapAwsError } from "../src/org/aws-errors.js";
import {
  DEFAULT_ORGANIZATIONS_REGION,
  createAwsReader,
  organizationsClientConfig,
  type AwsReaderOptions,
} from "../src/org/aws-reader.js";
import { TtlCache } from "../src/org/cache.js";
import { USER_AGENT_APP_ID } from "../src/version.js";

const orgMock = mockClient(OrganizationsClient);
const meta = { $metadata: {} };

function realClient(): OrganizationsClient {
  return new OrganizationsClient({
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
  });
}

function reader(options: Partial<AwsReaderOptions> = {}) {
  return createAwsReader({ cacheTtlSeconds: 300, client: realClient(), ...options });
}

async function caught(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

beforeEach(() => {
  orgMock.reset();
});
afterEach(() => {
  orgMock.reset();
});

describe("createAwsReader: mapping and pagination", () => {
  it("reads every page of ListChildren and counts one API call per page", async () => {
    const seenTokens: (string | undefined)[] = [];
    const pages: Record<string, { Children: { Id: string; Type: "ACCOUNT" }[]; NextToken?: string }> = {
      start: { Children: [{ Id: "111111111111", Type: "ACCOUNT" }], NextToken: "t1" },
      t1: { Children: [{ Id: "222222222222", Type: "ACCOUNT" }], NextToken: "t2" },
      t2: { Children: [{ Id: "333333333333", Type: "ACCOUNT" }] },
    };
    orgMock.on(ListChildrenCommand).callsFake((input: { NextToken?: string; ParentId: string }) => {
      expect(input.ParentId).toBe("ou-ab12-11111111");
      seenTokens.push(input.NextToken);
      return { ...pages[input.NextToken ?? "start"], ...meta };
    });
    const r = reader();
    const children = await r.listChildren("ou-ab12-11111111", "ACCOUNT");
    expect(children).toEqual([
      { id: "111111111111", type: "ACCOUNT" },
      { id: "222222222222", type: "ACCOUNT" },
      { id: "333333333333", type: "ACCOUNT" },
    ]);
    expect(seenTokens).toEqual([undefined, "t1", "t2"]);
    expect(orgMock.commandCalls(ListChildrenCommand)).toHaveLength(3);
    expect(r.stats().apiCalls).toEqual({ ListChildren: 3 });
  });

  it("maps policies across pages: type, awsManaged, description and arn", async () => {
    orgMock
      .on(ListPoliciesCommand)
      .resolvesOnce({
        Policies: [
          {
            Id: "p-FullAWSAccess",
            Name: "FullAWSAccess",
            Description: "Allows access to every operation",
            Type: "SERVICE_CONTROL_POLICY",
            AwsManaged: true,
            Arn: "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
          },
        ],
        NextToken: "next",
      })
      .resolvesOnce({
        Policies: [{ Id: "p-abcd1234", Name: "DenyRegions", Type: "SERVICE_CONTROL_POLICY" }],
      });
    const r = reader();
    const policies = await r.listPolicies("SERVICE_CONTROL_POLICY");
    expect(policies).toEqual([
      {
        id: "p-FullAWSAccess",
        name: "FullAWSAccess",
        description: "Allows access to every operation",
        type: "SERVICE_CONTROL_POLICY",
        awsManaged: true,
        arn: "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
      },
      {
        id: "p-abcd1234",
        name: "DenyRegions",
        description: "",
        type: "SERVICE_CONTROL_POLICY",
        awsManaged: false,
      },
    ]);
    expect(orgMock.commandCalls(ListPoliciesCommand)[0]?.args[0].input.Filter).toBe("SERVICE_CONTROL_POLICY");
    expect(r.stats().apiCalls).toEqual({ ListPolicies: 2 });
  });

  it("returns the policy document from DescribePolicy", async () => {
    const content = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Deny", Action: "s3:*" }],
    });
    orgMock.on(DescribePolicyCommand, { PolicyId: "p-abcd1234" }).resolves({
      Policy: {
        PolicySummary: {
          Id: "p-abcd1234",
          Name: "DenyS3",
          Type: "SERVICE_CONTROL_POLICY",
          AwsManaged: false,
        },
        Content: content,
      },
    });
    const policy = await reader().describePolicy("p-abcd1234");
    expect(policy).toEqual({
      id: "p-abcd1234",
      name: "DenyS3",
      description: "",
      type: "SERVICE_CONTROL_POLICY",
      awsManaged: false,
      content,
    });
  });

  it("refuses policy types other than SCPs and RCPs", async () => {
    orgMock.on(DescribePolicyCommand).resolves({
      Policy: { PolicySummary: { Id: "p-tag12345", Name: "Tags", Type: "TAG_POLICY" }, Content: "{}" },
    });
    const error = await caught(reader().describePolicy("p-tag12345"));
    expect(error.code).toBe("invalid_input");
    expect(error.message).toContain("TAG_POLICY");
  });

  it("maps the organization, roots, parents, accounts and targets", async () => {
    orgMock.on(DescribeOrganizationCommand).resolves({
      Organization: {
        Id: "o-abcdefghij",
        Arn: "arn:aws:organizations::111111111111:organization/o-abcdefghij",
        FeatureSet: "ALL",
        MasterAccountId: "111111111111",
      },
    });
    orgMock.on(ListRootsCommand).resolves({
      Roots: [
        {
          Id: "r-ab12",
          Name: "Root",
          PolicyTypes: [
            { Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" },
            { Type: "RESOURCE_CONTROL_POLICY", Status: "PENDING_ENABLE" },
          ],
        },
      ],
    });
    orgMock
      .on(ListParentsCommand)
      .resolves({ Parents: [{ Id: "ou-ab12-11111111", Type: "ORGANIZATIONAL_UNIT" }] });
    orgMock.on(DescribeAccountCommand).resolves({
      Account: {
        Id: "222222222222",
        Name: "prod",
        Email: "prod@example.com",
        State: "ACTIVE",
        Status: "ACTIVE",
      },
    });
    orgMock.on(ListTargetsForPolicyCommand).resolves({
      Targets: [
        { TargetId: "r-ab12", Type: "ROOT", Name: "Root" },
        { TargetId: "ou-ab12-11111111", Type: "ORGANIZATIONAL_UNIT", Name: "Workloads" },
        { TargetId: "222222222222", Type: "ACCOUNT", Name: "prod" },
      ],
    });
    const r = reader();
    expect(await r.describeOrganization()).toEqual({
      id: "o-abcdefghij",
      managementAccountId: "111111111111",
      arn: "arn:aws:organizations::111111111111:organization/o-abcdefghij",
      featureSet: "ALL",
    });
    expect(await r.listRoots()).toEqual([
      {
        id: "r-ab12",
        name: "Root",
        policyTypes: [
          { type: "SERVICE_CONTROL_POLICY", status: "ENABLED" },
          { type: "RESOURCE_CONTROL_POLICY", status: "PENDING_ENABLE" },
        ],
      },
    ]);
    expect(await r.getParent("222222222222")).toEqual({
      id: "ou-ab12-11111111",
      type: "ORGANIZATIONAL_UNIT",
    });
    expect(await r.describeAccount("222222222222")).toEqual({
      id: "222222222222",
      name: "prod",
      email: "prod@example.com",
      status: "ACTIVE",
    });
    expect(await r.listTargetsForPolicy("p-abcd1234")).toEqual([
      { id: "r-ab12", type: "ROOT", name: "Root" },
      { id: "ou-ab12-11111111", type: "ORGANIZATIONAL_UNIT", name: "Workloads" },
      { id: "222222222222", type: "ACCOUNT", name: "prod" },
    ]);
    expect(r.kind).toBe("aws");
    expect(r.stats().apiCalls).toEqual({
      DescribeOrganization: 1,
      ListRoots: 1,
      ListParents: 1,
      DescribeAccount: 1,
      ListTargetsForPolicy: 1,
    });
  });

  it("fails the whole call when a page fails mid-pagination (never a partial list)", async () => {
    orgMock
      .on(ListPoliciesForTargetCommand)
      .resolvesOnce({ Policies: [{ Id: "p-FullAWSAccess", Name: "FullAWSAccess" }], NextToken: "t1" })
      .rejectsOnce(new ServiceException({ message: "internal error", $metadata: { httpStatusCode: 500 } }))
      .resolves({ Policies: [{ Id: "p-FullAWSAccess", Name: "FullAWSAccess" }] });
    const r = reader();
    const error = await caught(r.listPoliciesForTarget("222222222222", "SERVICE_CONTROL_POLICY"));
    expect(error.code).toBe("unavailable");
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("ListPoliciesForTarget");
    expect(r.stats().apiCalls).toEqual({ ListPoliciesForTarget: 2 });
    expect(r.stats().cacheEntries).toBe(0);
    // The next call starts again from the first page and is complete.
    const policies = await r.listPoliciesForTarget("222222222222", "SERVICE_CONTROL_POLICY");
    expect(policies.map((p) => p.id)).toEqual(["p-FullAWSAccess"]);
    expect(policies[0]?.type).toBe("SERVICE_CONTROL_POLICY");
    expect(r.stats().apiCalls).toEqual({ ListPoliciesForTarget: 3 });
  });
});

describe("createAwsReader: errors", () => {
  it("maps AccessDeniedException to a message naming where to run and the permissions needed", async () => {
    orgMock.on(ListRootsCommand).rejects(
      new AccessDeniedException({
        message:
          "User: arn:aws:sts::222222222222:assumed-role/Reader/s is not authorized to perform: organizations:ListRoots (key AKIAIOSFODNN7EXAMPLE)",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const error = await caught(reader().listRoots());
    expect(error.code).toBe("access_denied");
    expect(error.message).toContain("ListRoots");
    expect(error.message).toContain(
      "run from the management account or a delegated administrator for Organizations policy management",
    );
    expect(error.message).toContain(
      "the server needs these permissions: organizations:DescribeOrganization, ListRoots, ListParents, ListChildren, " +
        "ListOrganizationalUnitsForParent, ListAccountsForParent, DescribeAccount, DescribeOrganizationalUnit, " +
        "ListPolicies, DescribePolicy, ListTargetsForPolicy, ListPoliciesForTarget",
    );
    expect(error.message).not.toContain("AKIAIOSFODNN7EXAMPLE");
    expect(ORGANIZATIONS_READ_ACTIONS).toHaveLength(12);
    expect(ORGANIZATIONS_READ_ACTIONS.every((a) => a.startsWith("organizations:"))).toBe(true);
  });

  it("maps TargetNotFoundException to not_found naming the id and the operation", async () => {
    orgMock
      .on(ListPoliciesForTargetCommand)
      .rejects(new TargetNotFoundException({ message: "target not found", $metadata: {} }));
    const error = await caught(reader().listPoliciesForTarget("ou-ab12-99999999", "SERVICE_CONTROL_POLICY"));
    expect(error.code).toBe("not_found");
    expect(error.message).toContain("ou-ab12-99999999");
    expect(error.message).toContain("ListPoliciesForTarget");
    expect(error.retryable).toBe(false);
  });

  it("maps the other Organizations errors", async () => {
    const cases: [unknown, string, boolean][] = [
      [new TooManyRequestsException({ message: "slow down", $metadata: {} }), "throttled", true],
      [new AWSOrganizationsNotInUseException({ message: "no org", $metadata: {} }), "not_configured", false],
      [new PolicyTypeNotEnabledException({ message: "not enabled", $metadata: {} }), "not_configured", false],
      [new ServiceException({ message: "oops", $metadata: { httpStatusCode: 500 } }), "unavailable", true],
      [
        Object.assign(new Error("Could not load credentials"), { name: "CredentialsProviderError" }),
        "not_configured",
        false,
      ],
      [Object.assign(new Error("token expired"), { name: "ExpiredTokenException" }), "not_configured", false],
      [new Error("Region is missing"), "not_configured", false],
      [Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), "unavailable", true],
      [Object.assign(new Error("weird"), { name: "SomethingNew" }), "unavailable", false],
    ];
    for (const [error, code, retryable] of cases) {
      const mapped = mapAwsError(error, "ListPolicies");
      expect(mapped.code, String(error)).toBe(code);
      expect(mapped.retryable, String(error)).toBe(retryable);
      expect(mapped.message).toContain("ListPolicies");
    }
    expect(mapAwsError(new Error("x"), "ListRoots").message).toContain("AWS Organizations ListRoots");
    expect(
      mapAwsError(new TooManyRequestsException({ message: "m", $metadata: {} }), "ListRoots").message,
    ).toMatch(/throttled/);
    const notInUse = mapAwsError(
      new AWSOrganizationsNotInUseException({ message: "m", $metadata: {} }),
      "ListRoots",
    );
    expect(notInUse.message).toContain("this account is not a member of an organization");
    const invalid = mapAwsError(
      Object.assign(new Error("bad id"), { name: "InvalidInputException" }),
      "DescribeAccount",
      "12",
    );
    expect(invalid.code).toBe("invalid_input");
    expect(invalid.message).toContain("bad id");
  });

  it("never quotes secret-like strings from AWS messages", () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const mapped = mapAwsError(
      Object.assign(new Error(`failed with ASIAIOSFODNN7EXAMPLE and ${secret}`), { name: "Odd" }),
      "DescribePolicy",
    );
    expect(mapped.message).not.toContain("ASIAIOSFODNN7EXAMPLE");
    expect(mapped.message).not.toContain(secret);
    expect(mapped.message).toContain("[redacted]");
  });
});

describe("createAwsReader: caching", () => {
  it("serves a repeat call from the cache and reports hits and data age", async () => {
    let clock = Date.parse("2026-01-02T03:04:05.000Z");
    orgMock.on(ListRootsCommand).resolves({ Roots: [{ Id: "r-ab12", Name: "Root", PolicyTypes: [] }] });
    const r = reader({ now: () => clock });
    expect(r.stats().dataAsOf).toBeNull();
    await r.listRoots();
    clock += 10_000;
    const again = await r.listRoots();
    expect(again).toEqual([{ id: "r-ab12", name: "Root", policyTypes: [] }]);
    expect(orgMock.commandCalls(ListRootsCommand)).toHaveLength(1);
    const stats = r.stats();
    expect(stats).toMatchObject({
      cacheHits: 1,
      cacheMisses: 1,
      cacheEntries: 1,
      apiCalls: { ListRoots: 1 },
    });
    expect(stats.dataAsOf).toBe("2026-01-02T03:04:05.000Z");
  });

  it("keys the cache by operation and arguments", async () => {
    orgMock.on(ListChildrenCommand).resolves({ Children: [] });
    const r = reader();
    await r.listChildren("r-ab12", "ACCOUNT");
    await r.listChildren("r-ab12", "ORGANIZATIONAL_UNIT");
    await r.listChildren("ou-ab12-11111111", "ACCOUNT");
    await r.listChildren("r-ab12", "ACCOUNT");
    expect(r.stats()).toMatchObject({
      apiCalls: { ListChildren: 3 },
      cacheHits: 1,
      cacheMisses: 3,
      cacheEntries: 3,
    });
  });

  it("hands out cached answers frozen, so no caller can change what the next one gets", async () => {
    orgMock.on(ListRootsCommand).resolves({ Roots: [{ Id: "r-ab12", Name: "Root", PolicyTypes: [] }] });
    const r = reader();
    const first = await r.listRoots();
    expect(() => first.pop()).toThrow(TypeError);
    expect(() => {
      (first[0] as { name: string }).name = "Changed";
    }).toThrow(TypeError);
    const again = await r.listRoots();
    expect(again).toHaveLength(1);
    expect(again[0]?.name).toBe("Root");
  });

  it("reloads after the TTL expires (injected clock)", async () => {
    let clock = 1_000_000;
    orgMock
      .on(DescribeAccountCommand)
      .resolvesOnce({ Account: { Id: "222222222222", Name: "old-name" } })
      .resolves({ Account: { Id: "222222222222", Name: "new-name" } });
    const r = reader({ cacheTtlSeconds: 60, now: () => clock });
    expect((await r.describeAccount("222222222222")).name).toBe("old-name");
    clock += 59_999;
    expect((await r.describeAccount("222222222222")).name).toBe("old-name");
    clock += 1;
    expect(r.stats().cacheEntries).toBe(0);
    expect(r.stats().dataAsOf).toBeNull();
    expect((await r.describeAccount("222222222222")).name).toBe("new-name");
    expect(r.stats().apiCalls).toEqual({ DescribeAccount: 2 });
    expect(r.stats().dataAsOf).toBe(new Date(1_060_000).toISOString());
  });

  it("de-duplicates concurrent identical calls into one send", async () => {
    const gate = deferred<void>();
    orgMock.on(DescribeOrganizationCommand).callsFake(async () => {
      await gate.promise;
      return { Organization: { Id: "o-abcdefghij", MasterAccountId: "111111111111" } };
    });
    const r = reader();
    const calls = Array.from({ length: 5 }, () => r.describeOrganization());
    gate.resolve();
    const results = await Promise.all(calls);
    expect(results.every((o) => o.id === "o-abcdefghij")).toBe(true);
    expect(orgMock.commandCalls(DescribeOrganizationCommand)).toHaveLength(1);
    expect(r.stats()).toMatchObject({ apiCalls: { DescribeOrganization: 1 }, cacheMisses: 1, cacheHits: 4 });
  });

  it("does not cache failures", async () => {
    orgMock
      .on(DescribeOrganizationCommand)
      .rejectsOnce(new TooManyRequestsException({ message: "slow down", $metadata: {} }))
      .resolves({ Organization: { Id: "o-abcdefghij", MasterAccountId: "111111111111" } });
    const r = reader();
    const error = await caught(r.describeOrganization());
    expect(error.code).toBe("throttled");
    expect(r.stats().cacheEntries).toBe(0);
    expect((await r.describeOrganization()).id).toBe("o-abcdefghij");
    expect(orgMock.commandCalls(DescribeOrganizationCommand)).toHaveLength(2);
  });

  it("refresh() drops cached data", async () => {
    orgMock.on(ListRootsCommand).resolves({ Roots: [{ Id: "r-ab12", Name: "Root" }] });
    const r = reader();
    await r.listRoots();
    r.refresh();
    expect(r.stats()).toMatchObject({ cacheEntries: 0, dataAsOf: null });
    await r.listRoots();
    expect(r.stats().apiCalls).toEqual({ ListRoots: 2 });
  });

  it("with TTL 0 caches nothing but still shares an in-flight call", async () => {
    const gate = deferred<void>();
    orgMock.on(ListRootsCommand).callsFake(async () => {
      await gate.promise;
      return { Roots: [{ Id: "r-ab12", Name: "Root" }] };
    });
    const r = reader({ cacheTtlSeconds: 0 });
    const both = Promise.all([r.listRoots(), r.listRoots()]);
    gate.resolve();
    await both;
    expect(r.stats().apiCalls).toEqual({ ListRoots: 1 });
    await r.listRoots();
    expect(r.stats()).toMatchObject({ apiCalls: { ListRoots: 2 }, cacheEntries: 0, dataAsOf: null });
  });
});

describe("organizationsClientConfig", () => {
  it("defaults to us-east-1 with adaptive retries and the server's user agent", async () => {
    const config = organizationsClientConfig();
    expect(config).toMatchObject({
      region: DEFAULT_ORGANIZATIONS_REGION,
      retryMode: "adaptive",
      maxAttempts: 6,
      customUserAgent: USER_AGENT_APP_ID,
    });
    expect(DEFAULT_ORGANIZATIONS_REGION).toBe("us-east-1");
    expect(config.credentials).toBeUndefined();
    const client = new OrganizationsClient(config);
    expect(await client.config.region()).toBe("us-east-1");
    client.destroy();
  });

  it("assumes the role when roleArn is set", () => {
    const config = organizationsClientConfig({
      region: "eu-west-1",
      roleArn: "arn:aws:iam::111111111111:role/OrgReadOnly",
      externalId: "ext-123",
    });
    expect(config.region).toBe("eu-west-1");
    expect(typeof config.credentials).toBe("function");
  });
});

describe("TtlCache", () => {
  it("counts hits, misses and entries and expires by TTL", async () => {
    let t = 0;
    const cache = new TtlCache({ ttlMs: 100, now: () => t });
    let loads = 0;
    const load = async (): Promise<number> => ++loads;
    expect(await cache.getOrLoad("a", load)).toBe(1);
    t = 50;
    expect(await cache.getOrLoad("a", load)).toBe(1);
    expect(await cache.getOrLoad("b", load)).toBe(2);
    expect(cache.stats()).toEqual({ hits: 1, misses: 2, entries: 2 });
    expect(cache.oldestEntryTime()).toBe(0);
    t = 100;
    expect(cache.stats().entries).toBe(1);
    expect(cache.oldestEntryTime()).toBe(50);
    expect(await cache.getOrLoad("a", load)).toBe(3);
    cache.clear();
    expect(cache.stats().entries).toBe(0);
    expect(cache.oldestEntryTime()).toBeNull();
  });

  it("does not cache synchronous or asynchronous failures", async () => {
    const cache = new TtlCache({ ttlMs: 1000 });
    await expect(
      cache.getOrLoad("k", () => {
        throw new Error("sync");
      }),
    ).rejects.toThrow("sync");
    await expect(cache.getOrLoad("k", async () => Promise.reject(new Error("async")))).rejects.toThrow(
      "async",
    );
    expect(await cache.getOrLoad("k", async () => "ok")).toBe("ok");
    expect(cache.stats()).toEqual({ hits: 0, misses: 3, entries: 1 });
  });

  it("does not store a load that was in flight when clear() ran", async () => {
    const cache = new TtlCache({ ttlMs: 1000 });
    const gate = deferred<string>();
    const stale = cache.getOrLoad("k", () => gate.promise);
    cache.clear();
    const fresh = cache.getOrLoad("k", async () => "fresh");
    gate.resolve("stale");
    expect(await stale).toBe("stale");
    expect(await fresh).toBe("fresh");
    expect(await cache.getOrLoad("k", async () => "other")).toBe("fresh");
  });

  it("evicts the oldest entries beyond maxEntries and rejects a negative TTL", async () => {
    const cache = new TtlCache({ ttlMs: 1000, maxEntries: 2 });
    for (const k of ["a", "b", "c"]) await cache.getOrLoad(k, async () => k);
    expect(cache.stats().entries).toBe(2);
    expect(await cache.getOrLoad("a", async () => "reloaded")).toBe("reloaded");
    expect(() => new TtlCache({ ttlMs: -1 })).toThrow(RangeError);
  });
});
