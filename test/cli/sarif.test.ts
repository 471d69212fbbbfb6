/**
 * The CLI's SARIF is valid SARIF 2.1.0 (against the schema in test/fixtures/sarif/) and meets what
 * GitHub code scanning documents for uploads ("SARIF support for code scanning", docs.github.com:
 * code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning): the
 * required properties of the log, run, tool, rules and results, a physical location for every
 * result (artifact URI and a region with start and end line and column), partialFingerprints, and
 * the documented limits. Every location must also name a file that exists (given, or written by the
 * command) and a region inside it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { cli, ROOT, type CliRun } from "./helpers.js";

const DEMO_ORG = "src/org/demo/demo-organization.json";
const DEMO_BASELINE = "src/org/demo/demo-baseline.json";
const DRAFT = "test/fixtures/drift/cli/draft-policy.json";

const schema = JSON.parse(
  readFileSync(join(import.meta.dirname, "../fixtures/sarif/sarif-schema-2.1.0.json"), "utf8"),
);
// The schema is draft-04, whose "id" Ajv 8 reads as "$id"; nothing else in it differs from draft-07.
const { $schema: _draft, id, ...rest } = schema;
// One pattern in the schema (language tags) is not valid as a unicode regular expression.
const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const validate = ajv.compile({ $id: id, ...rest });

const nonEmpty = (v: unknown): v is string => typeof v === "string" && v.length > 0;

/** What GitHub code scanning documents as required or limited, as a list of problems. */
export function githubCodeScanningProblems(log: any): string[] {
  const problems: string[] = [];
  if (!nonEmpty(log.$schema)) problems.push("sarifLog.$schema is required");
  if (log.version !== "2.1.0") problems.push("sarifLog.version must be 2.1.0");
  if (!Array.isArray(log.runs) || log.runs.length === 0) problems.push("sarifLog.runs[] is required");
  for (const [r, run] of (log.runs ?? []).entries()) {
    const driver = run.tool?.driver;
    if (!nonEmpty(driver?.name)) problems.push(`runs[${r}].tool.driver.name is required`);
    if (!Array.isArray(driver?.rules)) problems.push(`runs[${r}].tool.driver.rules[] is required`);
    const rules: any[] = driver?.rules ?? [];
    for (const [i, rule] of rules.entries()) {
      const at = `runs[${r}].rules[${i}]`;
      if (!nonEmpty(rule.id)) problems.push(`${at}.id is required`);
      if (rule.name !== undefined && (!nonEmpty(rule.name) || rule.name.length > 255))
        problems.push(`${at}.name is limited to 255 characters`);
      for (const field of ["shortDescription", "fullDescription"]) {
        const text = rule[field]?.text;
        if (!nonEmpty(text) || text.length > 1024)
          problems.push(`${at}.${field}.text is required, at most 1024 characters`);
      }
      if (!nonEmpty(rule.help?.text)) problems.push(`${at}.help.text is required`);
      const level = rule.defaultConfiguration?.level;
      if (level !== undefined && !["note", "warning", "error"].includes(level))
        problems.push(`${at}.defaultConfiguration.level must be note, warning or error`);
      const score = rule.properties?.["security-severity"];
      if (score !== undefined && !(Number(score) > 0 && Number(score) <= 10))
        problems.push(`${at}.properties.security-severity must be a score in (0, 10]`);
    }
    if (!Array.isArray(run.results)) problems.push(`runs[${r}].results[] is required`);
    for (const [i, result] of (run.results ?? []).entries()) {
      const at = `runs[${r}].results[${i}]`;
      if (!nonEmpty(result.message?.text)) problems.push(`${at}.message.text is required`);
      if (result.ruleId !== undefined && !rules.some((rule) => rule.id === result.ruleId))
        problems.push(`${at}.ruleId names no rule`);
      if (result.ruleIndex !== undefined && rules[result.ruleIndex]?.id !== result.ruleId)
        problems.push(`${at}.ruleIndex does not point at its rule`);
      const fingerprints = Object.values(result.partialFingerprints ?? {});
      if (fingerprints.length === 0 || !fingerprints.every(nonEmpty))
        problems.push(`${at}.partialFingerprints is required`);
      const locations = result.locations;
      if (!Array.isArray(locations) || locations.length < 1 || locations.length > 10) {
        problems.push(`${at}.locations[] must hold 1 to 10 locations`);
        continue;
      }
      for (const [j, location] of locations.entries()) {
        const physical = location.physicalLocation;
        const where = `${at}.locations[${j}].physicalLocation`;
        if (!nonEmpty(physical?.artifactLocation?.uri))
          problems.push(`${where}.artifactLocation.uri is required`);
        const region = physical?.region ?? {};
        for (const field of ["startLine", "startColumn", "endLine", "endColumn"])
          if (!Number.isInteger(region[field]) || region[field] < 1)
            problems.push(`${where}.region.${field} is required`);
        if (
          region.endLine < region.startLine ||
          (region.endLine === region.startLine && region.endColumn <= region.startColumn)
        )
          problems.push(`${where}.region ends before it starts`);
      }
    }
  }
  return problems;
}

