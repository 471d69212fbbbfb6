/** compare_scp_config, lint_scp_policy and get_scp_detail's lint, over MCP against the demo organization. */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, connect, rawPost, startHarness, type Harness } from "./helpers/harness.js";
import { answerOf, renamed } from "./helpers/scope-twins.js";

const demoBaseline = JSON.parse(
  readFileSync(join(import.meta.dirname, "../src/org/demo/demo-baseline.json"), "utf8"),
);

let harness: Harness;
let client: Client;

beforeAll(async () => {
  harness = await startHarness();
  client = await connect(harness);
});
afterAll(async () => {
  await client.close();
});

describe("compare_scp_config against the demo baseline", () => {
  it("ranks the demo's drift, weakening first, with places and reach", async () => {
    const { result, data, text } = await callTool(client, "compare_scp_config");
    expect(result.isError).toBeFalsy();
    expect(data?.baseline.origin).toContain("demo baseline");
    const findings: any[] = data?.findings;
    const key = (f: any) => `${f.direction} ${f.kind} ${f.policy.name}`;
    expect(findings.map(key)).toEqual([
      "weakens condition_loosened ProtectSecurityServices",
      "weakens deny_actions_removed ProtectSecurityServices",
      "weakens policy_missing DenyDisableEbsDefaultEncryption",
      "weakens attachment_missing RequireIMDSv2",
      "tightens full_aws_access_detached FullAWSAccess",
      "tightens condition_tightened DenyIamUserCreation",
      "tightens deny_actions_added DenyRegionsOutsideEU",
      "tightens policy_unexpected RequireCostCenterTag",
      "tightens attachment_unexpected RequireIMDSv2",
      "neutral deny_actions_added ProtectSecurityServices",
    ]);
    const typo = findings.find((f) => f.kind === "deny_actions_removed");
    expect(typo).toMatchObject({
      severity: "critical",
      policy: { id: "p-protectsec1", name: "ProtectSecurityServices", baselineIndex: 3 },
      statement: {
        expected: { index: 0, sid: "ProtectSecurityServices" },
        actual: { index: 0, sid: "ProtectSecurityServices" },
      },
      element: "Action",
      difference: ["guardduty:DeleteDetector"],
      targets: [{ id: "r-a1b2", type: "ROOT", name: "Root", path: "Root" }],
      accountsAffected: 13,
    });
    expect(findings.find((f) => f.kind === "full_aws_access_detached")).toMatchObject({
      severity: "high",
      targets: [{ id: "ou-a1b2-test0000", path: "Root/Workloads/NonProd/Test" }],
      accountsAffected: 1,
    });
    expect(findings.find((f) => f.kind === "deny_actions_added" && f.direction === "tightens")).toMatchObject(
      {
        policy: { name: "DenyRegionsOutsideEU" },
        element: "NotAction",
        difference: ["cloudfront:*", "route53:*", "sts:*", "support:*"],
      },
    );
    expect(findings.find((f) => f.kind === "condition_tightened")).toMatchObject({
      condition: { operator: "ArnNotLike", key: "aws:PrincipalArn" },
      expected: { ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::*:role/BreakGlassAdmin"] } },
      actual: null,
    });
    // Cosmetic rewrites in the baseline (DenyLeaveOrganization, ProtectPaymentsData) are no difference.
    expect(
      findings.some((f) =>
        ["DenyLeaveOrganization", "ProtectPaymentsData", "DenyRootUser"].includes(f.policy.name),
      ),
    ).toBe(false);
    expect(data?.summary).toMatchObject({ total: 10, byDirection: { weakens: 4, tightens: 5, neutral: 1 } });
    expect(text).toMatch(/^Baseline from the bundled demo baseline/);
  });

  it("narrows by policy and by scope, and filters by severity", async () => {
    const one = await callTool(client, "compare_scp_config", { policy: "p-regiondeny1" });
    expect(one.data?.findings.map((f: any) => f.kind)).toEqual(["deny_actions_added"]);
    const test = await callTool(client, "compare_scp_config", { scopeId: "ou-a1b2-test0000" });
    expect(test.data?.accountsInScope).toBe(1);
    expect(test.data?.findings.every((f: any) => f.accountsAffected <= 1)).toBe(true);
    expect(test.data?.findings.map((f: any) => f.kind)).toContain("full_aws_access_detached");
    expect(test.data?.findings.map((f: any) => f.kind)).not.toContain("policy_unexpected");
    const high = await callTool(client, "compare_scp_config", { minSeverity: "high" });
    expect(high.data?.findings.every((f: any) => ["critical", "high"].includes(f.severity))).toBe(true);
    expect(high.data?.summary.total).toBe(10);
  });

  it("checks a draft baseline passed inline (object or text), and reports its errors with paths", async () => {
    const draft = {
      ...demoBaseline,
      policies: demoBaseline.policies.map((p: any) =>
        p.name === "ProtectSecurityServices"
          ? {
              ...p,
              content: {
                ...p.content,
                Statement: [{ ...p.content.Statement[0], Action: ["cloudtrail:StopLogging"] }],
              },
            }
          : p,
      ),
    };
    const asObject = await callTool(client, "compare_scp_config", {
      baseline: draft,
      policy: "ProtectSecurityServices",
    });
    expect(asObject.data?.baseline.origin).toBe("the request");
    expect(asObject.data?.findings.map((f: any) => `${f.direction} ${f.kind}`)).toEqual(
      expect.arrayContaining(["tightens deny_actions_added"]),
    );
    const asText = await callTool(client, "compare_scp_config", {
      baseline: JSON.stringify(draft),
      policy: "ProtectSecurityServices",
    });
    expect(asText.data?.findings).toEqual(asObject.data?.findings);
    const bad = await callTool(client, "compare_scp_config", {
      baseline: {
        formatVersion: 1,
        policies: [
          { name: "X", content: { Version: "2012-10-17", Statement: [{ Effect: "Deny", Resource: "*" }] } },
        ],
      },
    });
    expect(bad.result.isError).toBe(true);
    expect(bad.text).toMatch(/policies\.0\.content\.Statement\.0\.Action: /);
    const both = await callTool(client, "compare_scp_config", { baseline: draft, reloadBaseline: true });
    expect(both.result.isError).toBe(true);
  });

  it("rejects ids that are malformed or outside the organization", async () => {
    const malformed = await callTool(client, "compare_scp_config", { scopeId: "Prod" });
    expect(malformed.result.isError).toBe(true);
    const unknown = await callTool(client, "compare_scp_config", { scopeId: "ou-a1b2-nothere0" });
    expect(unknown.result.isError).toBe(true);
    expect(unknown.text).toMatch(/^No OU ou-a1b2-nothere0 was found within this server's scope/);
  });

  it("refuses a baseline nested thousands of levels deep by name, as text or as an object", async () => {
    const deep = '{"a":'.repeat(9000) + '"x"' + "}".repeat(9000);
    const text = `{"formatVersion":1,"policies":[{"name":"p","content":{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:x":${deep}}}}]},"targets":["Root"]}]}`;
    // Raw JSON-RPC: the SDK client itself cannot serialise an object that deep.
    for (const baseline of [JSON.stringify(text), text]) {
      const res = await rawPost(
        harness,
        `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"compare_scp_config","arguments":{"baseline":${baseline}}}}`,
      );
      const result = ((await res.json()) as { result: { isError: boolean; content: { text: string }[] } })
        .result;
      expect(result.isError).toBe(true);
      expect(result.content[0]?.text).toMatch(/nested more than 64 levels deep/);
    }
  });
});

describe("compare_scp_config with a configured baseline", () => {
  it("says when no baseline is configured", async () => {
    const h = await startHarness({
      ORG_SOURCE: "snapshot",
      ORG_SNAPSHOT_FILE: "src/org/demo/demo-organization.json",
    });
    const c = await connect(h);
    const r = await callTool(c, "compare_scp_config");
    expect(r.result.isError).toBe(true);
    expect(r.text).toMatch(/No baseline is configured/);
    await c.close();
  });

  it("re-reads a file baseline on reloadBaseline, and keeps the old one when the new one is bad", async () => {
    const dir = mkdtempSync(join(tmpdir(), "baseline-"));
    const file = join(dir, "baseline.json");
    writeFileSync(file, JSON.stringify(demoBaseline));
    const h = await startHarness({ BASELINE_FILE: file });
    const c = await connect(h);
    expect((await callTool(c, "compare_scp_config")).data?.baseline.origin).toBe(`file ${file}`);
    writeFileSync(
      file,
      JSON.stringify({
        ...demoBaseline,
        options: { reportUnexpectedPolicies: false, reportUnexpectedAttachments: false },
      }),
    );
    const stale = await callTool(c, "compare_scp_config");
    expect(stale.data?.findings.map((f: any) => f.kind)).toContain("policy_unexpected");
    const fresh = await callTool(c, "compare_scp_config", { reloadBaseline: true });
    expect(fresh.data?.findings.map((f: any) => f.kind)).not.toContain("policy_unexpected");
    writeFileSync(file, '{"formatVersion": 1, "policies": [{"name": 1}]}');
    const failed = await callTool(c, "compare_scp_config", { reloadBaseline: true });
    expect(failed.result.isError).toBe(true);
    expect(failed.text).toMatch(/previous one is still in use.*policies\.0\.name/);
    expect((await callTool(c, "compare_scp_config")).data?.findings.map((f: any) => f.kind)).not.toContain(
      "policy_unexpected",
    );
    await c.close();
  });

  it("reports only targets inside the allowed scope", async () => {
    const h = await startHarness({ ALLOWED_OU_IDS: "ou-a1b2-workload" });
    const c = await connect(h);
    const { data } = await callTool(c, "compare_scp_config");
    const targets = data?.findings.flatMap((f: any) => f.targets.map((t: any) => t.id));
    expect(targets.length).toBeGreaterThan(0);
    for (const id of targets)
      expect(id).not.toMatch(
        /^(r-a1b2|ou-a1b2-security0|ou-a1b2-infra000|ou-a1b2-sandbox0|ou-a1b2-suspend0)$/,
      );
    expect(data?.accountsInScope).toBe(6);
    expect(data?.findings.every((f: any) => f.accountsAffected <= 6)).toBe(true);
    const outside = await callTool(c, "compare_scp_config", { scopeId: "ou-a1b2-sandbox0" });
    expect(outside.result.isError).toBe(true);
    expect(outside.text).toMatch(/outside the allowed scope/);
    await c.close();
  });
});

describe("compare_scp_config scope with a caller's own baseline", () => {
  // Workloads only: Security, Infrastructure, Sandbox and Suspended (and their accounts) are hidden.
  let scoped: Client;
  beforeAll(async () => {
    scoped = await connect(await startHarness({ ALLOWED_OU_IDS: "ou-a1b2-workload" }));
  });
  afterAll(async () => scoped.close());

  const deny = { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "none:none", Resource: "*" }] };
  const allowAll = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
  const baselineOf = (...policies: { name: string; content: unknown; targets: string[] }[]) => ({
    formatVersion: 1,
    policies: policies.map((p) => ({ type: "SERVICE_CONTROL_POLICY", ...p })),
    options: { reportUnexpectedPolicies: false, reportUnexpectedAttachments: false },
  });

  it("answers a baseline policy named like a policy attached only outside the scope as one that exists nowhere", async () => {
    // SandboxAllowList is attached to the Sandbox OU only; NoSuchPolicyAtAll exists nowhere.
    for (const content of [deny, allowAll]) {
      const hidden = await callTool(scoped, "compare_scp_config", {
        baseline: baselineOf({ name: "SandboxAllowList", content, targets: ["ou-a1b2-workload"] }),
      });
      const nowhere = await callTool(scoped, "compare_scp_config", {
        baseline: baselineOf({ name: "NoSuchPolicyAtAll", content, targets: ["ou-a1b2-workload"] }),
      });
      expect(hidden.result.isError).toBeFalsy();
      expect(hidden.data?.findings.map((f: any) => f.kind)).toEqual(["policy_missing"]);
      expect(hidden.data?.findings[0].policy.id).toBeNull();
      // Word for word, once the names are swapped (a finding's id is a hash of its name).
      const withoutIds = (r: typeof hidden) => ({
        ...answerOf(r.result),
        data: { ...r.data, findings: r.data?.findings.map(({ id: _id, ...f }: any) => f) },
      });
      expect(renamed(withoutIds(hidden), new Map([["SandboxAllowList", "NoSuchPolicyAtAll"]]))).toBe(
        renamed(withoutIds(nowhere), new Map()),
      );
      const serialized = JSON.stringify(hidden.result);
      expect(serialized).not.toContain("p-sandboxallw");
      // Nothing of its document: the sandbox allow-list's statements are Allows.
      if (content === deny) expect(serialized).not.toMatch(/"Allow"/);
      expect(serialized).not.toContain("its document is not compared");
    }
  });

  it("singles out no real account among guessed ids: outside the scope looks like nonexistent", async () => {
    const real = [
      "210000000001",
      "210000000002",
      "220000000001",
      "220000000002",
      "250000000001",
      "250000000002",
      "260000000001",
      "111111111111",
    ];
    // 150 guessed ids with the real out-of-scope accounts among them, and the same list with each
    // real one replaced by an id that exists nowhere.
    const guesses = Array.from({ length: 142 }, (_, i) => `9${String(i).padStart(11, "0")}`);
    const fakes = real.map((_, i) => `8${String(i).padStart(11, "0")}`);
    const ask = (targets: string[]) =>
      callTool(scoped, "compare_scp_config", {
        baseline: baselineOf({ name: "DenyLeaveOrganization", content: deny, targets }),
      });
    const withReal = await ask([...guesses, ...real, "ou-a1b2-prod0000"]);
    const withFake = await ask([...guesses, ...fakes, "ou-a1b2-prod0000"]);
    expect(withReal.result.isError).toBeFalsy();
    const kinds = withReal.data?.findings.map((f: any) => f.kind);
    expect(kinds).not.toContain("target_unresolved");
    expect(renamed(answerOf(withReal.result), new Map(real.map((r, i) => [r, fakes[i]!])))).toBe(
      renamed(answerOf(withFake.result), new Map()),
    );
    for (const id of real) expect(JSON.stringify(withReal.result)).not.toContain(id);
    expect(withReal.data?.notes.join(" ")).toMatch(
      /150 target\(s\) of the baseline name nothing within this server's scope/,
    );
  });

  it("counts only the policies the scope shows, and refuses a hidden policy's id or name like an unknown one", async () => {
    const { data } = await callTool(scoped, "compare_scp_config", {
      baseline: baselineOf({ name: "DenyLeaveOrganization", content: deny, targets: ["Root"] }),
    });
    const listed = await callTool(scoped, "list_scp_policies");
    expect(data?.compared.organizationPolicies).toBe(listed.data?.count);
    expect(listed.data?.policies.map((p: any) => p.id)).not.toContain("p-sandboxallw");
    // The caller's own baseline, which names neither, so only the organization could match them.
    const baseline = {
      ...baselineOf({ name: "DenyLeaveOrganization", content: deny, targets: ["Root"] }),
      options: { reportUnexpectedPolicies: true, reportUnexpectedAttachments: true },
    };
    for (const [hidden, nowhere] of [
      ["p-sandboxallw", "p-nosuchpol1"],
      ["SandboxAllowList", "NoSuchPolicyAtAll"],
    ] as const) {
      const a = await callTool(scoped, "compare_scp_config", { baseline, policy: hidden });
      const b = await callTool(scoped, "compare_scp_config", { baseline, policy: nowhere });
      expect(a.result.isError).toBe(true);
      expect(a.text).toMatch(
        /^No policy named or with id ".*" was found in the baseline or within this server's scope/,
      );
      expect(renamed(answerOf(a.result), new Map([[hidden, nowhere]]))).toBe(
        renamed(answerOf(b.result), new Map()),
      );
    }
  });

  it("refuses a scopeId outside the scope word for word like one that exists nowhere", async () => {
    for (const [outside, nowhere] of [
      ["ou-a1b2-sandbox0", "ou-a1b2-zzzzzzzz"],
      ["250000000001", "259999999999"],
      ["r-a1b2", "r-zzzz"],
    ] as const) {
      const a = await callTool(scoped, "compare_scp_config", { scopeId: outside });
      const b = await callTool(scoped, "compare_scp_config", { scopeId: nowhere });
      expect(a.result.isError).toBe(true);
      expect(a.text).toContain("was found within this server's scope");
      expect(renamed(answerOf(a.result), new Map([[outside, nowhere]]))).toBe(
        renamed(answerOf(b.result), new Map()),
      );
    }
  });
});

