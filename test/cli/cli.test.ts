/** The CLI for CI: audit, lint and snapshot, exit codes, output formats, and the bin entry. */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { UserError } from "../../src/errors.js";
import type { OrganizationReader } from "../../src/org/types.js";
import { cli, ROOT } from "./helpers.js";

const DEMO_ORG = "src/org/demo/demo-organization.json";
const DEMO_BASELINE = "src/org/demo/demo-baseline.json";
const CLEAN_BASELINE = "test/fixtures/drift/cli/clean-baseline.json";
const DRAFT = "test/fixtures/drift/cli/draft-policy.json";
const CLEAN_POLICY = "test/fixtures/drift/cli/clean-policy.json";

describe("audit", () => {
  it("reports the demo drift and exits 1", async () => {
    const r = await cli("audit", "--snapshot", DEMO_ORG, "--baseline", DEMO_BASELINE);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("10 difference(s)");
    for (const kind of [
      "deny_actions_removed",
      "full_aws_access_detached",
      "policy_missing",
      "condition_loosened",
    ])
      expect(r.stdout).toContain(kind);
  });

  it("exits 0 when the organization matches the baseline", async () => {
    const r = await cli("audit", "--snapshot", DEMO_ORG, "--baseline", CLEAN_BASELINE);
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toContain("0 difference(s)");
  });

  it("--fail-on decides the exit code", async () => {
    // Only RequireCostCenterTag: one low finding (policy_unexpected).
    const only = ["audit", "--demo", "--policy", "RequireCostCenterTag"];
    expect((await cli(...only)).code).toBe(1);
    expect((await cli(...only, "--fail-on", "low")).code).toBe(1);
    expect((await cli(...only, "--fail-on", "medium")).code).toBe(0);
    expect((await cli("audit", "--demo", "--fail-on", "critical")).code).toBe(1);
    expect((await cli("audit", "--demo", "--fail-on", "none")).code).toBe(0);
  });

  it("narrows to a scope and reads the baseline from a secret", async () => {
    const r = await cli(
      "audit",
      "--demo",
      "--baseline-secret",
      "scp-baseline",
      "--scope",
      "ou-a1b2-test0000",
      "--format",
      "json",
    );
    const out = JSON.parse(r.stdout);
    expect(out.baseline.origin).toBe("secret scp-baseline");
    expect(out.scopeId).toBe("ou-a1b2-test0000");
    expect(out.accountsInScope).toBe(1);
    expect(out.findings.map((f: any) => f.kind)).toContain("full_aws_access_detached");
    expect(
      out.findings.every((f: any) => f.targets.every((t: any) => !t.path.startsWith("Root/Security"))),
    ).toBe(true);
  });

  it("writes JSON, Markdown and SARIF", async () => {
    const json = JSON.parse((await cli("audit", "--demo", "--format", "json")).stdout);
    expect(json.tool.name).toBe("aws-organizations-mcp-server");
    expect(json.summary.total).toBe(json.findings.length);
    expect(json.findings[0]).toMatchObject({
      kind: expect.any(String),
      severity: "critical",
      direction: "weakens",
    });
    const md = (await cli("audit", "--demo", "--format", "markdown")).stdout;
    expect(md).toContain("| severity | direction | kind | policy | where | accounts | explanation |");
    expect(md).toContain("`full_aws_access_detached`");
    const sarif = JSON.parse(
      (await cli("audit", "--snapshot", DEMO_ORG, "--baseline", DEMO_BASELINE, "--format", "sarif")).stdout,
    );
    const results = sarif.runs[0].results;
    expect(results.length).toBe(json.findings.length);
    const missing = results.find((r: any) => r.ruleId === "policy_missing");
    expect(missing.locations[0].physicalLocation.artifactLocation.uri).toBe(DEMO_BASELINE);
    // The baseline entry of DenyDisableEbsDefaultEncryption, in the file.
    const lines = readFileSync(join(ROOT, DEMO_BASELINE), "utf8").split("\n");
    const line = missing.locations[0].physicalLocation.region.startLine;
    expect(lines.slice(line - 1, line + 3).join("\n")).toContain("DenyDisableEbsDefaultEncryption");
  });

  it("--output writes the report to a file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    const file = join(dir, "drift.sarif");
    let written = "";
    const code = await runCli(
      ["audit", "--demo", "--format", "sarif", "--output", file, "--fail-on", "none"],
      {
        stdout: () => undefined,
        stderr: () => undefined,
        writeOutput: async (p, t) => {
          writeFileSync(p, t);
          written = p;
        },
      },
    );
    expect(code).toBe(0);
    expect(written).toBe(file);
    const sarif = JSON.parse(readFileSync(file, "utf8"));
    expect(sarif.version).toBe("2.1.0");
    // The demo baseline the results point at, written beside the report (its folder created).
    const baseline = join(dir, "aws-organizations", "baseline.json");
    expect(JSON.parse(readFileSync(baseline, "utf8")).formatVersion).toBe(1);
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe(
      `file://${encodeURI(baseline)}`,
    );
  });
});

