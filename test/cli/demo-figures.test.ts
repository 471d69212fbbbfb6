/**
 * Figures a newcomer compares while following the demo walkthrough (docs/demo-organization.md and
 * the README) must agree: the CLI audit, compare_scp_config and get_scp_targets count the accounts a
 * root policy reaches the same way (without the management account, which SCPs never restrict);
 * get_server_status reports no AWS API call where no AWS is involved; and the EC2 question of the
 * walkthrough gets the answer the walkthrough gives when asked the way it says.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoSnapshot } from "../../src/org/demo/demo-snapshot.js";
import { callTool, connect, startHarness } from "../helpers/harness.js";
import { cli } from "./helpers.js";

const MANAGEMENT = "111111111111";
let client: Client;

beforeAll(async () => {
  client = await connect(await startHarness());
});

describe("accounts a root policy reaches", () => {
  it("the CLI audit, compare_scp_config and get_scp_targets say 13 for ProtectSecurityServices", async () => {
    const audit = await cli("audit", "--demo", "--policy", "ProtectSecurityServices", "--format", "json");
    const cliCounts = JSON.parse(audit.stdout).findings.map((f: any) => f.accountsAffected);
    const text = (await cli("audit", "--demo", "--policy", "ProtectSecurityServices")).stdout;
    const compare = await callTool(client, "compare_scp_config", { policy: "ProtectSecurityServices" });
    const targets = await callTool(client, "get_scp_targets", { policyId: "p-protectsec1" });

    expect(new Set(cliCounts)).toEqual(new Set([13]));
    expect(text).toContain("accounts affected: 13");
    expect(new Set(compare.data?.findings.map((f: any) => f.accountsAffected))).toEqual(new Set([13]));
    expect(targets.data?.accountsReached).toBe(13);
    expect(targets.data?.targets).toEqual([expect.objectContaining({ id: "r-a1b2", accountsReached: 13 })]);
    expect(targets.text).toContain(
      `reaches 13 account(s) in scope (the management account ${MANAGEMENT} is not counted: SCPs and RCPs never apply to it)`,
    );
  });

  it("the management account's own attachment reaches no account", async () => {
    const { data, text } = await callTool(client, "get_scp_targets", { policyId: "p-FullAWSAccess" });
    expect(data?.targets.find((t: any) => t.id === MANAGEMENT)).toMatchObject({ accountsReached: 0 });
    expect(text).toContain(`ACCOUNT Root/management (${MANAGEMENT}): 0 account(s)`);
  });

  it("a policy below the root never mentions the management account", async () => {
    const { data, text } = await callTool(client, "get_scp_targets", { policyId: "p-regiondeny1" });
    expect(data?.accountsReached).toBe(6);
    expect(text).not.toContain("management account");
  });
});

describe("get_server_status where no AWS is involved", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "demo-figures-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reports no AWS API call for the demo, however much was read", async () => {
    await callTool(client, "compare_scp_config", {});
    await callTool(client, "get_effective_scps", { accountId: "230000000003" });
    const { data, text } = await callTool(client, "get_server_status");
    expect(data?.organization.source).toBe("demo");
    expect(data?.cache).toMatchObject({ apiCalls: {}, totalApiCalls: 0 });
    expect(text).toContain("AWS API calls: none (the demo data is read from memory)");
  });

  it("nor for a snapshot file", async () => {
    const file = join(dir, "org.json");
    writeFileSync(file, JSON.stringify(demoSnapshot()));
    const snapshot = await connect(await startHarness({ ORG_SOURCE: "snapshot", ORG_SNAPSHOT_FILE: file }));
    await callTool(snapshot, "list_scp_policies");
    const { data, text } = await callTool(snapshot, "get_server_status");
    expect(data?.organization.source).toBe("snapshot");
    expect(data?.cache.totalApiCalls).toBe(0);
    expect(text).toContain("AWS API calls: none (the snapshot data is read from memory)");
  });
});

describe("the walkthrough's EC2 question", () => {
  const ask = {
    accountId: "230000000001",
    actions: ["ec2:RunInstances"],
    region: "eu-west-1",
    principalArn: "arn:aws:iam::230000000001:role/Developer",
    resource: "arn:aws:ec2:eu-west-1:230000000001:instance/*",
  };

  it("stating that the CostCenter tag is absent ([]) gives the deny the walkthrough names", async () => {
    const { data, text } = await callTool(client, "simulate_scp_request", {
      ...ask,
      context: { "aws:RequestTag/CostCenter": [] },
    });
    expect(data?.results[0].decision).toBe("explicitly_denied");
    expect(text).toContain("RequireCostCenterTag (p-requiretag1)");
  });

  it("leaving the key out is not the same question: the answer depends on it", async () => {
    const { data } = await callTool(client, "simulate_scp_request", ask);
    expect(data?.results[0].decision).toBe("depends_on_context");
    expect(JSON.stringify(data?.results[0])).toContain("aws:RequestTag/CostCenter");
  });
});
