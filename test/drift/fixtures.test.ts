/**
 * Fixture pairs under test/fixtures/drift/: a baseline and the organization's policies (laid on the
 * tree of base-organization.json), with the findings compare_scp_config must report.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { computeDrift } from "../../src/audit/drift.js";
import { OrganizationService } from "../../src/org/service.js";
import { createSnapshotReader, parseSnapshot } from "../../src/org/snapshot-reader.js";
import { parseBaseline } from "../../src/policy/baseline-schema.js";
import { DRIFT_KINDS, type DriftFinding } from "../../src/policy/diff.js";
import { loadIamIndex, type IamIndex } from "../../src/policy/iam-index.js";

const DIR = join(import.meta.dirname, "../fixtures/drift");
const base = JSON.parse(readFileSync(join(DIR, "base-organization.json"), "utf8"));

interface Case {
  description: string;
  baseline: unknown;
  policies: {
    id: string;
    name: string;
    type?: string;
    awsManaged?: boolean;
    content: unknown;
    targetIds: string[];
  }[];
  allowedOuIds?: string[];
  scopeId?: string;
  expected: Record<string, any>[];
  forbiddenTargets?: string[];
}

const cases = readdirSync(DIR)
  .filter((f) => f.endsWith(".json") && f !== "base-organization.json")
  .map((f) => ({
    name: f.replace(/\.json$/, ""),
    c: JSON.parse(readFileSync(join(DIR, f), "utf8")) as Case,
  }));

export function organizationFor(c: Pick<Case, "policies" | "allowedOuIds">): OrganizationService {
  const snapshot = parseSnapshot(
    {
      ...base,
      policies: c.policies.map((p) => ({
        type: "SERVICE_CONTROL_POLICY",
        awsManaged: false,
        description: "",
        ...p,
        // Stored as Organizations stores it: text, pretty-printed.
        content: typeof p.content === "string" ? p.content : JSON.stringify(p.content, null, 2),
      })),
    },
    "fixture",
  );
  return new OrganizationService(createSnapshotReader(snapshot), c.allowedOuIds);
}

function matches(f: DriftFinding, e: Record<string, any>): boolean {
  if (f.kind !== e.kind || f.policy.name !== e.policy) return false;
  if (e.direction !== undefined && f.direction !== e.direction) return false;
  if (e.difference !== undefined && JSON.stringify(f.difference) !== JSON.stringify(e.difference))
    return false;
  if (e.targets !== undefined && JSON.stringify(f.targets.map((t) => t.id)) !== JSON.stringify(e.targets))
    return false;
  return true;
}

let iam: IamIndex;
beforeAll(async () => {
  iam = await loadIamIndex([
    "s3",
    "ec2",
    "iam",
    "kms",
    "cloudtrail",
    "logs",
    "rds",
    "organizations",
    "sts",
    "glacier",
  ]);
});

describe("drift fixtures", () => {
  it("cover every finding kind", () => {
    const kinds = new Set(cases.flatMap(({ c }) => c.expected.map((e) => e.kind)));
    expect([...DRIFT_KINDS].filter((k) => !kinds.has(k))).toEqual([]);
  });

  for (const { name, c } of cases) {
    it(`${name}: ${c.description}`, async () => {
      const report = await computeDrift(organizationFor(c), {
        baseline: parseBaseline(c.baseline),
        iam,
        ...(c.scopeId ? { scopeId: c.scopeId } : {}),
      });
      const shown = report.findings.map(
        (f) => `${f.direction} ${f.severity} ${f.kind} ${f.policy.name} ${f.difference}`,
      );
      // Exactly the expected findings: one each, nothing more.
      expect(report.findings.length, shown.join("\n")).toBe(c.expected.length);
      for (const e of c.expected) {
        const hit = report.findings.find((f) => matches(f, e));
        expect(hit, `${JSON.stringify(e)} not in:\n${shown.join("\n")}`).toBeDefined();
        const { policy: _p, targets: _t, ...rest } = e;
        expect(hit).toMatchObject(rest);
      }
      for (const id of c.forbiddenTargets ?? []) {
        expect(report.findings.flatMap((f) => f.targets.map((t) => t.id))).not.toContain(id);
      }
      // Ranked: weakening first, then tightening, then neutral; by severity within each.
      const order = { weakens: 0, tightens: 1, neutral: 2 };
      const sev = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
      for (let i = 1; i < report.findings.length; i++) {
        const a = report.findings[i - 1]!;
        const b = report.findings[i]!;
        expect(order[a.direction] * 10 + sev[a.severity]).toBeLessThanOrEqual(
          order[b.direction] * 10 + sev[b.severity],
        );
      }
      // Every finding has a stable id and a one-line explanation.
      for (const f of report.findings) {
        expect(f.id).toMatch(/^[0-9a-f]{8}$/);
        expect(f.explanation).not.toContain("\n");
      }
    });
  }

  it("gives the same ids on a second run", async () => {
    const c = cases.find((x) => x.name === "conditions")!.c;
    const run = () => computeDrift(organizationFor(c), { baseline: parseBaseline(c.baseline), iam });
    expect((await run()).findings.map((f) => f.id)).toEqual((await run()).findings.map((f) => f.id));
  });

  it("filters by policy name or id and says when nothing matches", async () => {
    const c = cases.find((x) => x.name === "conditions")!.c;
    const org = organizationFor(c);
    const baseline = parseBaseline(c.baseline);
    const byName = await computeDrift(org, { baseline, iam, policy: "denyregions" });
    expect(byName.findings.map((f) => f.policy.name)).toEqual(["DenyRegions"]);
    const byId = await computeDrift(org, { baseline, iam, policy: "p-prottrail01" });
    expect(byId.findings.map((f) => f.policy.name)).toEqual(["ProtectTrail"]);
    await expect(computeDrift(org, { baseline, iam, policy: "NoSuchPolicy" })).rejects.toThrow(
      /No policy named/,
    );
  });

  it("refuses a scopeId outside the allowed scope", async () => {
    const c = cases.find((x) => x.name === "allowed-scope")!.c;
    await expect(
      computeDrift(organizationFor(c), {
        baseline: parseBaseline(c.baseline),
        iam,
        scopeId: "ou-aaaa-sandbox0",
      }),
    ).rejects.toThrow(/outside the allowed scope/);
  });
});