describe("lint_scp_policy", () => {
  it("lints a policy of the organization by id", async () => {
    const { data, text } = await callTool(client, "lint_scp_policy", { policyId: "p-protectsec1" });
    expect(data?.policy).toMatchObject({ id: "p-protectsec1", name: "ProtectSecurityServices" });
    expect(data?.findings).toEqual([
      expect.objectContaining({
        ruleId: "unknown_action",
        severity: "high",
        location: expect.objectContaining({
          statementIndex: 0,
          sid: "ProtectSecurityServices",
          element: "Action",
          path: "Statement[0].Action[3]",
        }),
        suggestedFix: 'Replace it with "guardduty:DeleteDetector".',
      }),
    ]);
    expect(text).toContain("guardduty:DeleteDetector");
  });

  it("finds the region deny's missing global services and the deny without exemption", async () => {
    const region = await callTool(client, "lint_scp_policy", { policyId: "p-regiondeny1" });
    expect(region.data?.findings.map((f: any) => f.ruleId)).toEqual(["region_deny_missing_global_services"]);
    const users = await callTool(client, "lint_scp_policy", { policyId: "p-denyiamusr1" });
    expect(users.data?.findings.map((f: any) => f.ruleId)).toEqual(["deny_without_exemption"]);
  });

  it("reports mistake 5: ProtectNetworkBaseline at 97% of the SCP size quota, most of the slack in whitespace", async () => {
    const { data, text } = await callTool(client, "lint_scp_policy", { policyId: "p-protectnet1" });
    expect(data?.findings).toEqual([
      expect.objectContaining({
        ruleId: "policy_size",
        severity: "low",
        message:
          "the document is 9909 characters, 97% of the SCP quota of 10240 (3884 of them whitespace outside strings, which AWS counts: minified it is 6025)",
      }),
    ]);
    expect(data?.size).toEqual({ characters: 9909, limit: 10240 });
    expect(text).toContain("9909 of 10240 characters");
    // get_scp_detail and list_scp_policies show the same size against the quota.
    const detail = await callTool(client, "get_scp_detail", { policyId: "p-protectnet1" });
    expect(detail.data?.size).toMatchObject({ characters: 9909, limit: 10240, percentOfLimit: 96.8 });
    expect(detail.data?.lint.findings.map((f: any) => f.ruleId)).toEqual(["policy_size"]);
    expect(detail.text).toContain("9909 of 10240 characters (96.8%)");
    const list = await callTool(client, "list_scp_policies", { nameContains: "network" });
    expect(list.data?.policies).toEqual([
      expect.objectContaining({ id: "p-protectnet1", sizeCharacters: 9909, sizeLimit: 10240 }),
    ]);
    expect(list.text).toContain("9909 of 10240 characters: near the size quota");
    const all = await callTool(client, "list_scp_policies", {});
    expect(all.text.match(/near the size quota/g)).toHaveLength(1);
  });

  it("no longer calls Prod full: 5 SCPs are half of the quota of 10", async () => {
    const { data } = await callTool(client, "lint_scp_policy", { policyId: "p-requiretag1" });
    expect(data?.findings).toEqual([]);
    expect(data?.targetsChecked).toBe(1);
    // The quota stays configurable: with the old figure Prod is full again.
    const old = await callTool(client, "lint_scp_policy", {
      policyId: "p-requiretag1",
      limits: { policiesPerTarget: 5 },
    });
    expect(old.data?.findings).toEqual([
      expect.objectContaining({
        ruleId: "policies_per_target",
        message:
          "Root/Workloads/Prod (ou-a1b2-prod0000) is at the quota of 5 SCPs: no further SCP can be attached there",
      }),
    ]);
  });

  it("lints a draft document, with lines, and honours configurable limits", async () => {
    const document = JSON.stringify(
      {
        Version: "2012-10-17",
        Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*" }],
      },
      null,
      2,
    );
    const { data } = await callTool(client, "lint_scp_policy", { document });
    expect(data?.policy).toBeNull();
    expect(data?.findings[0]).toMatchObject({
      ruleId: "principal_in_scp",
      location: { line: 6, element: "Principal" },
    });
    const rcp = await callTool(client, "lint_scp_policy", {
      document: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Deny", Principal: "*", Action: "*", Resource: "*" }],
      },
      policyType: "RESOURCE_CONTROL_POLICY",
      limits: { rcpSize: 20 },
    });
    expect(rcp.data?.findings.map((f: any) => f.ruleId)).toEqual(
      expect.arrayContaining(["rcp_action_wildcard", "policy_size"]),
    );
    expect(rcp.data?.size.limit).toBe(20);
  });

  it("asks for exactly one of policyId and document", async () => {
    for (const args of [{}, { policyId: "p-protectsec1", document: "{}" }]) {
      const r = await callTool(client, "lint_scp_policy", args);
      expect(r.result.isError).toBe(true);
      expect(r.text).toMatch(/exactly one/);
    }
    const bad = await callTool(client, "lint_scp_policy", { policyId: "protectsec" });
    expect(bad.result.isError).toBe(true);
  });
});

describe("get_scp_detail shows the lint findings", () => {
  it("of the policy it returns", async () => {
    const { data, text } = await callTool(client, "get_scp_detail", { policyId: "p-protectsec1" });
    expect(data?.lint.findings.map((f: any) => f.ruleId)).toEqual(["unknown_action"]);
    expect(data?.lint.bySeverity).toMatchObject({ high: 1, critical: 0 });
    expect(text).toContain("Lint: 1 finding(s)");
    const clean = await callTool(client, "get_scp_detail", { policyId: "p-denys3pub01" });
    expect(clean.data?.lint.findings).toEqual([]);
  });
});
