/**
 * The three workflow prompts over HTTP, as a client lists and gets them (issue 19): each names
 * tools that exist, carries its arguments, and refuses bad ones as the tools do.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLS } from "../src/mcp/tools/index.js";
import { connect, rawPost, startHarness, type Harness } from "./helpers/harness.js";

let harness: Harness;
let client: Client;
beforeAll(async () => {
  harness = await startHarness();
  client = await connect(harness);
});
afterAll(async () => {
  await client.close();
});

const textOf = (r: { messages: Array<{ content: { type: string; text?: string } }> }): string =>
  r.messages.map((m) => (m.content.type === "text" ? m.content.text : "")).join("\n");

/** Tool names a prompt's text refers to. */
const toolsNamed = (text: string): string[] =>
  TOOLS.map((t) => t.name).filter((name) => new RegExp(`\\b${name}\\b`).test(text));

describe("prompts/list", () => {
  it("offers the three workflows with their arguments", async () => {
    expect(client.getServerCapabilities()?.prompts).toBeDefined();
    const { prompts } = await client.listPrompts();
    const byName = Object.fromEntries(prompts.map((p) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual([
      "audit_account_guardrails",
      "explain_access_denied",
      "review_policy_change",
    ]);
    const args = (name: string) =>
      Object.fromEntries((byName[name]?.arguments ?? []).map((a) => [a.name, a.required ?? false]));
    expect(args("explain_access_denied")).toEqual({ error: true, accountId: false, region: false });
    expect(args("audit_account_guardrails")).toEqual({ accountId: true, policyType: false });
    expect(args("review_policy_change")).toEqual({ document: true, policyId: false, policyType: false });
    for (const p of prompts) {
      expect(p.title, p.name).toBeTruthy();
      expect(p.description?.length, p.name).toBeGreaterThan(40);
      for (const a of p.arguments ?? []) expect(a.description, `${p.name}.${a.name}`).toBeTruthy();
    }
  });
});

describe("prompts/get", () => {
  it("explain_access_denied carries the error and leads to analyze_error_log", async () => {
    const error =
      "User: arn:aws:sts::240000000003:assumed-role/Developer/alice is not authorized to perform: s3:ListAllMyBuckets because no service control policy allows the s3:ListAllMyBuckets action";
    const r = await client.getPrompt({
      name: "explain_access_denied",
      arguments: { error, region: "eu-west-1" },
    });
    const text = textOf(r);
    expect(r.messages[0]?.role).toBe("user");
    expect(text).toContain(error);
    expect(text).toContain('region "eu-west-1"');
    expect(toolsNamed(text)).toEqual(expect.arrayContaining(["analyze_error_log", "simulate_scp_request"]));
  });

  it("audit_account_guardrails names the account in every call and reads every page", async () => {
    const r = await client.getPrompt({
      name: "audit_account_guardrails",
      arguments: { accountId: "240000000003", policyType: "RCP" },
    });
    const text = textOf(r);
    expect(text).toContain('accountId "240000000003" and policyType "RESOURCE_CONTROL_POLICY"');
    expect(text).toContain('scopeId "240000000003"');
    expect(text).toMatch(/nextCursor/);
    expect(toolsNamed(text).sort()).toEqual(["compare_scp_config", "get_effective_scps", "lint_scp_policy"]);
  });

  it("review_policy_change lints the draft and, given the policy it replaces, compares and weighs its reach", async () => {
    const document =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"guardduty:DeleteDetector","Resource":"*"}]}';
    const replacing = textOf(
      await client.getPrompt({
        name: "review_policy_change",
        arguments: { document, policyId: "p-protectsec1" },
      }),
    );
    expect(replacing).toContain(document);
    expect(replacing).toContain('policyId "p-protectsec1"');
    expect(toolsNamed(replacing).sort()).toEqual([
      "get_scp_detail",
      "get_scp_targets",
      "lint_scp_policy",
      "preview_policy_change",
      "simulate_scp_request",
    ]);
    expect(replacing).toContain('{"kind": "update", "policyId": "p-protectsec1"');
    const fresh = textOf(await client.getPrompt({ name: "review_policy_change", arguments: { document } }));
    expect(fresh).not.toContain("get_scp_detail");
    expect(fresh).toContain("lint_scp_policy");
    expect(fresh).toContain('preview_policy_change with change {"kind": "create"');
  });

  it.each([
    ["audit_account_guardrails", { accountId: "2400" }, /12 digits/],
    ["audit_account_guardrails", {}, /accountId/],
    ["audit_account_guardrails", { accountId: "240000000003", policyType: "TAG" }, /policyType/],
    ["review_policy_change", { document: "{}", policyId: "nope" }, /p-abcd1234/],
    ["no_such_prompt", {}, /not found/],
  ])("refuses %s %j with -32602 and what was wrong", async (name, args, message) => {
    const res = await rawPost(
      harness,
      JSON.stringify({ jsonrpc: "2.0", id: 9, method: "prompts/get", params: { name, arguments: args } }),
    );
    const body = (await res.json()) as { error?: { code: number; message: string } };
    expect(body.error?.code).toBe(-32602);
    expect(body.error?.message).toMatch(message);
  });
});