/** The SARIF of a run, checked against the schema, GitHub's rules, and the files it points at. */
function expectCodeScanningReady(run: CliRun, text = run.stdout): any {
  const log = JSON.parse(text);
  expect(validate(log), JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toBe(true);
  expect(githubCodeScanningProblems(log)).toEqual([]);
  for (const result of log.runs[0].results) {
    const { artifactLocation, region } = result.locations[0].physicalLocation;
    const path = decodeURI(artifactLocation.uri);
    const content = run.artifacts.get(path) ?? readFileSync(join(ROOT, path), "utf8");
    const lines = content.split("\n");
    expect(region.startLine, path).toBeLessThanOrEqual(lines.length);
    expect(region.endColumn, path).toBeLessThanOrEqual((lines[region.endLine - 1] ?? "").length + 1);
  }
  return log;
}

const lineAt = (run: CliRun, result: any): string => {
  const { artifactLocation, region } = result.locations[0].physicalLocation;
  const path = decodeURI(artifactLocation.uri);
  const content = run.artifacts.get(path) ?? readFileSync(join(ROOT, path), "utf8");
  return content.split("\n")[region.startLine - 1] ?? "";
};

describe("the checks themselves", () => {
  it("the schema and GitHub's rules reject what code scanning would refuse", () => {
    expect(validate({ version: "2.1.0" })).toBe(false);
    expect(validate({ version: "2.1.0", runs: [{ tool: { driver: {} }, results: [] }] })).toBe(false);
    const logicalOnly = {
      $schema: "https://json.schemastore.org/sarif-2.1.0.json",
      version: "2.1.0",
      runs: [
        {
          tool: {
            driver: {
              name: "t",
              rules: [
                {
                  id: "r",
                  shortDescription: { text: "s" },
                  fullDescription: { text: "f" },
                  help: { text: "h" },
                },
              ],
            },
          },
          results: [
            { ruleId: "r", message: { text: "m" }, locations: [{ logicalLocations: [{ name: "p" }] }] },
          ],
        },
      ],
    };
    expect(validate(logicalOnly)).toBe(true);
    expect(githubCodeScanningProblems(logicalOnly)).toEqual([
      "runs[0].results[0].partialFingerprints is required",
      "runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri is required",
      "runs[0].results[0].locations[0].physicalLocation.region.startLine is required",
      "runs[0].results[0].locations[0].physicalLocation.region.startColumn is required",
      "runs[0].results[0].locations[0].physicalLocation.region.endLine is required",
      "runs[0].results[0].locations[0].physicalLocation.region.endColumn is required",
    ]);
  });
});

describe("audit SARIF", () => {
  it("with --baseline FILE: results point at the baseline file, a rule for every kind", async () => {
    const run = await cli("audit", "--snapshot", DEMO_ORG, "--baseline", DEMO_BASELINE, "--format", "sarif");
    const log = expectCodeScanningReady(run);
    expect(run.artifacts.size).toBe(0);
    const sarifRun = log.runs[0];
    expect(sarifRun.tool.driver.rules.map((r: any) => r.id)).toContain("full_aws_access_detached");
    for (const r of sarifRun.results) {
      expect(r.locations[0].physicalLocation.artifactLocation.uri).toBe(DEMO_BASELINE);
      expect(["error", "warning", "note"]).toContain(r.level);
      expect(r.partialFingerprints["driftFinding/v1"]).toMatch(/^[0-9a-f]{8}$/);
    }
    const critical = sarifRun.results.find((r: any) => r.properties.severity === "critical");
    expect(critical.level).toBe("error");
    // GitHub reads security-severity from the rule: the rule of a critical finding carries 9.x.
    expect(
      Number(sarifRun.tool.driver.rules[critical.ruleIndex].properties["security-severity"]),
    ).toBeGreaterThanOrEqual(9);
  });

  it("with the demo baseline: the command writes it and names it, and every result points into it", async () => {
    const run = await cli("audit", "--demo", "--format", "sarif", "--fail-on", "none");
    const log = expectCodeScanningReady(run);
    const file = "aws-organizations/baseline.json";
    expect([...run.artifacts.keys()]).toEqual([file]);
    expect(JSON.parse(run.artifacts.get(file)!)).toEqual(
      JSON.parse(readFileSync(join(ROOT, DEMO_BASELINE), "utf8")),
    );
    expect(run.stderr).toContain(`audit: SARIF results point into ${file}`);
    const results = log.runs[0].results;
    expect(results).toHaveLength(10);
    for (const r of results) expect(r.locations[0].physicalLocation.artifactLocation.uri).toBe(file);
    // The missing policy points at its own entry in the written baseline.
    const missing = results.find((r: any) => r.ruleId === "policy_missing");
    const lines = run.artifacts.get(file)!.split("\n");
    const line = missing.locations[0].physicalLocation.region.startLine;
    expect(lines.slice(line - 1, line + 3).join("\n")).toContain("DenyDisableEbsDefaultEncryption");
  });

  it("with a baseline from a secret: the secret's document is written, lines and all", async () => {
    const run = await cli("audit", "--demo", "--baseline-secret", "scp-baseline", "--format", "sarif");
    const log = expectCodeScanningReady(run);
    const file = "aws-organizations/baseline.json";
    // The secret holds the demo baseline file's text (test/cli/helpers.ts): written as it was stored.
    expect(run.artifacts.get(file)).toBe(readFileSync(join(ROOT, DEMO_BASELINE), "utf8"));
    const condition = log.runs[0].results.find((r: any) => r.ruleId === "condition_loosened");
    expect(lineAt(run, condition)).toMatch(/\{|"Sid"|"Effect"/);
  });

  it("--sarif-dir, or the folder of --output, says where the written baseline goes", async () => {
    const inDir = await cli("audit", "--demo", "--format", "sarif", "--sarif-dir", "reports");
    expectCodeScanningReady(inDir);
    expect([...inDir.artifacts.keys()]).toEqual(["reports/aws-organizations/baseline.json"]);
    const nextToOutput = await cli("audit", "--demo", "--format", "sarif", "--output", "out/drift.sarif");
    expect([...nextToOutput.artifacts.keys()]).toEqual(["out/aws-organizations/baseline.json"]);
    expectCodeScanningReady(nextToOutput, nextToOutput.outputs.get("out/drift.sarif"));
    expect(nextToOutput.stderr).toContain("-> out/drift.sarif");
  });
});

describe("lint SARIF", () => {
  it("files and policy ids: lines of the file, or of the policy's document the command writes", async () => {
    const run = await cli("lint", DRAFT, "--demo", "p-regiondeny1", "--format", "sarif");
    const log = expectCodeScanningReady(run);
    const results = log.runs[0].results;
    const typo = results.find((r: any) => r.ruleId === "unknown_action");
    expect(typo.locations[0].physicalLocation).toMatchObject({
      artifactLocation: { uri: DRAFT },
      region: { startLine: 7, endLine: 7 },
    });
    expect(lineAt(run, typo)).toContain("DeleteDetecter");
    const region = results.find((r: any) => r.ruleId === "region_deny_missing_global_services");
    const file = "aws-organizations/policies/p-regiondeny1.json";
    expect(region.locations[0].physicalLocation.artifactLocation.uri).toBe(file);
    expect([...run.artifacts.keys()]).toEqual([file]);
    expect(JSON.parse(run.artifacts.get(file)!).Statement[0].Sid).toBe("DenyAllOutsideEU");
    expect(lineAt(run, region)).toContain("NotAction");
    expect(run.stderr).toContain(`lint: SARIF results point into ${file}`);
  });

  it("every policy of the organization, with fingerprints that do not depend on lines", async () => {
    const run = await cli("lint", "--snapshot", DEMO_ORG, "--all", "--format", "sarif", "--fail-on", "none");
    const log = expectCodeScanningReady(run);
    expect(run.artifacts.size).toBe(15);
    const prints = log.runs[0].results.map((r: any) => r.partialFingerprints["lintFinding/v1"]);
    expect(new Set(prints).size).toBe(prints.length);
    const again = JSON.parse(
      (await cli("lint", "--snapshot", DEMO_ORG, "--all", "--format", "sarif", "--fail-on", "none")).stdout,
    );
    expect(again.runs[0].results.map((r: any) => r.partialFingerprints["lintFinding/v1"])).toEqual(prints);
  });

  it("an empty result is valid too, and writes nothing", async () => {
    const run = await cli("lint", "test/fixtures/drift/cli/clean-policy.json", "--format", "sarif");
    const log = expectCodeScanningReady(run);
    expect(log.runs[0].results).toEqual([]);
    expect(run.artifacts.size).toBe(0);
  });
});
