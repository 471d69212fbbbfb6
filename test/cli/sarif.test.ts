/** The CLI's SARIF is valid SARIF 2.1.0 (against the schema in test/fixtures/sarif/). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

const schema = JSON.parse(
  readFileSync(join(import.meta.dirname, "../fixtures/sarif/sarif-schema-2.1.0.json"), "utf8"),
);
// The schema is draft-04, whose "id" Ajv 8 reads as "$id"; nothing else in it differs from draft-07.
const { $schema: _draft, id, ...rest } = schema;
// One pattern in the schema (language tags) is not valid as a unicode regular expression.
const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const validate = ajv.compile({ $id: id, ...rest });

function expectValid(text: string): any {
  const log = JSON.parse(text);
  const ok = validate(log);
  expect(ok, JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toBe(true);
  return log;
}

describe("SARIF", () => {
  it("the schema rejects what is not SARIF", () => {
    expect(validate({ version: "2.1.0" })).toBe(false);
    expect(validate({ version: "2.1.0", runs: [{ tool: { driver: {} }, results: [] }] })).toBe(false);
  });

  it("audit output is valid SARIF 2.1.0 with a rule for every kind", async () => {
    const log = expectValid(
      (
        await cli(
          "audit",
          "--snapshot",
          "src/org/demo/demo-organization.json",
          "--baseline",
          "src/org/demo/demo-baseline.json",
          "--format",
          "sarif",
        )
      ).stdout,
    );
    const run = log.runs[0];
    expect(run.tool.driver.rules.map((r: any) => r.id)).toContain("full_aws_access_detached");
    for (const r of run.results) {
      expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
      expect(["error", "warning", "note"]).toContain(r.level);
      expect(r.partialFingerprints["driftFinding/v1"]).toMatch(/^[0-9a-f]{8}$/);
    }
    const critical = run.results.find((r: any) => r.properties.severity === "critical");
    expect(critical.level).toBe("error");
    // GitHub reads security-severity from the rule: the rule of a critical finding carries 9.x.
    expect(
      Number(run.tool.driver.rules[critical.ruleIndex].properties["security-severity"]),
    ).toBeGreaterThanOrEqual(9);
  });

  it("audit output without a baseline file still validates (logical locations only)", async () => {
    const log = expectValid((await cli("audit", "--demo", "--format", "sarif")).stdout);
    expect(log.runs[0].results[0].locations[0].logicalLocations[0].name).toBeTruthy();
  });

  it("lint output is valid SARIF 2.1.0 with file lines", async () => {
    const log = expectValid(
      (
        await cli(
          "lint",
          "test/fixtures/drift/cli/draft-policy.json",
          "--demo",
          "p-regiondeny1",
          "--format",
          "sarif",
        )
      ).stdout,
    );
    const results = log.runs[0].results;
    const typo = results.find((r: any) => r.ruleId === "unknown_action");
    expect(typo.locations[0].physicalLocation).toMatchObject({
      artifactLocation: { uri: "test/fixtures/drift/cli/draft-policy.json" },
      region: { startLine: 7 },
    });
    expect(
      results.find((r: any) => r.ruleId === "region_deny_missing_global_services").locations[0]
        .physicalLocation.artifactLocation.uri,
    ).toBe("aws-organizations/policies/p-regiondeny1.json");
  });

  it("an empty result is valid too", async () => {
    const log = expectValid(
      (await cli("lint", "test/fixtures/drift/cli/clean-policy.json", "--format", "sarif")).stdout,
    );
    expect(log.runs[0].results).toEqual([]);
  });
});
