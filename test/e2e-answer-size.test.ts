/**
 * Every answer fits a model by default (issue 19): at most about 20 KB of text and structured
 * content for the largest inputs AWS's quotas and the tools' own limits allow, the most important
 * items first, counts of the whole, and the rest reachable a page at a time with a cursor that is
 * checked. Over HTTP, through the SDK client, against an organization built to be as large as
 * AWS allows (test/helpers/heavy-org.ts).
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLS } from "../src/mcp/tools/index.js";
import { callTool, connect, startHarness } from "./helpers/harness.js";
import { fullSizeScp, heavyOrganization, type HeavyOrg } from "./helpers/heavy-org.js";

/** About 20 KB: the bound every answer keeps at its default limit. */
const ANSWER_LIMIT = 20_480;

let heavy: HeavyOrg;
let client: Client;
let demo: Client;

beforeAll(async () => {
  heavy = heavyOrganization();
  client = await connect(
    await startHarness({ ORG_SOURCE: "snapshot", ORG_SNAPSHOT_FILE: "/unused" }, heavy.deps),
  );
  demo = await connect(await startHarness());
});
afterAll(async () => {
  await Promise.all([client.close(), demo.close()]);
});

const wideTargets = (): number =>
  heavy.snapshot.policies.find((p) => p.id === heavy.widePolicyId)!.targetIds.length;

const sizeOf = (result: CallToolResult): number =>
  result.content.reduce((n, c) => n + (c.type === "text" ? c.text.length : 0), 0) +
  JSON.stringify(result.structuredContent ?? {}).length;

const denialLine = (account: string, i: number): string =>
  `User: arn:aws:sts::${account}:assumed-role/app/s is not authorized to perform: ec2:Action1x0x${i % 20} on resource: arn:aws:ec2:eu-west-1:${account}:instance/i-${i} with an explicit deny in a service control policy\n`;

/** A draft with a finding of six rules in each statement (a rule lists at most 10 findings). */
const draft = (statements: number) => ({
  Version: "2012-10-17",
  Statement: Array.from({ length: statements }, (_, i) => ({
    Effect: "Deny",
    Action: [`ec2:Foo${i}`, "s3:*"],
    Resource: `arn:aws:S3:::bucket-${i}`,
    Condition: {
      StringEquals: { "aws:Bogus": "x", "aws:PrincipalArn": `arn:aws:iam::*:role/r${i}` },
      Bool: { "aws:MultiFactorAuthPresent": "false" },
    },
  })),
});

const draftBaseline = (policies: number) => ({
  formatVersion: 1,
  policies: Array.from({ length: policies }, (_, i) => ({
    name: `Missing${i}`,
    type: "SERVICE_CONTROL_POLICY",
    targets: ["Root/**"],
    content: fullSizeScp(i),
  })),
});

/** The largest answer of each tool, at its default limit. */
const LARGEST: Array<[string, () => Client, () => Record<string, unknown>]> = [
  ["list_scp_policies", () => client, () => ({})],
  ["get_scp_targets", () => client, () => ({ policyId: heavy.widePolicyId })],
  ["get_effective_scps", () => client, () => ({ accountId: heavy.deepAccountId })],
  [
    "simulate_scp_request",
    () => client,
    () => ({
      accountId: heavy.deepAccountId,
      actions: Array.from({ length: 50 }, (_, i) => `ec2:Action1x${i % 5}x${i}`),
      region: "us-east-1",
    }),
  ],
  [
    "analyze_error_log",
    () => client,
    () => ({ text: Array.from({ length: 1000 }, (_, i) => denialLine(heavy.deepAccountId, i)).join("") }),
  ],
  [
    "analyze_error_log",
    () => demo,
    // 25 denials, each with a 19,000-character encoded message: the largest facts a paste can give.
    () => ({
      text: Array.from(
        { length: 25 },
        (_, i) =>
          `${denialLine("230000000001", i).trimEnd()}. Encoded authorization failure message: ${"A".repeat(19_000)}\n`,
      ).join(""),
    }),
  ],
  ["lint_scp_policy", () => demo, () => ({ document: draft(400) })],
  ["compare_scp_config", () => demo, () => ({ baseline: draftBaseline(150) })],
];

