/**
 * scripts/test-infra.ts (npm run test:infra) on a machine without what it needs: the checks are
 * skipped with a banner that says what did not run and how to run it, unless REQUIRE_INFRA_CHECKS=1
 * (.ci/run) makes them required, where the same machine fails. Each case runs the script as npm
 * does, with a PATH that holds no terraform or a stand-in terraform.
 */
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
let dir: string;

interface Run {
  code: number;
  stdout: string;
}

/** Runs the script with only these variables: nothing of this machine's Terraform set-up leaks in. */
function runScript(path: string, extra: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "scripts/test-infra.ts"],
      { cwd: ROOT, env: { PATH: path, HOME: dir, ...extra }, timeout: 60_000 },
      (error, stdout) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout });
      },
    );
  });
}

/** A directory whose only command is a terraform that reports `version`. */
function fakeTerraform(version: string): string {
  const bin = join(dir, `bin-${version}`);
  mkdirSync(bin);
  const script = join(bin, "terraform");
  writeFileSync(script, `#!/bin/sh\necho '{"terraform_version":"${version}"}'\n`);
  chmodSync(script, 0o755);
  return bin;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "test-infra-"));
  mkdirSync(join(dir, "empty-bin"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run test:infra without Terraform", () => {
  it("skips loudly, saying what was skipped and how to run it, and passes", async () => {
    const run = await runScript(join(dir, "empty-bin"));
    expect(run.code, run.stdout).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^={40,}$/);
    expect(lines[1]).toMatch(/^SKIPPED the infrastructure checks \(terraform fmt, init, validate and test;/);
    expect(lines[1]).toContain("terraform is not installed or not on PATH");
    expect(run.stdout).toContain("`npm run test:infra`");
    expect(run.stdout).toContain("REQUIRE_INFRA_CHECKS=1 (.ci/run)");
    expect(run.stdout).not.toMatch(/^ok /m);
  }, 60_000);

  it("fails under REQUIRE_INFRA_CHECKS=1, as .ci/run sets it", async () => {
    const run = await runScript(join(dir, "empty-bin"), { REQUIRE_INFRA_CHECKS: "1" });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL the infrastructure checks .* are required \(REQUIRE_INFRA_CHECKS=1\)/m);
    expect(run.stdout).toContain("terraform is not installed or not on PATH");
  }, 60_000);

  it("treats a Terraform older than 1.11 the same way", async () => {
    const bin = fakeTerraform("1.5.7");
    const skipped = await runScript(bin);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toMatch(/^SKIPPED .*Terraform 1\.5\.7 is too old/m);
    const required = await runScript(bin, { REQUIRE_INFRA_CHECKS: "1" });
    expect(required.code).toBe(1);
    expect(required.stdout).toMatch(/^FAIL .*Terraform 1\.5\.7 is too old/m);
  }, 60_000);

  it("does not skip a TF_PLUGIN_DIR that is set but wrong: that is a mistake to fix", async () => {
    const empty = join(dir, "no-providers");
    mkdirSync(empty);
    const run = await runScript(fakeTerraform("1.11.4"), { TF_PLUGIN_DIR: empty });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL TF_PLUGIN_DIR=.* holds no hashicorp\/aws 5\.x provider/m);
  }, 60_000);

  it("SKIP_INFRA_TESTS=1 skips loudly, and cannot skip what REQUIRE_INFRA_CHECKS=1 requires", async () => {
    const skipped = await runScript(join(dir, "empty-bin"), { SKIP_INFRA_TESTS: "1" });
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toMatch(/^SKIPPED .*SKIP_INFRA_TESTS=1 is set/m);
    const required = await runScript(join(dir, "empty-bin"), {
      SKIP_INFRA_TESTS: "1",
      REQUIRE_INFRA_CHECKS: "1",
    });
    expect(required.code).toBe(1);
    expect(required.stdout).toMatch(/^FAIL .*SKIP_INFRA_TESTS=1 is set/m);
  }, 60_000);
});
