/**
 * Offline checks of the deployment (npm run test:infra; part of npm test and .ci/run):
 *
 *  1. terraform fmt -check -recursive terraform
 *  2. terraform init against a local plugin directory (found, never hard-coded; TF_PLUGIN_DIR
 *     overrides) in a temporary copy with its own TF_DATA_DIR, so nothing is left in the repository;
 *     the root with -lockfile=readonly, so the committed .terraform.lock.hcl must pin the version
 *     the plugin directory holds and its checksum must match the package
 *  3. terraform validate (root and modules/org-reader-role)
 *  4. terraform test (mock_provider "aws", plan only) for both
 *  5. the CloudFormation templates rendered by that test run (taken from `terraform test -json
 *     -verbose`) validated against the official AgentCore schemas (test/fixtures/cfn-schemas, or
 *     CFN_SCHEMA_DIR), and the runtime configuration documents against the server's own schema
 *  6. scripts/push-image.sh parses (bash -n; shellcheck when installed), workflows parse as YAML
 *
 * Fails loudly: the first line of every failure says what failed and how to reproduce it.
 *
 * A machine without what the checks need (Terraform >= 1.11 on PATH, a local hashicorp/aws 5.x
 * plugin directory) skips them with a banner saying what was skipped and how to run them, so
 * `npm test` passes wherever the README's set-up ran. REQUIRE_INFRA_CHECKS=1 (set by .ci/run)
 * turns every such skip into a failure.
 */
import { spawn } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { describeIssues } from "../src/errors.js";
import { runtimeConfigSchema } from "../src/config/schema.js";
import { CfnValidator, formatIssues, loadSchemas } from "./lib/cfn-validate.js";
import {
  awsProviderVersions,
  findPluginDir,
  findSchemaDir,
  lockFileProblems,
  terraformPlatform,
  type PluginDir,
} from "./lib/terraform-env.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TERRAFORM_DIR = join(REPO_ROOT, "terraform");
const MODULE_DIRS = ["modules/org-reader-role"];
const MIN_TERRAFORM = [1, 11, 0]; // override_during = plan in terraform test
const SECRET_MARKER = "MOCK-CLIENT-SECRET";
const REQUIRED = process.env.REQUIRE_INFRA_CHECKS === "1";
const HOW_TO_RUN =
  "To run them: put Terraform >= 1.11 on PATH and the hashicorp/aws 5.x provider in a local plugin " +
  "directory (TF_PLUGIN_DIR, or one filled by `terraform providers mirror`; docs/deploy.md#what-ci-checks), " +
  "then `npm run test:infra`.";

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

class CheckFailed extends Error {}

/** What this machine lacks for the checks: a skip, or a failure under REQUIRE_INFRA_CHECKS=1. */
class MissingPrerequisite extends Error {}

let passed = 0;
let failed = 0;
const started = Date.now();

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}

/** What `run` keeps of a stdout it hands line by line to `onLine`: its end, for error messages. */
const KEPT_STDOUT_CHARS = 64 * 1024;

function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void },
): Promise<RunResult> {
  return new Promise((resolveRun) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const { onLine } = options;
    // `terraform test -json -verbose` prints every run's whole plan: more than a string can hold, so
    // a caller that reads lines gets them as they come and only the output's end is kept.
    let partial = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d: string) => {
      if (!onLine) {
        stdout += d;
        return;
      }
      const lines = (partial + d).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) onLine(line);
      stdout = (stdout + d).slice(-KEPT_STDOUT_CHARS);
    });
    child.stdout.on("end", () => {
      if (onLine && partial) onLine(partial);
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (error) => resolveRun({ code: 127, stdout, stderr: `${stderr}${error.message}` }));
    child.on("close", (code) => resolveRun({ code: code ?? 1, stdout, stderr }));
  });
}