describe("the largest answers at the default limit", () => {
  it.each(LARGEST)("%s stays near 20 KB", async (name, which, args) => {
    const { result } = await callTool(which(), name, args());
    expect(result.isError, JSON.stringify(result.content).slice(0, 300)).toBeFalsy();
    expect(sizeOf(result)).toBeLessThanOrEqual(ANSWER_LIMIT);
    const page = (result.structuredContent as { page: { total: number; nextCursor: string | null } }).page;
    // Each of these has more than a page: the rest is there by cursor.
    expect(page.nextCursor).toEqual(expect.any(String));
    const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("");
    expect(text).toContain(`cursor "${page.nextCursor}"`);
    // The answer has the full shape the tool declares, not only the one tools/list advertises.
    const full = TOOLS.find((t) => t.name === name)!.output.safeParse(result.structuredContent);
    expect(full.error?.issues ?? []).toEqual([]);
  });

  it("get_scp_detail of a policy at the size quota fits too: the exact text whole, the parsed statements that fit", async () => {
    const { result, data, text } = await callTool(client, "get_scp_detail", { policyId: heavy.widePolicyId });
    expect(result.isError).toBeFalsy();
    expect(sizeOf(result)).toBeLessThanOrEqual(ANSWER_LIMIT);
    const policy = heavy.snapshot.policies.find((p) => p.id === heavy.widePolicyId)!;
    const all = (JSON.parse(policy.content) as { Statement: unknown[] }).Statement.length;
    // The exact text is whole; the parsed statements left out are counted, and are in it.
    expect(data?.document.raw).toBe(policy.content);
    expect(data?.document.statements.length + data?.document.omittedStatements).toBe(all);
    expect(data?.document.omittedStatements).toBeGreaterThan(0);
    // The text still says what the statements do.
    expect(text).toContain('#0 "Deny');
    // 999 targets and hundreds of lint findings are counted, not listed.
    expect(data?.targetCount).toBe(wideTargets());
    expect(data?.targets.length).toBeGreaterThan(0);
    expect(data?.targets.length).toBeLessThanOrEqual(10);
    expect(data?.lint.findingCount).toBeGreaterThan(10);
    expect(data?.lint.findings.length).toBeGreaterThan(0);
    expect(data?.lint.findings.length).toBeLessThanOrEqual(10);
    expect(text).toContain(`and ${wideTargets() - data?.targets.length} more (get_scp_targets lists them)`);
  });

  it("get_scp_detail of a demo policy gives every statement parsed when the answer has room", async () => {
    const { data } = await callTool(demo, "get_scp_detail", { policyId: "p-protectsec1" });
    expect(data?.document.omittedStatements).toBe(0);
    expect(data?.document.statements).toHaveLength(1);
  });
});

/** Reads every page of an answer, checking each, and returns the items of `field` in order. */
async function allPages(
  c: Client,
  name: string,
  args: Record<string, unknown>,
  field: string,
): Promise<{ items: unknown[]; pages: number; total: number }> {
  const items: unknown[] = [];
  let cursor: string | undefined;
  let pages = 0;
  let total = -1;
  do {
    const { result, data } = await callTool(c, name, { ...args, ...(cursor ? { cursor } : {}) });
    expect(result.isError, JSON.stringify(result.content).slice(0, 300)).toBeFalsy();
    expect(sizeOf(result)).toBeLessThanOrEqual(ANSWER_LIMIT);
    expect(data?.page.offset).toBe(items.length);
    total = data?.page.total;
    items.push(...(data?.[field] as unknown[]));
    cursor = data?.page.nextCursor ?? undefined;
    pages++;
  } while (cursor);
  return { items, pages, total };
}

describe("paging reaches everything, once", () => {
  it("get_scp_targets: every member account", async () => {
    const { items, pages, total } = await allPages(
      client,
      "get_scp_targets",
      { policyId: heavy.widePolicyId, limit: 200 },
      "targets",
    );
    expect(total).toBe(wideTargets());
    expect(pages).toBeGreaterThan(1);
    expect(new Set(items.map((t: any) => t.id)).size).toBe(wideTargets());
  });

  it("get_effective_scps: ten full-size policies at every level, each document once", async () => {
    const first = await callTool(client, "get_effective_scps", { accountId: heavy.deepAccountId });
    const attached = new Set(first.data?.levels.flatMap((l: any) => l.policies.map((p: any) => p.id)));
    const { items, pages } = await allPages(
      client,
      "get_effective_scps",
      { accountId: heavy.deepAccountId },
      "policies",
    );
    expect(pages).toBeGreaterThan(5);
    expect(items.map((p: any) => p.id).sort()).toEqual([...attached].sort());
  });

  it("list_scp_policies: every policy, by name", async () => {
    const { items, total } = await allPages(client, "list_scp_policies", {}, "policies");
    const names = items.map((p: any) => p.name);
    expect(names).toHaveLength(total);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  });

  it("simulate_scp_request: fifty actions, every decision in each page's `decisions`", async () => {
    const actions = Array.from({ length: 50 }, (_, i) => `ec2:Action1x${i % 5}x${i}`);
    const args = { accountId: heavy.deepAccountId, actions, region: "us-east-1" };
    const { items } = await allPages(client, "simulate_scp_request", { ...args, limit: 50 }, "results");
    expect(items.map((r: any) => r.action).sort()).toEqual([...actions].sort());
  });

  it("analyze_error_log: sixty distinct denials", async () => {
    const text = Array.from({ length: 60 }, (_, i) => denialLine(heavy.deepAccountId, i)).join("");
    const { items, total } = await allPages(client, "analyze_error_log", { text, limit: 25 }, "denials");
    expect(total).toBe(60);
    expect(new Set(items.map((d: any) => d.facts.resource)).size).toBe(60);
  });

  it("lint_scp_policy and compare_scp_config: every finding", async () => {
    const lint = await allPages(demo, "lint_scp_policy", { document: draft(60), limit: 100 }, "findings");
    expect(lint.items).toHaveLength(lint.total);
    // Every listed finding: at most 10 a rule are listed, the others counted (findingCount).
    expect(lint.total).toBeGreaterThan(60);
    const drift = await allPages(
      demo,
      "compare_scp_config",
      { baseline: draftBaseline(40), limit: 100 },
      "findings",
    );
    expect(drift.items).toHaveLength(drift.total);
    expect(new Set(drift.items.map((f: any) => f.id)).size).toBe(drift.total);
  });
});

