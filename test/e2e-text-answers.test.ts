/**
 * The text carries the answer (issue 19): a client that shows the model only the text content, not
 * structuredContent, still gets what the usual question needs. Each case reads the structured answer
 * for the facts and checks that the text says them, over HTTP against the demo organization.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callTool, connect, startHarness } from "./helpers/harness.js";

let client: Client;
beforeAll(async () => {
  client = await connect(await startHarness());
});
afterAll(async () => client.close());

const call = async (name: string, args: Record<string, unknown>) => {
  const out = await callTool(client, name, args);
  expect(out.result.isError, out.text).toBeFalsy();
  return { text: out.text, data: out.data! };
};

interface Located {
  policyId: string;
  statementIndex: number;
  sid: string | null;
  targetId: string;
}

/** The text names a statement as a person looks it up: policy, Sid and index, where attached. */
const expectNamed = (text: string, s: Located): void => {
  expect(text).toContain(s.policyId);
  expect(text).toContain(`#${s.statementIndex}`);
  if (s.sid) expect(text).toContain(`"${s.sid}"`);
  expect(text).toContain(s.targetId);
};

describe("an answer that depends on the request context says on what, and what each value gives", () => {
  // EC2 in app-prod: RequireCostCenterTag and RequireIMDSv2 (Prod OU) decide it, on keys the caller did not give.
  const ask = { accountId: "230000000001", actions: ["ec2:RunInstances"], region: "eu-west-1" };

  it("simulate_scp_request: the undecided statements, their open conditions and the outcomes", async () => {
    const { text, data } = await call("simulate_scp_request", {
      ...ask,
      principalArn: "arn:aws:iam::230000000001:role/Developer",
    });
    const scp = data.results[0].scp;
    expect(scp.decision).toBe("depends_on_context");
    expect(scp.undecided.length).toBeGreaterThanOrEqual(2);
    for (const s of scp.undecided) expectNamed(text, s);
    for (const key of scp.missingContextKeys) expect(text).toContain(key);
    expect(text).toContain("Null aws:RequestTag/CostCenter [true]");
    expect(text).toContain("StringNotEquals ec2:MetadataHttpTokens [required]");
    for (const o of scp.outcomes) expect(text).toContain(`outcome: ${o.decision.replace(/_/g, " ")}`);
    // The values that give an allowed answer, where the engine found them.
    const allowed = scp.outcomes.find((o: { decision: string }) => o.decision === "allowed");
    if (allowed?.context) expect(text).toContain('ec2:MetadataHttpTokens="required"');
  });

  it("analyze_error_log: the same, for a pasted denial whose keys the log does not carry", async () => {
    const { text, data } = await call("analyze_error_log", {
      text:
        "User: arn:aws:sts::230000000001:assumed-role/Developer/s is not authorized to perform: ec2:RunInstances " +
        "on resource: arn:aws:ec2:eu-west-1:230000000001:instance/* with an explicit deny in a service control policy",
    });
    const scp = data.denials[0].scp;
    expect(scp.decision).toBe("depends_on_context");
    for (const s of scp.undecided) expectNamed(text, s);
    expect(text).toMatch(/outcome: explicitly denied/);
    expect(text).toMatch(/outcome: allowed .*ec2:MetadataHttpTokens="required"/);
  });
});

describe("a decided answer names what decided it", () => {
  it("simulate_scp_request: the denying statement, and the level with no Allow", async () => {
    const { text, data } = await call("simulate_scp_request", {
      accountId: "240000000003",
      actions: ["s3:ListAllMyBuckets", "iam:CreateUser"],
      region: "eu-west-1",
      principalArn: "arn:aws:iam::240000000003:role/Developer",
    });
    for (const r of data.results) {
      expect(text).toContain(`${r.action}: ${r.decision.replace(/_/g, " ")}`);
      for (const s of r.scp.deniedBy) expectNamed(text, s);
      for (const m of r.scp.missingAllowAt)
        expect(text).toContain(`no Allow at OU ${m.targetName} (${m.targetId})`);
    }
  });

  it("get_effective_scps: each level's policies, and each policy's statements", async () => {
    const { text, data } = await call("get_effective_scps", { accountId: "240000000003" });
    for (const level of data.levels) {
      expect(text).toContain(level.target.id);
      for (const p of level.policies) expect(text).toContain(p.id);
    }
    for (const p of data.policies)
      for (const s of p.document.statements)
        expect(text).toContain(`#${s.index}${s.sid ? ` "${s.sid}"` : ""}:`);
  });

  it("get_scp_detail: every statement in one line, with its conditions", async () => {
    const { text, data } = await call("get_scp_detail", { policyId: "p-protectnet1" });
    expect(data.document.statements.length + data.document.omittedStatements).toBeGreaterThan(1);
    const all = (JSON.parse(data.document.raw) as { Statement: { Sid?: string }[] }).Statement;
    all.forEach((s, i) => expect(text).toContain(`#${i}${s.Sid ? ` "${s.Sid}"` : ""}:`));
  });
});
