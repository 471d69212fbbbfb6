/**
 * review-plan on Terraform plan fixtures (test/fixtures/plans): classification with the drift kinds,
 * one flipped request per weakening or tightening (checked again here with the evaluator), nothing
 * for cosmetic changes, the four formats, exit codes like audit, and the replay with --activity.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { demoSnapshot } from "../../src/org/demo/demo-snapshot.js";
import { OrganizationService } from "../../src/org/service.js";
import { createSnapshotReader } from "../../src/org/snapshot-reader.js";
import { evaluate } from "../../src/policy/evaluate.js";
import { applyChanges } from "../../src/preview/change.js";
import { cli, ROOT } from "./helpers.js";

const PLAN = "test/fixtures/plans/guardrails.json";

async function json(...args: string[]): Promise<{ code: number; out: any; stderr: string }> {
  const r = await cli("review-plan", ...args, "--format", "json");
  return { code: r.code, out: JSON.parse(r.stdout), stderr: r.stderr };
}

describe("review-plan", () => {
  it("classifies each SCP change with the drift kinds, weakening first; the cosmetic rewrite gives nothing", async () => {
    const { code, out } = await json(PLAN);
    expect(code).toBe(1);
    expect(out.summary).toMatchObject({
      reviewed: 5,
      total: 4,
      byDirection: { weakens: 2, tightens: 2, neutral: 0 },
    });
    expect(out.findings.map((f: any) => [f.address, f.kind, f.direction])).toEqual([
      ["aws_organizations_policy.region_deny", "deny_actions_removed", "weakens"],
      ["aws_organizations_policy_attachment.deny_iam_users", "attachment_missing", "weakens"],
      ["aws_organizations_policy.kms_protect", "policy_unexpected", "tightens"],
      ["aws_organizations_policy_attachment.kms_protect_prod", "attachment_unexpected", "tightens"],
    ]);
    expect(out.cosmetic).toEqual(["aws_organizations_policy.deny_leave"]);
    for (const f of out.findings) {
      expect(f.witness, f.address).not.toBeNull();
      const flipped =
        f.direction === "weakens"
          ? [f.witness.before.endsWith("denied"), f.witness.after === "allowed"]
          : [f.witness.before === "allowed", f.witness.after.endsWith("denied")];
      expect(flipped).toEqual([true, true]);
    }
  });

  it("the flipped request, evaluated again on the organization's chain, flips", async () => {
    const { out } = await json(PLAN, "--demo");
    const f = out.findings.find((x: any) => x.kind === "deny_actions_removed");
    const w = f.witness;
    expect(w.accountId).toMatch(/^2[34]0000000/);
    const org = new OrganizationService(createSnapshotReader(demoSnapshot(), "demo"), undefined);
    const before = await org.effectiveChain(w.accountId, "SERVICE_CONTROL_POLICY");
    const plan = JSON.parse(readFileSync(join(ROOT, PLAN), "utf8"));
    const content = plan.resource_changes[0].change.after.content;
    const after = applyChanges(before, [
      { kind: "update", policyId: "p-regiondeny1", policyType: "SERVICE_CONTROL_POLICY", content },
    ]);
    const request = {
      action: w.action,
      principalArn: w.principalArn,
      resource: w.resource,
      region: w.region,
      context: w.context,
    };
    const options = { missingKeys: "absent" as const };
    expect(evaluate(request, before, options).decision).toBe("explicitly_denied");
    expect(evaluate(request, after, options).decision).toBe("allowed");
    expect(w.action).toMatch(/^(cloudfront|route53):/);
  });

  it("a condition loosened in a child module: the request it flips is made by the new exemption", async () => {
    const { code, out } = await json("test/fixtures/plans/exemption-added.json", "--demo");
    expect(code).toBe(1);
    expect(out.findings).toHaveLength(1);
    expect(out.findings[0]).toMatchObject({
      address: "module.guardrails.aws_organizations_policy.protect_payments",
      kind: "condition_loosened",
      direction: "weakens",
      witness: {
        principalArn: expect.stringMatching(/:role\/payments-ops$/),
        before: "explicitly_denied",
        after: "allowed",
      },
    });
  });

  it("Markdown for a pull-request comment, SARIF pointing at the plan's resource, text", async () => {
    const md = await cli("review-plan", PLAN, "--format", "markdown");
    expect(md.stdout).toContain("## SCP and RCP changes in this plan");
    expect(md.stdout).toContain(
      "| high | weakens | `deny_actions_removed` | `aws_organizations_policy.region_deny` |",
    );
    const sarif = JSON.parse((await cli("review-plan", PLAN, "--format", "sarif")).stdout);
    const result = sarif.runs[0].results[0];
    expect(result).toMatchObject({ ruleId: "deny_actions_removed", level: "error" });
    expect(result.locations[0].physicalLocation.artifactLocation.uri).toBe(PLAN);
    const lines = readFileSync(join(ROOT, PLAN), "utf8").split("\n");
    expect(lines[result.locations[0].physicalLocation.region.startLine - 1]).toContain("{");
    const text = await cli("review-plan", PLAN);
    expect(text.stdout).toContain("e.g. cloudfront:");
  });

  it("exit codes like audit: --fail-on high passes tightenings, none always passes", async () => {
    expect((await cli("review-plan", PLAN, "--fail-on", "critical")).code).toBe(0);
    expect((await cli("review-plan", PLAN, "--fail-on", "high")).code).toBe(1);
    expect((await cli("review-plan", PLAN, "--fail-on", "none")).code).toBe(0);
  });

  it("a plan without organization-policy changes says so and passes", async () => {
    const r = await cli("review-plan", "test/fixtures/plans/no-scp-changes.json");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("The plan changes no SCP or RCP: nothing to review.");
    expect(r.stdout).toContain("aws_organizations_policy.tags is a TAG_POLICY, not an SCP or RCP");
  });

  it("a document that is not a valid SCP is a finding with the reason, and the rest is still reviewed", async () => {
    const { out } = await json("test/fixtures/plans/invalid-document.json");
    const bad = out.findings.find((f: any) => f.kind === "policy_unparseable");
    expect(bad.explanation).toMatch(/not a valid SCP: .*Effect.*AWS would reject it at apply/);
    expect(out.findings.some((f: any) => f.kind === "policy_unexpected")).toBe(true);
  });

  it("input that is not a plan, and --activity without an organization, are usage errors (2)", async () => {
    const notPlan = await cli("review-plan", "package.json");
    expect(notPlan.code).toBe(2);
    expect(notPlan.stderr).toContain("it is not `terraform show -json` output");
    const noOrg = await cli("review-plan", PLAN, "--activity", "src/org/demo/demo-activity.json");
    expect(noOrg.code).toBe(2);
    expect(noOrg.stderr).toContain("--activity needs the organization");
    expect((await cli("review-plan")).code).toBe(2);
  });

  it("--activity replays the recorded requests under the whole plan", async () => {
    const { out } = await json(PLAN, "--demo", "--activity", "src/org/demo/demo-activity.json");
    expect(out.replay.replay.newlyAllowed.map((g: any) => g.action)).toContain(
      "cloudfront:CreateInvalidation",
    );
    expect(out.replay.replay.counts.replayed).toBeGreaterThan(150);
  });
});
