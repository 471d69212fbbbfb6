/**
 * Issue 15 over MCP: every input limit at its edge (just under: answered; just over: refused with a
 * message naming the limit), the same for text and objects; answers bounded; and the call budget
 * stopping work with what was and was not done.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_FINDINGS_PER_RULE } from "../src/audit/lint-policy.js";
import {
  MAX_BASELINE_CHARS,
  MAX_BASELINE_POLICIES,
  MAX_BASELINE_TARGETS,
  MAX_CONDITION_KEYS,
  MAX_CONDITION_VALUES,
  MAX_CONTEXT_CHARS,
  MAX_CONTEXT_KEYS,
  MAX_CONTEXT_VALUE_CHARS,
  MAX_CONTEXT_VALUES,
  MAX_DOCUMENT_CHARS,
  MAX_ELEMENT_ENTRIES,
  MAX_INPUT_ELEMENTS,
  MAX_OBJECT_MEMBERS,
  MAX_POLICY_TARGETS,
  MAX_SIMULATED_ACTIONS,
  MAX_STATEMENTS,
} from "../src/policy/limits.js";
import { callTool, connect, rawPost, startHarness, type Harness } from "./helpers/harness.js";

let harness: Harness;
let client: Client;
beforeAll(async () => {
  harness = await startHarness();
  client = await connect(harness);
});
afterAll(async () => client.close());

const n = (x: number): string => x.toLocaleString("en-US");

const statement = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  Effect: "Deny",
  Action: "s3:DeleteBucket",
  Resource: "*",
  ...extra,
});
const doc = (statements: unknown[]): Record<string, unknown> => ({
  Version: "2012-10-17",
  Statement: statements,
});

/** A document whose JSON text is exactly `size` characters (its Sid padded). */
function docOfSize(size: number): Record<string, unknown> {
  const base = JSON.stringify(doc([statement({ Sid: "" })])).length;
  return doc([statement({ Sid: "A".repeat(size - base) })]);
}

async function lint(document: unknown) {
  return callTool(client, "lint_scp_policy", { document });
}

async function answered(out: Awaited<ReturnType<typeof callTool>>) {
  expect(out.result.isError, out.text).toBeFalsy();
  expect(JSON.stringify(out.result).length).toBeLessThan(1_000_000);
  return out;
}

function refused(out: Awaited<ReturnType<typeof callTool>>, message: RegExp) {
  expect(out.result.isError, out.text).toBe(true);
  expect(out.text).toMatch(message);
}