describe("lint tells a policy id from a file name", () => {
  const HINT =
    "a policy id looks like p-abcd1234 or p-FullAWSAccess (p- then 8 or more letters, digits or _)";
  it("an id the demo organization does not have, well-formed or not", async () => {
    for (const id of ["p-nope", "p-zzzzzzzzzz"]) {
      const r = await cli("lint", "--demo", id);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe(
        `lint: no policy ${id} in the demo organization: ${HINT}; --all lints every policy it has\n`,
      );
      expect(r.stderr).not.toContain("ENOENT");
    }
  });

  it("names the snapshot the id is missing from", async () => {
    const r = await cli("lint", "--snapshot", DEMO_ORG, "p-nope");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no policy p-nope in snapshot ${DEMO_ORG}: ${HINT}`);
  });

  it("an id without an organization is a usage error, not a missing file", async () => {
    const r = await cli("lint", "p-nope");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "p-nope is no file, and linting a policy by id needs the organization: --snapshot FILE, --demo or --aws",
    );
  });

  it("a missing file is still a missing file", async () => {
    const r = await cli("lint", "--demo", "policies/p-deny.json");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lint: Cannot read policies\/p-deny\.json: ENOENT/);
  });
});

describe("exit codes are the same for every command", () => {
  // A reader every read of which AWS refuses, as with missing permissions.
  const deniedReader = (): OrganizationReader => {
    const denied = (operation: string) => async () => {
      throw new UserError("access_denied", `AWS Organizations ${operation} was denied`);
    };
    return {
      kind: "aws",
      describeOrganization: denied("DescribeOrganization"),
      listRoots: denied("ListRoots"),
      getParent: denied("ListParents"),
      listChildren: denied("ListChildren"),
      describeAccount: denied("DescribeAccount"),
      describeOrganizationalUnit: denied("DescribeOrganizationalUnit"),
      listPolicies: denied("ListPolicies"),
      describePolicy: denied("DescribePolicy"),
      listTargetsForPolicy: denied("ListTargetsForPolicy"),
      listPoliciesForTarget: denied("ListPoliciesForTarget"),
      stats: () => ({ apiCalls: {}, cacheHits: 0, cacheMisses: 0, cacheEntries: 0, dataAsOf: null }),
      refresh: () => undefined,
    };
  };

  it("snapshot exits 2 on AWS errors, not the 1 that means findings", async () => {
    let stderr = "";
    const code = await runCli(["snapshot", "--out", "org.json"], {
      stderr: (t) => (stderr += t),
      snapshot: {
        createReader: deniedReader,
        writeOutput: async () => {
          throw new Error("must not write");
        },
      },
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^snapshot: AWS Organizations \w+ was denied\n$/);
  });

  it("snapshot exits 2 when the file cannot be written", async () => {
    let stderr = "";
    const org = await import("../../src/org/snapshot-reader.js");
    const { demoSnapshot } = await import("../../src/org/demo/demo-snapshot.js");
    const code = await runCli(["snapshot", "--out", "/nonexistent-dir/org.json"], {
      stderr: (t) => (stderr += t),
      snapshot: { createReader: () => org.createSnapshotReader(demoSnapshot(), "snapshot") },
    });
    expect(code).toBe(2);
    expect(stderr).toContain("snapshot: could not write /nonexistent-dir/org.json");
  });

  it("--help says so, for audit and lint and for snapshot", async () => {
    const help = (await cli("--help")).stdout;
    expect(help).toContain(
      "Exit codes (every command): 0 clean (snapshot: done), 1 findings at or above --fail-on (audit, lint),",
    );
    expect(help).toContain("2 errors: usage, configuration, input");
    expect((await cli("snapshot", "--help")).stdout).toContain(
      "Exit codes: 0 done; 2 an error (usage, AWS or file), as for audit and lint, where 1 means findings.",
    );
  });

  it("audit exits 2 on AWS errors too", async () => {
    let stderr = "";
    const code = await runCli(["audit", "--aws", "--baseline-secret", "scp-baseline"], {
      stderr: (t) => (stderr += t),
      stdout: () => undefined,
      createAwsReader: deniedReader,
      readSecret: async () => readFileSync(join(ROOT, DEMO_BASELINE), "utf8"),
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^audit: AWS Organizations \w+ was denied/);
  });
});

describe("usage and configuration errors exit 2", () => {
  const cases: [string, string[], RegExp][] = [
    ["no command", [], /Usage:/],
    ["an unknown command", ["deploy"], /unknown command "deploy"/],
    ["a bad --format", ["audit", "--demo", "--format", "xml"], /--format must be one of/],
    ["a bad --fail-on", ["audit", "--demo", "--fail-on", "severe"], /--fail-on must be/],
    ["an unknown option", ["audit", "--demo", "--frobnicate"], /Unknown option/],
    ["no organization", ["audit", "--baseline", DEMO_BASELINE], /--snapshot FILE, --demo or --aws/],
    ["two organizations", ["audit", "--demo", "--snapshot", DEMO_ORG], /only one of/],
    ["no baseline", ["audit", "--snapshot", DEMO_ORG], /needs a baseline/],
    [
      "a missing baseline file",
      ["audit", "--demo", "--baseline", "nope.json"],
      /Cannot read the baseline file nope\.json/,
    ],
    [
      "an invalid baseline",
      ["audit", "--demo", "--baseline", DRAFT],
      /Invalid baseline in file .*draft-policy\.json: formatVersion: /,
    ],
    [
      "a missing secret",
      ["audit", "--demo", "--baseline-secret", "other"],
      /Cannot load the baseline from secret other/,
    ],
    ["a bad scope", ["audit", "--demo", "--scope", "Prod"], /--scope must be/],
    [
      "a scope outside the organization's scope",
      ["audit", "--demo", "--allowed-ou-ids", "ou-a1b2-workload", "--scope", "ou-a1b2-sandbox0"],
      /outside the allowed scope/,
    ],
    ["lint without input", ["lint"], /lint needs policy files/],
    ["lint of an id without the organization", ["lint", "p-regiondeny1"], /needs the organization/],
    ["a bad --type", ["lint", "--type", "tag", CLEAN_POLICY], /--type must be scp or rcp/],
    ["a bad quota", ["lint", "--scp-size-limit", "0", CLEAN_POLICY], /positive whole number/],
    ["a snapshot usage error", ["snapshot"], /--out FILE is required/],
    [
      "--sarif-dir without SARIF",
      ["audit", "--demo", "--sarif-dir", "x"],
      /--sarif-dir applies only with --format sarif/,
    ],
  ];
  for (const [what, argv, message] of cases) {
    it(what, async () => {
      const r = await cli(...argv);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    });
  }

  it("--help and --version exit 0", async () => {
    expect(await cli("--help")).toMatchObject({ code: 0, stdout: expect.stringContaining("audit") });
    expect((await cli("audit", "--help")).code).toBe(0);
    expect((await cli("snapshot", "--help")).stdout).toContain("--out FILE");
    expect((await cli("--version")).stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe("lint", () => {
  it("lints a draft file with lines, and exits 1", async () => {
    const r = await cli("lint", DRAFT, "--format", "json");
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    const findings = out.policies[0].findings;
    expect(findings.map((f: any) => f.ruleId).sort()).toEqual(["sso_role_without_path", "unknown_action"]);
    expect(findings.find((f: any) => f.ruleId === "unknown_action").location).toMatchObject({
      line: 7,
      statementIndex: 0,
    });
  });

  it("exits 0 for a clean policy", async () => {
    expect(await cli("lint", CLEAN_POLICY)).toMatchObject({
      code: 0,
      stdout: expect.stringContaining("0 finding(s)"),
    });
  });

  it("lints every policy of a baseline file, pointing at its lines", async () => {
    const out = JSON.parse(
      (await cli("lint", DEMO_BASELINE, "--format", "json", "--fail-on", "none")).stdout,
    );
    expect(out.policies).toHaveLength(14);
    const region = out.policies.find((p: any) => p.name === "DenyRegionsOutsideEU");
    const lines = readFileSync(join(ROOT, DEMO_BASELINE), "utf8").split("\n");
    expect(lines[region.findings[0].location.line - 1]).toContain("NotAction");
  });

  it("lints organization policies by id, or all of them", async () => {
    const one = JSON.parse((await cli("lint", "--demo", "p-protectsec1", "--format", "json")).stdout);
    expect(one.policies[0]).toMatchObject({
      source: { kind: "policy", id: "p-protectsec1" },
      name: "ProtectSecurityServices",
    });
    expect(one.policies[0].findings.map((f: any) => f.ruleId)).toEqual(["unknown_action"]);
    const all = JSON.parse((await cli("lint", "--snapshot", DEMO_ORG, "--all", "--format", "json")).stdout);
    expect(all.policies.length).toBe(15);
    const ids = all.policies.flatMap((p: any) => p.findings.map((f: any) => `${p.source.id} ${f.ruleId}`));
    expect(ids).toEqual(
      expect.arrayContaining([
        "p-protectsec1 unknown_action",
        "p-regiondeny1 region_deny_missing_global_services",
        "p-denyiamusr1 deny_without_exemption",
        "p-protectnet1 policy_size",
      ]),
    );
  });

  it("reports a file that is not JSON as invalid_json with its line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    const file = join(dir, "broken.json");
    writeFileSync(file, '{\n  "Version": "2012-10-17",\n  "Statement": [\n');
    const code = await runCli(["lint", file, "--format", "json"], {
      stdout: (t) => {
        const out = JSON.parse(t);
        expect(out.policies[0].findings[0]).toMatchObject({ ruleId: "invalid_json", severity: "critical" });
      },
      stderr: () => undefined,
    });
    expect(code).toBe(1);
  });

  it("honours configurable quotas", async () => {
    const r = await cli("lint", CLEAN_POLICY, "--scp-size-limit", "100", "--format", "json");
    expect(JSON.parse(r.stdout).policies[0].findings[0]).toMatchObject({
      ruleId: "policy_size",
      severity: "high",
    });
  });
});

describe("the bin entry", () => {
  const run = promisify(execFile);

  it("package.json maps the command to the launcher", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(pkg.bin).toEqual({ "aws-organizations-mcp-server": "bin/cli.mjs" });
  });

  it("runs audit from the TypeScript sources, as npx does after npm ci", async () => {
    const ok = await run(
      process.execPath,
      [join(ROOT, "bin/cli.mjs"), "audit", "--snapshot", DEMO_ORG, "--baseline", CLEAN_BASELINE],
      {
        cwd: ROOT,
      },
    );
    expect(ok.stdout).toContain("0 difference(s)");
    const failing = await run(
      process.execPath,
      [join(ROOT, "bin/cli.mjs"), "audit", "--snapshot", DEMO_ORG, "--baseline", DEMO_BASELINE],
      {
        cwd: ROOT,
      },
    ).catch((error: { code: number; stdout: string }) => error);
    expect(failing).toMatchObject({ code: 1 });
    expect((failing as { stdout: string }).stdout).toContain("full_aws_access_detached");
    const usage = await run(process.execPath, [join(ROOT, "bin/cli.mjs"), "audit"], { cwd: ROOT }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(usage).toMatchObject({ code: 2 });
  }, 60_000);
});