async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t = Date.now();
  try {
    const result = await fn();
    passed++;
    console.log(`ok   ${name} (${seconds(t)})`);
    return result;
  } catch (error) {
    failed++;
    console.log(`FAIL ${name} (${seconds(t)})`);
    console.log(indent(error instanceof Error ? error.message : String(error)));
    throw new CheckFailed(name);
  }
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => `     ${l}`)
    .join("\n");
}

function tail(result: RunResult, lines = 60): string {
  return `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-lines).join("\n");
}

async function terraformVersion(env: NodeJS.ProcessEnv): Promise<string> {
  const result = await run("terraform", ["version", "-json"], { cwd: REPO_ROOT, env });
  if (result.code === 127) {
    throw new MissingPrerequisite(
      "terraform is not installed or not on PATH (Terraform >= 1.11 is needed for the offline checks).",
    );
  }
  let version: string;
  try {
    version = (JSON.parse(result.stdout) as { terraform_version: string }).terraform_version;
  } catch {
    throw new Error(`cannot read \`terraform version -json\`: ${tail(result)}`);
  }
  const parts = version.split(/[.-]/).map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (parts[i] ?? 0) - (MIN_TERRAFORM[i] ?? 0);
    if (d > 0) break;
    if (d < 0)
      throw new MissingPrerequisite(
        `Terraform ${version} is too old: the offline tests need ${MIN_TERRAFORM.join(".")} or later.`,
      );
  }
  return version;
}

interface TestJson {
  plans: Map<string, Plan>;
  diagnostics: string[];
  summary?: string;
  failedRuns: string[];
}

interface Plan {
  resource_changes?: {
    address: string;
    type: string;
    change: { after?: Record<string, unknown> | null; after_unknown?: Record<string, unknown> };
  }[];
  output_changes?: Record<string, { after?: unknown; after_sensitive?: unknown; after_unknown?: unknown }>;
}