describe("lint_scp_policy limits, the same for text and object", () => {
  it(`answers a document of exactly ${n(MAX_DOCUMENT_CHARS)} characters and refuses one more, as text and as an object`, async () => {
    const atLimit = docOfSize(MAX_DOCUMENT_CHARS);
    const over = docOfSize(MAX_DOCUMENT_CHARS + 1);
    expect(JSON.stringify(atLimit)).toHaveLength(MAX_DOCUMENT_CHARS);
    await answered(await lint(JSON.stringify(atLimit)));
    await answered(await lint(atLimit));
    const limit = new RegExp(`${n(MAX_DOCUMENT_CHARS)} characters.*limit`);
    refused(await lint(JSON.stringify(over)), limit);
    refused(await lint(over), limit);
  });

  it(`answers ${n(MAX_STATEMENTS)} statements and refuses ${n(MAX_STATEMENTS + 1)}, as text and as an object`, async () => {
    const ok = doc(Array.from({ length: MAX_STATEMENTS }, () => statement()));
    const over = doc(Array.from({ length: MAX_STATEMENTS + 1 }, () => statement()));
    await answered(await lint(ok));
    await answered(await lint(JSON.stringify(ok)));
    const message = new RegExp(`${n(MAX_STATEMENTS + 1)} statements, over the limit of ${n(MAX_STATEMENTS)}`);
    refused(await lint(over), message);
    refused(await lint(JSON.stringify(over)), message);
  });

  it(`answers ${n(MAX_ELEMENT_ENTRIES)} actions in a statement and refuses one more`, async () => {
    const actions = (k: number) => Array.from({ length: k }, (_, i) => `s3:Get${i}`);
    await answered(await lint(doc([statement({ Action: actions(MAX_ELEMENT_ENTRIES) })])));
    refused(
      await lint(JSON.stringify(doc([statement({ Action: actions(MAX_ELEMENT_ENTRIES + 1) })]))),
      new RegExp(
        `Statement\\[0\\]\\.Action has ${n(MAX_ELEMENT_ENTRIES + 1)} entries, over the limit of ${n(MAX_ELEMENT_ENTRIES)}`,
      ),
    );
  });

  it(`answers ${MAX_CONDITION_KEYS} condition keys and ${n(MAX_CONDITION_VALUES)} values per key, and refuses one more of either`, async () => {
    const keys = (k: number) =>
      Object.fromEntries(Array.from({ length: k }, (_, i) => [`aws:PrincipalTag/t${i}`, "x"]));
    const values = (k: number) => Array.from({ length: k }, (_, i) => `v${i}`);
    await answered(await lint(doc([statement({ Condition: { StringEquals: keys(MAX_CONDITION_KEYS) } })])));
    refused(
      await lint(doc([statement({ Condition: { StringEquals: keys(MAX_CONDITION_KEYS + 1) } })])),
      new RegExp(`Condition has ${MAX_CONDITION_KEYS + 1} keys, over the limit of ${MAX_CONDITION_KEYS}`),
    );
    const valued = (k: number) =>
      doc([statement({ Condition: { StringEquals: { "aws:PrincipalTag/t": values(k) } } })]);
    await answered(await lint(valued(MAX_CONDITION_VALUES)));
    refused(
      await lint(JSON.stringify(valued(MAX_CONDITION_VALUES + 1))),
      new RegExp(
        `has ${n(MAX_CONDITION_VALUES + 1)} values, over the limit of ${n(MAX_CONDITION_VALUES)} per key`,
      ),
    );
  });

  it(`lists ${MAX_FINDINGS_PER_RULE} findings of a rule, counts the rest, and counts them all by severity`, async () => {
    const unknown = Array.from({ length: MAX_ELEMENT_ENTRIES }, (_, i) => `ec2:DescribeInstancez${i}`);
    const { data, text } = await answered(await lint(doc([statement({ Action: unknown })])));
    const listed = data?.findings.filter((f: { ruleId: string }) => f.ruleId === "unknown_action");
    expect(listed).toHaveLength(MAX_FINDINGS_PER_RULE);
    expect(data?.omitted).toMatchObject({ unknown_action: MAX_ELEMENT_ENTRIES - MAX_FINDINGS_PER_RULE });
    expect(data?.bySeverity.high).toBeGreaterThanOrEqual(MAX_ELEMENT_ENTRIES);
    // The listed ones keep their did-you-mean and their line in the text.
    expect(listed[0].suggestedFix).toMatch(/Replace it with "ec2:DescribeInstance/);
    expect(text).toMatch(
      new RegExp(`\\.\\.\\. and ${MAX_ELEMENT_ENTRIES - MAX_FINDINGS_PER_RULE} more unknown_action finding`),
    );
  });
});

describe("simulate_scp_request limits", () => {
  const simulate = (args: Record<string, unknown>) =>
    callTool(client, "simulate_scp_request", {
      accountId: "230000000001",
      actions: ["s3:GetObject"],
      ...args,
    });

  it(`answers ${MAX_SIMULATED_ACTIONS} actions and refuses ${MAX_SIMULATED_ACTIONS + 1}`, async () => {
    const actions = (k: number) =>
      Array.from({ length: k }, (_, i) => (i % 2 ? "s3:GetObject" : "iam:CreateUser"));
    const { data } = await answered(await simulate({ actions: actions(MAX_SIMULATED_ACTIONS) }));
    // Every action's decision; the details a page at a time.
    expect(data?.decisions).toHaveLength(MAX_SIMULATED_ACTIONS);
    expect(data?.page.total).toBe(MAX_SIMULATED_ACTIONS);
    expect(data?.incomplete).toBeNull();
    refused(
      await simulate({ actions: actions(MAX_SIMULATED_ACTIONS + 1) }),
      new RegExp(`at most ${MAX_SIMULATED_ACTIONS} actions per call`),
    );
  });

  it(`answers a context of ${MAX_CONTEXT_KEYS} keys and refuses ${MAX_CONTEXT_KEYS + 1}, before reading any`, async () => {
    const context = (k: number) =>
      Object.fromEntries(Array.from({ length: k }, (_, i) => [`aws:PrincipalTag/t${i}`, "v"]));
    await answered(await simulate({ context: context(MAX_CONTEXT_KEYS) }));
    refused(await simulate({ context: context(MAX_CONTEXT_KEYS + 1) }), /more than 100 keys, the limit/);
  });

  it(`answers ${MAX_CONTEXT_VALUES} values of ${n(MAX_CONTEXT_VALUE_CHARS)} characters and refuses one more of either`, async () => {
    const values = (k: number) => Array.from({ length: k }, (_, i) => `v${i}`);
    await answered(await simulate({ context: { "aws:PrincipalTag/t": values(MAX_CONTEXT_VALUES) } }));
    refused(
      await simulate({ context: { "aws:PrincipalTag/t": values(MAX_CONTEXT_VALUES + 1) } }),
      new RegExp(`at most ${MAX_CONTEXT_VALUES} values per context key`),
    );
    await answered(
      await simulate({ context: { "aws:PrincipalTag/t": "x".repeat(MAX_CONTEXT_VALUE_CHARS) } }),
    );
    refused(
      await simulate({ context: { "aws:PrincipalTag/t": "x".repeat(MAX_CONTEXT_VALUE_CHARS + 1) } }),
      new RegExp(`at most ${n(MAX_CONTEXT_VALUE_CHARS)} characters per context value`),
    );
  });

  it(`answers a context of ${n(MAX_CONTEXT_CHARS)} characters in all and refuses one more`, async () => {
    // Ten keys of 20 characters, their values filling the rest.
    const context = (total: number) => {
      const keys = Array.from({ length: 10 }, (_, i) => `aws:PrincipalTag/k${String(i).padStart(2, "0")}`);
      const each = Math.floor((total - keys.join("").length) / 10);
      const out = Object.fromEntries(keys.map((k) => [k, "v".repeat(each)]));
      out[keys[0] as string] += "v".repeat(total - keys.join("").length - each * 10);
      return out;
    };
    await answered(await simulate({ context: context(MAX_CONTEXT_CHARS) }));
    refused(
      await simulate({ context: context(MAX_CONTEXT_CHARS + 1) }),
      new RegExp(`context is more than ${n(MAX_CONTEXT_CHARS)} characters \\(keys and values\\), the limit`),
    );
  });
});

describe("compare_scp_config limits, the same for text and object", () => {
  const baseline = (
    policies: number,
    targets: (i: number) => number,
    extra: Record<string, unknown> = {},
  ) => ({
    formatVersion: 1,
    ...extra,
    policies: Array.from({ length: policies }, (_, i) => ({
      name: `Draft${i}`,
      content: doc([statement()]),
      targets: Array.from({ length: targets(i) }, () => "Root/Workloads"),
    })),
  });
  const compare = (b: unknown) => callTool(client, "compare_scp_config", { baseline: b });

  it(`answers ${n(MAX_BASELINE_POLICIES)} policies and refuses one more`, async () => {
    const { data } = await answered(await compare(baseline(MAX_BASELINE_POLICIES, () => 0)));
    expect(data?.baseline.policies).toBe(MAX_BASELINE_POLICIES);
    refused(
      await compare(JSON.stringify(baseline(MAX_BASELINE_POLICIES + 1, () => 0))),
      new RegExp(`policies: more than ${n(MAX_BASELINE_POLICIES)} policies, the limit`),
    );
  });

  it(`answers ${n(MAX_POLICY_TARGETS)} targets in a policy and ${n(MAX_BASELINE_TARGETS)} in all, and refuses one more of either`, async () => {
    await answered(await compare(baseline(1, () => MAX_POLICY_TARGETS)));
    refused(
      await compare(baseline(1, () => MAX_POLICY_TARGETS + 1)),
      new RegExp(`policies\\.0\\.targets: more than ${n(MAX_POLICY_TARGETS)} targets, the limit per policy`),
    );
    const policies = MAX_BASELINE_TARGETS / MAX_POLICY_TARGETS;
    await answered(await compare(JSON.stringify(baseline(policies, () => MAX_POLICY_TARGETS))));
    refused(
      await compare(JSON.stringify(baseline(policies + 1, (i) => (i === policies ? 1 : MAX_POLICY_TARGETS)))),
      new RegExp(
        `policies\\.${policies}\\.targets: the baseline names more than ${n(MAX_BASELINE_TARGETS)} targets in all`,
      ),
    );
  });

  it(`answers a baseline of exactly ${n(MAX_BASELINE_CHARS)} characters and refuses one more, as text and as an object`, async () => {
    const sized = (size: number) => {
      const empty = baseline(1, () => 1, { notes: "" });
      return baseline(1, () => 1, { notes: "n".repeat(size - JSON.stringify(empty).length) });
    };
    expect(JSON.stringify(sized(MAX_BASELINE_CHARS))).toHaveLength(MAX_BASELINE_CHARS);
    await answered(await compare(JSON.stringify(sized(MAX_BASELINE_CHARS))));
    await answered(await compare(sized(MAX_BASELINE_CHARS)));
    const limit = new RegExp(`${n(MAX_BASELINE_CHARS)} characters.*the limit of compare_scp_config`);
    refused(await compare(JSON.stringify(sized(MAX_BASELINE_CHARS + 1))), limit);
    refused(await compare(sized(MAX_BASELINE_CHARS + 1)), limit);
  });

  it("holds each policy's document to lint's limits", async () => {
    const b = baseline(1, () => 1);
    (b.policies[0] as { content: unknown }).content = doc(
      Array.from({ length: MAX_STATEMENTS + 1 }, () => statement()),
    );
    refused(
      await compare(b),
      new RegExp(
        `policies\\.0\\.content: the document has ${n(MAX_STATEMENTS + 1)} statements, over the limit`,
      ),
    );
  });

  it("shortens long values in a finding and lists at most 50 targets", async () => {
    const actions = Array.from({ length: 900 }, (_, i) => `ec2:Describe${i}X`);
    const b = {
      formatVersion: 1,
      policies: [
        {
          name: "DenyIamUserCreation",
          content: doc([statement({ Action: actions })]),
          targets: ["ou-a1b2-workload"],
        },
      ],
    };
    const { data, result } = await answered(await compare(b));
    const serialized = JSON.stringify(result);
    expect(serialized).toMatch(/\.\.\.\[\d+ more\]/);
    expect(serialized.length).toBeLessThan(200_000);
    for (const f of data?.findings ?? []) expect(f.targets.length).toBeLessThanOrEqual(50);
  });
});

describe("request bodies", () => {
  const body = (args: Record<string, unknown>) =>
    JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "compare_scp_config", arguments: args },
    });
  const baselineWith = (notes: unknown) => ({ formatVersion: 1, notes, policies: [] });

  it(`answers ${n(MAX_INPUT_ELEMENTS)} JSON values in a request and refuses more, before any tool reads them`, async () => {
    // The envelope's members (4), params' (2), arguments' (1) and the baseline's (3) take 10 of them.
    const ok = await rawPost(
      harness,
      body({ baseline: baselineWith(Array.from({ length: MAX_INPUT_ELEMENTS - 10 }, () => 0)) }),
    );
    expect(ok.status).toBe(200);
    expect((await ok.json()).result.isError).toBeFalsy();
    const over = await rawPost(
      harness,
      body({ baseline: baselineWith(Array.from({ length: MAX_INPUT_ELEMENTS - 9 }, () => 0)) }),
    );
    expect(over.status).toBe(413);
    expect((await over.json()).error.message).toMatch(
      new RegExp(`more than ${n(MAX_INPUT_ELEMENTS)} JSON values .*the limit for one request`),
    );
  });

  it(`answers an object of ${n(MAX_OBJECT_MEMBERS)} members and refuses one more`, async () => {
    const members = (k: number) => Object.fromEntries(Array.from({ length: k }, (_, i) => [`k${i}`, 0]));
    const ok = await rawPost(harness, body({ baseline: baselineWith(members(MAX_OBJECT_MEMBERS)) }));
    expect(ok.status).toBe(200);
    const over = await rawPost(harness, body({ baseline: baselineWith(members(MAX_OBJECT_MEMBERS + 1)) }));
    expect(over.status).toBe(413);
    expect((await over.json()).error.message).toMatch(/an object with more than 1,000 members/);
  });

  it("refuses on the worker thread a large body of too many values, from its commas, parsing or not", async () => {
    const tiny = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"lint_scp_policy","arguments":{"document":{"Statement":[${"[],".repeat(200_000)}[]]}}}}`;
    const over = await rawPost(harness, tiny);
    expect(over.status).toBe(413);
    expect((await over.json()).error.message).toMatch(/more than 50,000 JSON values/);
    const broken = await rawPost(harness, tiny.slice(0, -1));
    expect(broken.status).toBe(413);
    const text = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"analyze_error_log","arguments":{"text":${JSON.stringify("x".repeat(300_000))}}}}`;
    const large = await rawPost(harness, text);
    expect(large.status).toBe(200);
    expect((await large.json()).result.structuredContent.counts.characters).toBe(300_000);
  });

  it("answers a body nested 31,000 levels deep with an error naming the argument", async () => {
    // Found by the fuzz suite: every level once copied its path, and this 62 KB body held the loop 100 s.
    const depth = 31_000;
    const body = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"simulate_scp_request","arguments":{"accountId":"230000000001","actions":["s3:GetObject"],"context":${"[".repeat(depth)}${"]".repeat(depth)}}}}`;
    const response = await rawPost(harness, body);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { result: { isError: boolean; content: { text: string }[] } };
    expect(answer.result.isError).toBe(true);
    expect(answer.result.content[0]?.text).toMatch(
      /simulate_scp_request: .*expected record, received array at context/,
    );
  });

  it("refuses a body over MAX_REQUEST_BODY_BYTES (10 MiB by default) by its length", async () => {
    const res = await rawPost(harness, "x".repeat(10 * 1024 * 1024 + 1));
    expect(res.status).toBe(413);
    expect((await res.json()).error.message).toMatch(/the limit is 10485760 bytes/);
  });
});

describe("the call budget (CALL_BUDGET_MS)", () => {
  let tight: Client;
  beforeAll(async () => {
    tight = await connect(await startHarness({ CALL_BUDGET_MS: "1" }));
  });
  afterAll(async () => tight.close());

  it("simulate: the actions evaluated and those not", async () => {
    const actions = Array.from({ length: MAX_SIMULATED_ACTIONS }, (_, i) =>
      i % 2 ? "s3:GetObject" : "iam:CreateUser",
    );
    const { data, text } = await answered(
      await callTool(tight, "simulate_scp_request", { accountId: "230000000001", actions }),
    );
    const stopped = data?.incomplete;
    expect(stopped.reason).toMatch(/time budget of 1 ms .*CALL_BUDGET_MS/);
    expect(stopped.finishedCount + stopped.notFinishedCount).toBe(MAX_SIMULATED_ACTIONS);
    expect(stopped.notFinishedCount).toBeGreaterThan(0);
    expect(data?.decisions).toHaveLength(stopped.finishedCount);
    expect(text).toMatch(/Stopped early: .*Actions not evaluated: \d+/);
  });

  it("lint: the rules run and those not, on the event loop and on the worker thread", async () => {
    const statements = (k: number) =>
      doc(
        Array.from({ length: k }, (_, i) =>
          statement({ Sid: `S${i}`, Action: ["s3:GetObject", `ec2:Describez${i}`] }),
        ),
      );
    for (const document of [JSON.stringify(statements(150)), JSON.stringify(statements(1_000))]) {
      const { data, text } = await answered(await callTool(tight, "lint_scp_policy", { document }));
      expect(data?.incomplete.finished).toContain("invalid_json");
      expect(data?.incomplete.notFinished).toContain("deny_without_exemption");
      expect(text).toMatch(/Rules not run: \d+/);
    }
  });

  it("analyze: the denials evaluated and those not", async () => {
    const text = Array.from(
      { length: 10 },
      (_, i) =>
        `User: arn:aws:sts::230000000001:assumed-role/app/s is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k${i} with an explicit deny in a service control policy`,
    ).join("\n");
    const { data } = await answered(await callTool(tight, "analyze_error_log", { text }));
    expect(data?.found).toBe(10);
    expect(data?.incomplete.notFinishedCount).toBeGreaterThan(0);
    const skipped = data?.denials.filter((d: { evaluated: boolean }) => !d.evaluated);
    expect(skipped.length).toBe(data?.incomplete.notFinishedCount);
    expect(skipped[0].notEvaluatedReason).toMatch(/CALL_BUDGET_MS.*ask about this denial in a separate call/);
  });

  it("compare: the baseline policies compared and those not", async () => {
    const { data } = await answered(await callTool(tight, "compare_scp_config", {}));
    expect(data?.incomplete.notFinishedCount).toBeGreaterThan(0);
    expect(data?.incomplete.finishedCount + data?.incomplete.notFinishedCount).toBeGreaterThanOrEqual(14);
  });
});

describe("the call budget and the tool deadline (TOOL_DEADLINE_SECONDS) together", () => {
  it("stops the computation a little before the deadline, so a call that waited for AWS answers what it did", async () => {
    const h = await startHarness({ CALL_BUDGET_MS: "600000" });
    h.runtime.toolDeadlineMs = 3000;
    const org = h.runtime.org;
    if (!org) throw new Error("no organization");
    // AWS slow to answer: the chain comes 2.8 s into the call, past the budget's stop (2.7 s), before the deadline.
    const effectiveChain = org.effectiveChain.bind(org);
    let delayed = false;
    org.effectiveChain = async (...args: Parameters<typeof effectiveChain>) => {
      if (!delayed) await new Promise((resolve) => setTimeout(resolve, 2800));
      delayed = true;
      return effectiveChain(...args);
    };
    const slow = await connect(h);
    try {
      const { data, text } = await answered(
        await callTool(slow, "simulate_scp_request", {
          accountId: "230000000001",
          actions: ["s3:GetObject", "iam:CreateUser"],
        }),
      );
      expect(data?.incomplete.reason).toMatch(
        /deadline of 3 s, waiting for AWS included \(TOOL_DEADLINE_SECONDS\)/,
      );
      expect(data?.incomplete.notFinished).toEqual(["s3:GetObject", "iam:CreateUser"]);
      expect(text).toMatch(/Stopped early/);
    } finally {
      await slow.close();
    }
  });
});
