/** Every lint rule against fixtures under test/fixtures/lint/, with the IAM catalogue loaded. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { getCatalogue, type Catalogue } from "../../src/policy/catalogue.js";
import type { IamIndex } from "../../src/policy/iam-index.js";
import {
  LINT_RULE_IDS,
  lintPolicy,
  prepareLint,
  type LintFinding,
  type LintTarget,
} from "../../src/policy/lint.js";

const DIR = join(import.meta.dirname, "../fixtures/lint");

interface Expectation {
  ruleId: string;
  severity?: string;
  statementIndex?: number;
  element?: string;
  line?: number;
  messageContains?: string;
  fixContains?: string;
}

interface Case {
  description: string;
  type: "SERVICE_CONTROL_POLICY" | "RESOURCE_CONTROL_POLICY";
  document: string | object;
  expected: Expectation[];
  absent?: Expectation[];
  exact: boolean;
  limits?: Record<string, number>;
  targets?: LintTarget[];
}

const cases = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .map((f) => ({
    name: f.replace(/\.json$/, ""),
    c: JSON.parse(readFileSync(join(DIR, f), "utf8")) as Case,
  }));

function matches(f: LintFinding, e: Expectation): boolean {
  return (
    f.ruleId === e.ruleId &&
    (e.severity === undefined || f.severity === e.severity) &&
    (e.statementIndex === undefined || f.location.statementIndex === e.statementIndex) &&
    (e.element === undefined || f.location.element === e.element) &&
    (e.line === undefined || f.location.line === e.line) &&
    (e.messageContains === undefined || f.message.includes(e.messageContains)) &&
    (e.fixContains === undefined || (f.suggestedFix ?? "").includes(e.fixContains))
  );
}

let data: { catalogue: Catalogue; iam: IamIndex };
beforeAll(async () => {
  data = await prepareLint(cases.map(({ c }) => c.document));
});

describe("lint fixtures", () => {
  it("cover every rule", () => {
    const covered = new Set(cases.flatMap(({ c }) => c.expected.map((e) => e.ruleId)));
    expect(LINT_RULE_IDS.filter((r) => !covered.has(r))).toEqual([]);
  });

  for (const { name, c } of cases) {
    it(`${name}: ${c.description}`, () => {
      // Documents given as objects are linted as the pretty-printed text a file would hold.
      const text = typeof c.document === "string" ? c.document : JSON.stringify(c.document, null, 2);
      const result = lintPolicy(text, {
        type: c.type,
        ...data,
        ...(c.limits ? { limits: c.limits } : {}),
        ...(c.targets ? { targets: c.targets } : {}),
      });
      const shown = result.findings
        .map((f) => `${f.severity} ${f.ruleId} ${f.location.statementIndex} ${f.message}`)
        .join("\n");
      expect(result.skipped).toEqual([]);
      for (const e of c.expected)
        expect(
          result.findings.some((f) => matches(f, e)),
          `${JSON.stringify(e)} in\n${shown}`,
        ).toBe(true);
      for (const e of c.absent ?? [])
        expect(
          result.findings.some((f) => matches(f, e)),
          shown,
        ).toBe(false);
      if (c.exact) expect(result.findings.length, shown).toBe(c.expected.length);
      for (const f of result.findings) {
        // Every finding says where: a path, and a line in the text.
        expect(f.location.path).toBeTruthy();
        expect(f.location.line).toBeGreaterThanOrEqual(1);
      }
    });
  }
});

describe("lint without the catalogue", () => {
  it("skips the catalogue rules and says so", () => {
    const result = lintPolicy(
      {
        Version: "2012-10-17",
        Statement: [{ Effect: "Deny", Action: "guardduty:DeleteDetecter", Resource: "*" }],
      },
      {
        type: "SERVICE_CONTROL_POLICY",
        catalogue: {
          ...getCatalogue(),
          loaded: false,
          checkAction: () => ({ action: "", service: "", status: "not_loaded" }),
          serviceExists: () => undefined,
          rcpSupportsService: () => undefined,
          rcpServices: () => undefined,
        },
      },
    );
    expect(result.findings.map((f) => f.ruleId)).toEqual(["deny_without_exemption"]);
    expect(result.skipped.length).toBe(2);
  });

  it("finds the demo organization's mistakes", async () => {
    const demo = JSON.parse(
      readFileSync(join(import.meta.dirname, "../../src/org/demo/demo-organization.json"), "utf8"),
    );
    const byId = new Map<string, { content: string; type: Case["type"] }>(
      demo.policies.map((p: any) => [p.id, p]),
    );
    const lint = async (id: string) => {
      const p = byId.get(id)!;
      const d = await prepareLint([p.content]);
      return lintPolicy(p.content, { type: p.type, ...d }).findings.map((f) => f.ruleId);
    };
    expect(await lint("p-protectsec1")).toEqual(["unknown_action"]);
    expect(await lint("p-regiondeny1")).toEqual(["region_deny_missing_global_services"]);
    expect(await lint("p-denyiamusr1")).toEqual(["deny_without_exemption"]);
    expect(await lint("p-FullAWSAccess")).toEqual([]);
    expect(await lint("p-RCPFullAWSAccess")).toEqual([]);
    expect(await lint("p-rcpenforce1")).toEqual([]);
  });
});