/** Reads `terraform test -json` output one line at a time into `out`. */
function readTestJsonLine(out: TestJson, line: string): void {
  if (!line.trim().startsWith("{")) return;
  let message: Record<string, unknown>;
  try {
    message = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  const runName = typeof message["@testrun"] === "string" ? message["@testrun"] : "";
  const file = typeof message["@testfile"] === "string" ? message["@testfile"] : "";
  switch (message.type) {
    case "test_plan":
      out.plans.set(`${file}::${runName}`, message.test_plan as Plan);
      break;
    case "test_run": {
      const status = (message.test_run as { status?: string; progress?: string } | undefined)?.status;
      if (status === "fail" || status === "error") out.failedRuns.push(`${file} run "${runName}": ${status}`);
      break;
    }
    case "diagnostic": {
      const d = message.diagnostic as {
        severity?: string;
        summary?: string;
        detail?: string;
        range?: { filename?: string; start?: { line?: number } };
      };
      if (d?.severity === "error") {
        const where = d.range?.filename ? ` (${d.range.filename}:${d.range.start?.line ?? "?"})` : "";
        out.diagnostics.push(
          `${file}${runName ? ` run "${runName}"` : ""}: ${d.summary ?? ""}${where}${d.detail ? `: ${d.detail}` : ""}`,
        );
      }
      break;
    }
    case "test_summary":
      out.summary = String(message["@message"] ?? "");
      break;
  }
}

/** The banner of a skip, or of a failure when REQUIRE_INFRA_CHECKS=1 makes the checks required. */
function reportMissing(reason: string): void {
  const rule = "=".repeat(100);
  const what =
    "the infrastructure checks (terraform fmt, init, validate and test; the AgentCore CloudFormation " +
    "schema checks; push-image.sh and workflow syntax)";
  const lines = REQUIRED
    ? [`FAIL ${what} are required (REQUIRE_INFRA_CHECKS=1) but cannot run: ${reason}`, HOW_TO_RUN]
    : [
        `SKIPPED ${what} did not run: ${reason}`,
        HOW_TO_RUN,
        "CI runs them with REQUIRE_INFRA_CHECKS=1 (.ci/run), where this is a failure.",
      ];
  console.log([rule, ...lines, rule].join("\n"));
  if (REQUIRED) process.exitCode = 1;
}

/** Terraform and the provider plugin directory, or why the checks cannot run on this machine. */
async function prerequisites(env: NodeJS.ProcessEnv): Promise<{ version: string; plugin: PluginDir }> {
  const version = await terraformVersion(env);
  try {
    return { version, plugin: findPluginDir(process.env) };
  } catch (error) {
    // A TF_PLUGIN_DIR that was set but is wrong is a mistake to report, not a machine to skip.
    if (process.env.TF_PLUGIN_DIR) throw error;
    throw new MissingPrerequisite(error instanceof Error ? error.message : String(error));
  }
}

async function main(): Promise<void> {
  if (process.env.SKIP_INFRA_TESTS === "1") {
    reportMissing("SKIP_INFRA_TESTS=1 is set");
    return;
  }
  const work = await mkdtemp(join(tmpdir(), "infra-test-"));
  const cliConfig = join(work, "terraformrc");
  await writeFile(cliConfig, "# empty: no network mirrors or credentials; providers come from -plugin-dir\n");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    TF_CLI_CONFIG_FILE: cliConfig,
  };
  delete env.TF_PLUGIN_CACHE_DIR;
  delete env.TF_DATA_DIR;
  delete env.TF_WORKSPACE;

  let found: { version: string; plugin: PluginDir };
  try {
    found = await prerequisites(env);
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    if (error instanceof MissingPrerequisite) reportMissing(error.message);
    else {
      console.log(`FAIL ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
    return;
  }

  try {
    const version = await step("terraform is installed (>= 1.11)", async () => found.version);
    const plugin = await step("local provider plugin directory", async () => found.plugin);
    console.log(
      `     terraform ${version}; hashicorp/aws ${plugin.version} from ${plugin.dir} (${plugin.source})`,
    );
    const schemaDir = await step("CloudFormation schema directory", async () =>
      findSchemaDir(REPO_ROOT, process.env),
    );

    await step("terraform fmt -check -recursive terraform", async () => {
      const result = await run(
        "terraform",
        ["fmt", "-check", "-recursive", "-diff", "-no-color", "terraform"],
        { cwd: REPO_ROOT, env },
      );
      if (result.code !== 0) {
        throw new Error(`these files need \`terraform fmt -recursive terraform\`:\n${tail(result, 80)}`);
      }
    });

    await step("terraform/.terraform.lock.hcl pins the provider of the plugin directory", async () => {
      const lock = await readFile(join(TERRAFORM_DIR, ".terraform.lock.hcl"), "utf8").catch(() => undefined);
      const versionsTf = await readFile(join(TERRAFORM_DIR, "versions.tf"), "utf8");
      const problems = lockFileProblems(
        lock,
        versionsTf,
        awsProviderVersions(plugin.dir, terraformPlatform()),
      );
      if (problems.length > 0) throw new Error(problems.join("\n"));
    });

    // A temporary copy: init/test state, module lock files and .terraform never touch the
    // repository, and local variable files do not reach the tests. The root's committed lock file
    // goes along: init verifies the plugin against its checksum.
    const copy = join(work, "terraform");
    const rootLock = join(TERRAFORM_DIR, ".terraform.lock.hcl");
    await cp(TERRAFORM_DIR, copy, {
      recursive: true,
      filter: (src) => {
        const name = basename(src);
        return !(
          name === ".terraform" ||
          (name === ".terraform.lock.hcl" && src !== rootLock) ||
          name.endsWith(".tfstate") ||
          name.endsWith(".tfstate.backup") ||
          // A local terraform.tfvars / *.auto.tfvars(.json) would leak into the test runs.
          name.endsWith(".tfvars") ||
          name.endsWith(".tfvars.json")
        );
      },
    });

    const terraformIn = async (
      dir: string,
      label: string,
      extraTest: string[],
      extraInit: string[] = [],
      onLine?: (line: string) => void,
    ): Promise<RunResult> => {
      const dirEnv = { ...env, TF_DATA_DIR: join(work, `data-${label.replace(/\W+/g, "-")}`) };
      const init = await run(
        "terraform",
        ["init", "-backend=false", "-input=false", "-no-color", `-plugin-dir=${plugin.dir}`, ...extraInit],
        { cwd: dir, env: dirEnv },
      );
      if (init.code !== 0)
        throw new Error(`terraform init failed in ${label} (plugin dir ${plugin.dir}):\n${tail(init)}`);
      const validate = await run("terraform", ["validate", "-no-color"], { cwd: dir, env: dirEnv });
      if (validate.code !== 0) throw new Error(`terraform validate failed in ${label}:\n${tail(validate)}`);
      return run("terraform", ["test", "-no-color", ...extraTest], {
        cwd: dir,
        env: dirEnv,
        ...(onLine ? { onLine } : {}),
      });
    };

    // Root and module in parallel: the root's test run dominates.
    const rootTest = step("terraform init + validate + test (root)", async () => {
      const parsed: TestJson = { plans: new Map(), diagnostics: [], failedRuns: [] };
      const result = await terraformIn(copy, "root", ["-json", "-verbose"], ["-lockfile=readonly"], (line) =>
        readTestJsonLine(parsed, line),
      );
      if (result.code !== 0 || parsed.failedRuns.length > 0) {
        const details = [...parsed.failedRuns, ...parsed.diagnostics].join("\n") || tail(result);
        throw new Error(
          `terraform test failed in terraform/ (reproduce: cd terraform && terraform test):\n${details}`,
        );
      }
      return parsed;
    });
    const moduleTests = MODULE_DIRS.map((m) =>
      step(`terraform init + validate + test (${m})`, async () => {
        const result = await terraformIn(join(copy, m), m, []);
        if (result.code !== 0) throw new Error(`terraform test failed in terraform/${m}:\n${tail(result)}`);
      }),
    );
    const settled = await Promise.allSettled([rootTest, ...moduleTests]);
    const rootResult = settled[0];
    if (settled.some((s) => s.status === "rejected") || rootResult?.status !== "fulfilled")
      throw new CheckFailed("terraform");
    const testJson = rootResult.value as TestJson;
    console.log(`     terraform test (root): ${testJson.summary ?? "passed"}`);

    const schemas = await loadSchemas(schemaDir);
    const validator = new CfnValidator(schemas);

    await step("rendered templates match the AgentCore CloudFormation schemas", async () => {
      const seen = new Set<string>();
      const problems: string[] = [];
      const typesChecked = new Set<string>();
      let skippedValues = 0;
      let unknownBodies = 0;
      // The same mistake shows in every run that renders the stack: report it once, with its runs.
      const issueRuns = new Map<string, string[]>();
      for (const [runName, plan] of testJson.plans) {
        for (const change of plan.resource_changes ?? []) {
          if (change.type !== "aws_cloudformation_stack") continue;
          const body = change.change.after?.template_body;
          // Runs that do not override every input (tests/iam.tftest.hcl) leave the body unknown;
          // tests/agentcore.tftest.hcl must render it, which the per-type check below enforces.
          if (typeof body !== "string") {
            unknownBodies++;
            continue;
          }
          if (seen.has(body)) continue;
          seen.add(body);
          let template: unknown;
          try {
            template = parseYaml(body);
          } catch (error) {
            problems.push(
              `${runName}: ${change.address}: the template is not valid YAML: ${(error as Error).message}`,
            );
            continue;
          }
          const report = validator.validateTemplate(template);
          report.checked.forEach((c) => typesChecked.add(c.type));
          skippedValues += report.skippedValues.length;
          for (const line of formatIssues(change.address, report.issues).split("\n").filter(Boolean)) {
            issueRuns.set(line, [...(issueRuns.get(line) ?? []), runName]);
          }
        }
      }
      for (const [line, runs] of issueRuns) problems.push(`${line}\n  (in ${runs.join(", ")})`);
      for (const type of [
        "AWS::BedrockAgentCore::Runtime",
        "AWS::BedrockAgentCore::Gateway",
        "AWS::BedrockAgentCore::GatewayTarget",
      ]) {
        if (!typesChecked.has(type)) {
          problems.push(
            `no rendered ${type} was found in the terraform test plans: tests/agentcore.tftest.hcl must render the ` +
              "stacks completely (override every computed input with override_during = plan)",
          );
        }
      }
      if (problems.length > 0) throw new Error(problems.join("\n"));
      console.log(
        `     ${seen.size} distinct templates, ${typesChecked.size} resource types, ` +
          `${skippedValues} unresolvable intrinsic values skipped, ${unknownBodies} plans without a known template left out`,
      );
    });

    await step("runtime configuration documents satisfy src/config/schema.ts", async () => {
      const problems: string[] = [];
      let count = 0;
      for (const [runName, plan] of testJson.plans) {
        const change = plan.resource_changes?.find((c) => c.address === "terraform_data.runtime_config");
        const input = change?.change.after?.input;
        if (typeof input !== "string") continue;
        count++;
        const parsed = runtimeConfigSchema.safeParse(JSON.parse(input));
        if (!parsed.success) problems.push(`${runName}: ${describeIssues(parsed.error)}`);
        if (input.includes(SECRET_MARKER)) problems.push(`${runName}: the document contains a client secret`);
      }
      if (count === 0)
        problems.push("no runtime configuration document was found in the terraform test plans");
      if (problems.length > 0) throw new Error(problems.join("\n"));
      console.log(`     ${count} documents`);
    });

    await step("outputs are not sensitive and carry no secret", async () => {
      const problems: string[] = [];
      const outputsTf = await readFile(join(TERRAFORM_DIR, "outputs.tf"), "utf8");
      if (/client_secret|sensitive\s*=\s*true/.test(outputsTf))
        problems.push("terraform/outputs.tf mentions client_secret or a sensitive output");
      for (const [runName, plan] of testJson.plans) {
        for (const [name, change] of Object.entries(plan.output_changes ?? {})) {
          if (change.after_sensitive === true) problems.push(`${runName}: output ${name} is sensitive`);
          if (JSON.stringify(change.after ?? null).includes(SECRET_MARKER))
            problems.push(`${runName}: output ${name} carries a client secret`);
        }
      }
      if (problems.length > 0) throw new Error(problems.join("\n"));
    });

    await step("scripts/push-image.sh parses", async () => {
      const script = join(REPO_ROOT, "scripts", "push-image.sh");
      const syntax = await run("bash", ["-n", script], { cwd: REPO_ROOT });
      if (syntax.code !== 0) throw new Error(tail(syntax));
      const shellcheck = await run("shellcheck", [script], { cwd: REPO_ROOT });
      if (shellcheck.code !== 0 && shellcheck.code !== 127)
        throw new Error(`shellcheck:\n${tail(shellcheck)}`);
    });

    await step("GitHub workflows parse", async () => {
      const dir = join(REPO_ROOT, ".github", "workflows");
      const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f));
      if (files.length === 0) throw new Error(`no workflows in ${relative(REPO_ROOT, dir)}`);
      for (const file of files) {
        const doc = parseYaml(await readFile(join(dir, file), "utf8")) as {
          on?: unknown;
          jobs?: Record<string, { "runs-on"?: unknown; steps?: unknown[] }>;
        };
        if (!doc?.on || !doc.jobs) throw new Error(`${file}: needs on: and jobs:`);
        for (const [id, job] of Object.entries(doc.jobs)) {
          if (!job["runs-on"] || !Array.isArray(job.steps) || job.steps.length === 0)
            throw new Error(`${file}: job ${id} needs runs-on and steps`);
        }
      }
    });
  } catch (error) {
    if (!(error instanceof CheckFailed)) {
      failed++;
      console.log(`FAIL ${error instanceof Error ? error.message : String(error)}`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  console.log(`infra: ${passed} passed, ${failed} failed (${seconds(started)})`);
  if (failed > 0) process.exitCode = 1;
}

await main();