describe("cursors are checked", () => {
  const firstCursor = async (name = "list_scp_policies", args: Record<string, unknown> = { limit: 2 }) => {
    const { data } = await callTool(demo, name, args);
    return data?.page.nextCursor as string;
  };
  const rewrite = (cursor: string, change: Record<string, unknown>): string =>
    Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(cursor, "base64url").toString()), ...change }),
    ).toString("base64url");

  it.each([
    ["garbage", () => Promise.resolve("not a cursor!"), /not a cursor this server gave/],
    ["a cut cursor", async () => (await firstCursor()).slice(0, 20), /not a cursor this server gave/],
  ])("refuses %s, saying what to do", async (_what, cursor, message) => {
    const { result, text } = await callTool(demo, "list_scp_policies", { limit: 2, cursor: await cursor() });
    expect(result.isError).toBe(true);
    expect(text).toMatch(message);
    expect(text).toMatch(/leave cursor out to start again at the first page/);
  });

  it("refuses a cursor of another tool, naming it", async () => {
    const cursor = await firstCursor();
    const { result, text } = await callTool(demo, "get_scp_targets", { policyId: "p-FullAWSAccess", cursor });
    expect(result.isError).toBe(true);
    expect(text).toMatch(/given by list_scp_policies, not get_scp_targets/);
  });

  it("refuses a cursor given for other arguments, but not another limit", async () => {
    const cursor = await firstCursor();
    const other = await callTool(demo, "list_scp_policies", { nameContains: "deny", limit: 2, cursor });
    expect(other.result.isError).toBe(true);
    expect(other.text).toMatch(/given for other arguments of list_scp_policies/);
    const wider = await callTool(demo, "list_scp_policies", { limit: 5, cursor });
    expect(wider.result.isError).toBeFalsy();
    expect(wider.data?.page).toMatchObject({ offset: 2, returned: 5 });
  });

  it("refuses a stale cursor: the list it pages through has changed", async () => {
    const cursor = rewrite(await firstCursor(), { l: "AAAAAAAAAAAAAAAA" });
    const { result, text } = await callTool(demo, "list_scp_policies", { limit: 2, cursor });
    expect(result.isError).toBe(true);
    expect(text).toMatch(/this cursor is stale: the policies it pages through have changed/);
  });

  it("refuses a limit over the maximum, naming it", async () => {
    const { result, text } = await callTool(demo, "list_scp_policies", { limit: 201 });
    expect(result.isError).toBe(true);
    expect(text).toMatch(/limit/);
    expect(text).toMatch(/200/);
  });

  it("advertises each paged tool's default and maximum limit", async () => {
    const { tools } = await demo.listTools();
    const limits = Object.fromEntries(
      tools
        .filter((t) => t.inputSchema.properties?.limit)
        .map((t) => {
          const l = t.inputSchema.properties!.limit as { default: number; maximum: number };
          return [t.name, [l.default, l.maximum]];
        }),
    );
    expect(limits).toEqual({
      list_scp_policies: [50, 200],
      get_scp_targets: [50, 200],
      get_effective_scps: [10, 50],
      simulate_scp_request: [10, 50],
      analyze_error_log: [10, 25],
      compare_scp_config: [25, 100],
      lint_scp_policy: [25, 100],
    });
  });
});
