/**
 * aws-organizations-mcp-server audit | lint | review-plan | snapshot: the server's audit code without
 * MCP, for CI. Exit codes, the same for every command: 0 clean (snapshot: done), 1 findings at or
 * above --fail-on (audit, lint, review-plan), 2 errors (usage, configuration, input, AWS or file).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { EXIT_ERROR, runWhenMain } from "./entry-point.js";
import { parseArgs } from "node:util";
import { demoBaseline, loadBaseline, type LoadedBaseline } from "../audit/baseline-source.js";
import { computeDrift } from "../audit/drift.js";
import { lintOrganizationPolicy } from "../audit/lint-policy.js";
import { createSecretReader, type SecretReader } from "../aws/secrets.js";
import { ConfigError, errorMessage, notFound, UserError } from "../errors.js";
import { createAwsReader } from "../org/aws-reader.js";
import demoBaselineDocument from "../org/demo/demo-baseline.json" with { type: "json" };
import { demoSnapshot } from "../org/demo/demo-snapshot.js";
import { ACCOUNT_ID, OU_ID, POLICY_ID, ROOT_ID } from "../model/ids.js";
import { OrganizationService } from "../org/service.js";
import { createSnapshotReader, loadSnapshotFile } from "../org/snapshot-reader.js";
import type { OrganizationReader } from "../org/types.js";
import type { PolicyType } from "../model/policy-type.js";
import { BaselineValidationError, parseBaseline } from "../policy/baseline-schema.js";
import type { Catalogue } from "../policy/catalogue.js";
import { isSeverity } from "../policy/findings.js";
import type { IamIndex } from "../policy/iam-index.js";
import { locateInJson, parsePathString } from "../policy/json-locate.js";
import { MAX_OU_DEPTH, POLICIES_PER_TARGET_TEXT, POLICY_SIZE_LIMITS } from "../policy/quotas.js";
import { lintPolicy, prepareLint, type LintLimits, type LintResult } from "../policy/lint.js";
import { SERVER_NAME, SERVER_VERSION } from "../version.js";
import { formatJson } from "./format/json.js";
import { formatMarkdown } from "./format/markdown.js";
import {
  allFindings,
  failingCount,
  OUTPUT_FORMATS,
  type CliOutput,
  type FailOn,
  type LintItem,
  type OutputFormat,
} from "./format/report.js";
import { formatSarif } from "./format/sarif.js";
import { formatText } from "./format/text.js";
import { runSnapshotCli, UsageError, type SnapshotCliDeps } from "./snapshot.js";
import { REVIEW_FORMATTERS, reviewFailing, runReviewPlan } from "./review-plan.js";

/** The folder, under --sarif-dir, of the files SARIF results point at when the user gave none. */
export const SARIF_ARTIFACT_DIR = "aws-organizations";

/** What a policy id looks like, for the errors that refuse one. */
const POLICY_ID_HINT =
  "a policy id looks like p-abcd1234 or p-FullAWSAccess (p- then 8 or more letters, digits or _)";

/** An argument meant as a policy id (p-..., no folder or extension), even a malformed one. */
const looksLikePolicyId = (arg: string): boolean => /^p-[^/\\.]*$/.test(arg);

export const CLI_USAGE = `Usage: ${SERVER_NAME} <command> [options]

Commands:
  audit      compare the organization's SCPs and RCPs with a baseline (drift)
  lint       lint policy files, baseline files, or organization policies by id
  snapshot   capture an AWS organization into a snapshot file (see: snapshot --help)
  review-plan PLAN.json   a Terraform plan's SCP/RCP changes for a pull request (docs/preview.md)
  --stdio    serve the MCP tools over stdio, for desktop clients (also: serve --stdio); configured
             as the HTTP server is (RUNTIME_CONFIG_FILE, RUNTIME_CONFIG_SECRET_ID, .env.example)

Organization (audit; lint of policy ids):
  --snapshot FILE          an organization snapshot file (offline)
  --demo                   the bundled demo organization
  --aws                    the live organization (AWS credentials from the SDK chain)
  --region REGION          Organizations endpoint region with --aws (default us-east-1)
  --role-arn ARN           role to assume first with --aws
  --external-id ID         external id for --role-arn
  --allowed-ou-ids LIST    only these OU/root ids (comma-separated); default: the whole organization

audit:
  --baseline FILE          the baseline document (docs/baseline.md); with --demo, the demo baseline by default
  --baseline-secret ID     read the baseline from this Secrets Manager secret instead
  --baseline-region REGION region of the secret
  --policy NAME|ID         only this policy
  --scope ID               only differences reaching this OU, account or root

lint [FILE|POLICY_ID ...]:
  FILE                     a policy document (JSON) or a baseline file (every policy in it is linted)
  POLICY_ID                a policy of the organization (needs --snapshot, --demo or --aws): p- then 8
                           or more letters, digits or _, e.g. p-abcd1234 or p-FullAWSAccess
  --all                    every policy of the organization
  --type scp|rcp           type of the policy files (default scp)
  --scp-size-limit N       SCP size quota in characters (default ${POLICY_SIZE_LIMITS.SERVICE_CONTROL_POLICY})
  --rcp-size-limit N       RCP size quota in characters (default ${POLICY_SIZE_LIMITS.RESOURCE_CONTROL_POLICY})
  --max-policies-per-target N   policies of the linted type per target (default ${POLICIES_PER_TARGET_TEXT})
  --max-ou-depth N              (default ${MAX_OU_DEPTH})

review-plan PLAN.json (terraform show -json plan.out > PLAN.json):
  --activity FILE          also replay these CloudTrail records (needs --snapshot, --demo or --aws)
  with an organization, each flipped request is shown on the real chain of an account it reaches

Output:
  --format text|json|markdown|sarif   (default text)
  --output FILE            write there instead of stdout
  --fail-on SEVERITY       exit 1 when a finding is at least critical|high|medium|low|info; none never (default low)
  --sarif-dir DIR          with --format sarif: where the files that results point at are written when
                           they are not files you gave: ${SARIF_ARTIFACT_DIR}/baseline.json (the baseline of a
                           secret or the demo), ${SARIF_ARTIFACT_DIR}/policies/<id>.json (policies linted by
                           id). Default: the folder of --output, else the current folder

Exit codes (every command): 0 clean (snapshot: done), 1 findings at or above --fail-on (audit, lint),
2 errors: usage, configuration, input (an unknown id, an unreadable file), AWS or file errors.`;

export interface CliDeps {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  readTextFile?: (path: string) => Promise<string>;
  writeOutput?: (path: string, text: string) => Promise<void>;
  /** Writes a file SARIF results point at (creating its folder). */
  writeArtifact?: (path: string, text: string) => Promise<void>;
  readSecret?: SecretReader;
  createAwsReader?: (options: {
    region?: string;
    roleArn?: string;
    externalId?: string;
  }) => OrganizationReader;
  snapshot?: SnapshotCliDeps;
}

const ORG_OPTIONS = {
  snapshot: { type: "string" },
  demo: { type: "boolean" },
  aws: { type: "boolean" },
  region: { type: "string" },
  "role-arn": { type: "string" },
  "external-id": { type: "string" },
  "allowed-ou-ids": { type: "string" },
} as const;

const OUTPUT_OPTIONS = {
  format: { type: "string" },
  output: { type: "string", short: "o" },
  "fail-on": { type: "string" },
  "sarif-dir": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = Record<string, string | boolean | undefined>;

function parse(
  argv: readonly string[],
  options: Record<string, { type: "string" | "boolean"; short?: string }>,
  positionals: boolean,
): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args: [...argv], options, strict: true, allowPositionals: positionals });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
}

const str = (v: string | boolean | undefined): string | undefined => (typeof v === "string" ? v : undefined);

interface OutputOptions {
  format: OutputFormat;
  output?: string;
  failOn: FailOn;
  /** Where generated SARIF artifacts go. */
  sarifDir: string;
}

function outputOptions(values: Values): OutputOptions {
  const format = str(values.format) ?? "text";
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(", ")}, not "${format}"`);
  const failOn = str(values["fail-on"]) ?? "low";
  if (failOn !== "none" && !isSeverity(failOn))
    throw new UsageError(`--fail-on must be critical, high, medium, low, info or none, not "${failOn}"`);
  const output = str(values.output);
  const sarifDir = str(values["sarif-dir"]);
  if (sarifDir !== undefined && format !== "sarif")
    throw new UsageError("--sarif-dir applies only with --format sarif");
  return {
    format: format as OutputFormat,
    failOn,
    ...(output ? { output } : {}),
    sarifDir: sarifDir ?? (output ? dirname(output) : "."),
  };
}

/** A path under --sarif-dir, written relative to the current folder as SARIF URIs are. */
const artifactPath = (sarifDir: string, ...parts: string[]): string => join(sarifDir, ...parts);

function positiveInt(values: Values, name: string): number | undefined {
  const v = str(values[name]);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive whole number`);
  return n;
}

interface OpenedOrganization {
  org: OrganizationService;
  /** For reports: "snapshot org.json (o-..., captured ...)". */
  label: string;
  /** For errors: "the demo organization", "snapshot org.json", "the AWS organization". */
  name: string;
  demo: boolean;
}

async function openOrganization(
  values: Values,
  deps: CliDeps,
  readText: (p: string) => Promise<string>,
): Promise<OpenedOrganization | undefined> {
  const snapshot = str(values.snapshot);
  const chosen = [snapshot !== undefined, values.demo === true, values.aws === true].filter(Boolean).length;
  if (chosen > 1) throw new UsageError("give only one of --snapshot FILE, --demo and --aws");
  if (chosen === 0) return undefined;
  const allowedText = str(values["allowed-ou-ids"]);
  const allowed = allowedText
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of allowed ?? []) {
    if (!OU_ID.test(id) && !ROOT_ID.test(id))
      throw new UsageError(`--allowed-ou-ids: "${id}" is not an OU id (ou-…) or a root id (r-…)`);
  }
  let reader: OrganizationReader;
  let label: string;
  let name: string;
  if (snapshot !== undefined) {
    const snap = await loadSnapshotFile(snapshot, readText);
    reader = createSnapshotReader(snap, "snapshot");
    label = `snapshot ${snapshot} (${snap.organization.id}, captured ${snap.capturedAt})`;
    name = `snapshot ${snapshot}`;
  } else if (values.demo === true) {
    reader = createSnapshotReader(demoSnapshot(), "demo");
    label = "the bundled demo organization";
    name = "the demo organization";
  } else {
    const region = str(values.region);
    const roleArn = str(values["role-arn"]);
    const externalId = str(values["external-id"]);
    const options = {
      ...(region ? { region } : {}),
      ...(roleArn ? { roleArn } : {}),
      ...(externalId ? { externalId } : {}),
    };
    reader = deps.createAwsReader?.(options) ?? createAwsReader({ cacheTtlSeconds: 3600, ...options });
    label = `the AWS organization${roleArn ? ` (via ${roleArn})` : ""}`;
    name = "the AWS organization";
  }
  return { org: new OrganizationService(reader, allowed), label, name, demo: values.demo === true };
}

async function runAudit(argv: readonly string[], deps: CliDeps, readText: (p: string) => Promise<string>) {
  const { values, positionals } = parse(
    argv,
    {
      ...ORG_OPTIONS,
      ...OUTPUT_OPTIONS,
      baseline: { type: "string", short: "b" },
      "baseline-secret": { type: "string" },
      "baseline-region": { type: "string" },
      policy: { type: "string" },
      scope: { type: "string" },
    },
    true,
  );
  if (values.help) return "help" as const;
  if (positionals.length)
    throw new UsageError(`audit takes no positional arguments (got ${positionals.join(" ")})`);
  const out = outputOptions(values);
  const scope = str(values.scope);
  if (scope !== undefined && !ACCOUNT_ID.test(scope) && !OU_ID.test(scope) && !ROOT_ID.test(scope))
    throw new UsageError(`--scope must be an account, OU or root id, not "${scope}"`);
  const opened = await openOrganization(values, deps, readText);
  if (!opened) throw new UsageError("audit needs the organization: --snapshot FILE, --demo or --aws");

  const file = str(values.baseline);
  const secret = str(values["baseline-secret"]);
  if (file !== undefined && secret !== undefined)
    throw new UsageError("give --baseline or --baseline-secret, not both");
  let loaded: LoadedBaseline;
  let text: string | undefined;
  if (file !== undefined) {
    // The file's text is kept: SARIF results point at lines of it.
    loaded = await loadBaseline(
      { source: "file", path: file },
      { readTextFile: async (path) => (text = await readText(path)) },
    );
  } else if (secret !== undefined) {
    const region = str(values["baseline-region"]);
    const readSecret = deps.readSecret ?? createSecretReader(region);
    loaded = await loadBaseline(
      { source: "secretsmanager", secretId: secret, ...(region ? { region } : {}) },
      // The secret's text is kept: SARIF results point at lines of it, written to a file.
      { readSecret: async (id, r) => (text = await readSecret(id, r)) },
    );
  } else if (opened.demo) {
    loaded = demoBaseline();
    text = `${JSON.stringify(demoBaselineDocument, null, 2)}\n`;
  } else throw new UsageError("audit needs a baseline: --baseline FILE or --baseline-secret ID");

  const policy = str(values.policy);
  const report = await computeDrift(opened.org, {
    baseline: loaded.baseline,
    ...(policy !== undefined ? { policy } : {}),
    ...(scope !== undefined ? { scopeId: scope } : {}),
  });
  const output: CliOutput = {
    command: "audit",
    baseline: {
      origin: loaded.origin,
      // SARIF results point at the baseline file, or at a copy of the secret's or the demo's document.
      file: file ?? artifactPath(out.sarifDir, SARIF_ARTIFACT_DIR, "baseline.json"),
      generated: file === undefined,
      ...(text !== undefined ? { text } : {}),
    },
    organization: opened.label,
    report,
  };
  return { result: output, ...out };
}

function policyTypeOf(value: string | undefined): PolicyType {
  const v = (value ?? "scp").toLowerCase();
  if (v === "scp" || v === "service_control_policy") return "SERVICE_CONTROL_POLICY";
  if (v === "rcp" || v === "resource_control_policy") return "RESOURCE_CONTROL_POLICY";
  throw new UsageError(`--type must be scp or rcp, not "${value}"`);
}

/** A file's lint items: one per policy of a baseline file, else the document itself. */
function lintFileItems(
  path: string,
  text: string,
  type: PolicyType,
  data: { catalogue: Catalogue; iam: IamIndex },
  limits: Partial<LintLimits>,
): LintItem[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // lintPolicy reports the syntax error with its line and column.
    return [{ source: { kind: "file", path }, result: lintPolicy(text, { type, ...data, limits }) }];
  }
  const isBaseline =
    raw !== null &&
    typeof raw === "object" &&
    "formatVersion" in raw &&
    "policies" in raw &&
    !("Statement" in raw);
  if (!isBaseline)
    return [{ source: { kind: "file", path }, result: lintPolicy(text, { type, ...data, limits }) }];
  let baseline;
  try {
    baseline = parseBaseline(raw, `file ${path}`);
  } catch (error) {
    if (!(error instanceof BaselineValidationError)) throw error;
    // A baseline whose policies do not parse: lint each entry anyway, so the grammar errors are shown.
    const entries = (raw as { policies?: unknown }).policies;
    if (!Array.isArray(entries)) throw error;
    return entries.map((entry: unknown, i) => {
      const e = (entry ?? {}) as { name?: unknown; type?: unknown; content?: unknown };
      const t = e.type === "RESOURCE_CONTROL_POLICY" ? "RESOURCE_CONTROL_POLICY" : "SERVICE_CONTROL_POLICY";
      const content =
        typeof e.content === "string" || (e.content && typeof e.content === "object") ? e.content : "";
      const result = lintPolicy(content as string | object, { type: t, ...data, limits });
      relocate(result, text, ["policies", i, "content"], typeof content === "string");
      return {
        source: { kind: "file" as const, path },
        ...(typeof e.name === "string" ? { name: e.name } : {}),
        result,
      };
    });
  }
  return baseline.policies.map((p) => {
    const asText = (raw as { policies: { content: unknown }[] }).policies[p.index]?.content;
    const isString = typeof asText === "string";
    const result = lintPolicy(isString ? p.contentText : p.content, { type: p.type, ...data, limits });
    relocate(result, text, ["policies", p.index, "content"], isString);
    return { source: { kind: "file" as const, path }, name: p.name, result };
  });
}

/** Points a baseline entry's findings at lines of the baseline file. */
function relocate(
  result: LintResult,
  fileText: string,
  prefix: (string | number)[],
  contentIsString: boolean,
): void {
  for (const f of result.findings) {
    const pointer = contentIsString ? prefix : [...prefix, ...parsePathString(f.location.path)];
    const pos = locateInJson(fileText, pointer);
    f.location.line = pos?.line ?? null;
    f.location.column = pos?.column ?? null;
  }
}

async function runLint(argv: readonly string[], deps: CliDeps, readText: (p: string) => Promise<string>) {
  const { values, positionals } = parse(
    argv,
    {
      ...ORG_OPTIONS,
      ...OUTPUT_OPTIONS,
      all: { type: "boolean" },
      type: { type: "string" },
      "scp-size-limit": { type: "string" },
      "rcp-size-limit": { type: "string" },
      "max-policies-per-target": { type: "string" },
      "max-ou-depth": { type: "string" },
    },
    true,
  );
  if (values.help) return "help" as const;
  const out = outputOptions(values);
  const type = policyTypeOf(str(values.type));
  const limits: Partial<LintLimits> = {};
  const scpSize = positiveInt(values, "scp-size-limit");
  const rcpSize = positiveInt(values, "rcp-size-limit");
  const perTarget = positiveInt(values, "max-policies-per-target");
  const depth = positiveInt(values, "max-ou-depth");
  if (scpSize !== undefined) limits.scpSize = scpSize;
  if (rcpSize !== undefined) limits.rcpSize = rcpSize;
  if (perTarget !== undefined) limits.policiesPerTarget = perTarget;
  if (depth !== undefined) limits.ouDepth = depth;

  const ids = positionals.filter((p) => POLICY_ID.test(p));
  const files = positionals.filter((p) => !POLICY_ID.test(p));
  if (!ids.length && !files.length && !values.all)
    throw new UsageError(`lint needs policy files, policy ids or --all (${POLICY_ID_HINT})`);
  const opened = await openOrganization(values, deps, readText);
  if ((ids.length || values.all) && !opened)
    throw new UsageError(
      "linting policy ids (or --all) needs the organization: --snapshot FILE, --demo or --aws",
    );

  const texts = await Promise.all(
    files.map(async (path) => {
      try {
        return { path, text: await readText(path) };
      } catch (error) {
        // p-nope is no file: it was meant as a policy id, and is not one of this organization.
        if (looksLikePolicyId(path)) throw noSuchPolicy(path, opened);
        throw new ConfigError(`Cannot read ${path}: ${errorMessage(error)}`);
      }
    }),
  );
  const data = await prepareLint(texts.map((t) => t.text));
  const items: LintItem[] = texts.flatMap((t) =>
    lintFileItems(t.path, t.text, type, data, limits).map((item) => ({ ...item, text: t.text })),
  );
  if (opened) {
    const policyIds = [...ids];
    if (values.all) {
      for (const t of ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"] as const) {
        for (const row of await opened.org.listVisiblePolicies(t)) policyIds.push(row.summary.id);
      }
    }
    for (const id of [...new Set(policyIds)]) items.push(await lintPolicyById(opened, id, limits, out));
  }
  const output: CliOutput = { command: "lint", items };
  return { result: output, ...out };
}

/** The error for a policy id the organization does not have (or an argument that is neither file nor id). */
function noSuchPolicy(id: string, opened: OpenedOrganization | undefined): Error {
  if (!opened)
    return new UsageError(
      `${id} is no file, and linting a policy by id needs the organization: --snapshot FILE, --demo or --aws (${POLICY_ID_HINT})`,
    );
  return notFound(`no policy ${id} in ${opened.name}: ${POLICY_ID_HINT}; --all lints every policy it has`);
}

/** One organization policy's lint item, with its document for SARIF regions. */
async function lintPolicyById(
  opened: OpenedOrganization,
  id: string,
  limits: Partial<LintLimits>,
  out: OutputOptions,
): Promise<LintItem> {
  let report;
  try {
    report = await lintOrganizationPolicy(opened.org, id, limits);
  } catch (error) {
    if (error instanceof UserError && error.code === "not_found") throw noSuchPolicy(id, opened);
    throw error;
  }
  // Read after the lint, which read it already (and checked the scope): no further AWS call.
  const policy = await opened.org.reader.describePolicy(id);
  return {
    source: { kind: "policy", id },
    ...(report.policy ? { name: report.policy.name } : {}),
    result: report.result,
    text: policy.content,
    artifact: artifactPath(out.sarifDir, SARIF_ARTIFACT_DIR, "policies", `${id}.json`),
  };
}

const FORMATTERS: Record<OutputFormat, (o: CliOutput) => string> = {
  text: formatText,
  json: formatJson,
  markdown: formatMarkdown,
  sarif: formatSarif,
};

/**
 * Writes the files SARIF results point at that the user did not give (GitHub code scanning needs a
 * physical location for every result): the baseline read from a secret or the demo's, and the
 * documents of organization policies linted by id. Returns their paths.
 */
async function writeSarifArtifacts(result: CliOutput, deps: CliDeps): Promise<string[]> {
  const files = new Map<string, string>();
  if (result.command === "audit") {
    if (result.baseline.generated && result.baseline.text !== undefined)
      files.set(result.baseline.file, result.baseline.text);
  } else {
    for (const item of result.items)
      if (item.artifact !== undefined && item.text !== undefined) files.set(item.artifact, item.text);
  }
  const write =
    deps.writeArtifact ??
    (async (path: string, text: string) => {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, text, "utf8");
    });
  for (const [path, text] of files) {
    try {
      await write(path, text);
    } catch (error) {
      throw new ConfigError(
        `Cannot write ${path}, a file the SARIF results point at: ${errorMessage(error)}`,
      );
    }
  }
  return [...files.keys()];
}

/** Runs a command line and returns the exit code. */
export async function runCli(argv: readonly string[], deps: CliDeps = {}): Promise<number> {
  const stdout = deps.stdout ?? ((t: string) => void process.stdout.write(t));
  const stderr = deps.stderr ?? ((t: string) => void process.stderr.write(t));
  const readText = deps.readTextFile ?? ((p: string) => readFile(p, "utf8"));
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    (command === undefined ? stderr : stdout)(`${CLI_USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === "--version" || command === "version") {
    stdout(`${SERVER_VERSION}\n`);
    return 0;
  }
  if (command === "snapshot") {
    return runSnapshotCli(rest, { ...(deps.snapshot ?? {}), stdout, stderr });
  }
  if (command === "review-plan") return reviewPlanCommand(rest, deps, readText, stdout, stderr);
  if (command !== "audit" && command !== "lint") {
    stderr(`${SERVER_NAME}: unknown command "${command}"\n\n${CLI_USAGE}\n`);
    return EXIT_ERROR;
  }
  try {
    const run =
      command === "audit" ? await runAudit(rest, deps, readText) : await runLint(rest, deps, readText);
    if (run === "help") {
      stdout(`${CLI_USAGE}\n`);
      return 0;
    }
    const text = FORMATTERS[run.format](run.result);
    if (run.format === "sarif") {
      const written = await writeSarifArtifacts(run.result, deps);
      if (written.length)
        stderr(`${command}: SARIF results point into ${written.join(", ")} (written for code scanning)\n`);
    }
    if (run.output !== undefined) {
      try {
        await (deps.writeOutput ?? ((p: string, t: string) => writeFile(p, t, "utf8")))(run.output, text);
      } catch (error) {
        stderr(`${command}: cannot write ${run.output}: ${errorMessage(error)}\n`);
        return EXIT_ERROR;
      }
    } else stdout(text);
    const failing = failingCount(run.result, run.failOn);
    const all = allFindings(run.result);
    if (run.output !== undefined || run.format !== "text") {
      stderr(
        `${command}: ${all.length} finding(s)${
          run.failOn === "none" ? "" : `, ${failing} at or above ${run.failOn}`
        }${run.output ? ` -> ${run.output}` : ""}\n`,
      );
    }
    return failing > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError) {
      stderr(`${command}: ${error.message}\n\nRun "${SERVER_NAME} --help" for the options.\n`);
      return EXIT_ERROR;
    }
    if (
      error instanceof ConfigError ||
      error instanceof BaselineValidationError ||
      error instanceof UserError
    ) {
      stderr(`${command}: ${error.message}\n`);
      return EXIT_ERROR;
    }
    stderr(`${command}: unexpected error: ${errorMessage(error)}\n`);
    return EXIT_ERROR;
  }
}

async function reviewPlanCommand(
  argv: readonly string[],
  deps: CliDeps,
  readText: (p: string) => Promise<string>,
  stdout: (t: string) => void,
  stderr: (t: string) => void,
): Promise<number> {
  const command = "review-plan";
  try {
    const { values, positionals } = parse(
      argv,
      { ...ORG_OPTIONS, ...OUTPUT_OPTIONS, activity: { type: "string" } },
      true,
    );
    if (values.help) {
      stdout(`${CLI_USAGE}\n`);
      return 0;
    }
    const out = outputOptions(values);
    const [planFile, ...extra] = positionals;
    if (planFile === undefined)
      throw new UsageError("review-plan needs the plan: terraform show -json plan.out > plan.json");
    if (extra.length) throw new UsageError(`review-plan takes one plan file (got ${positionals.join(" ")})`);
    const opened = await openOrganization(values, deps, readText);
    const activityFile = str(values.activity);
    if (activityFile !== undefined && !opened)
      throw new UsageError(
        "--activity needs the organization to replay against: --snapshot FILE, --demo or --aws",
      );
    const result = await runReviewPlan({
      planFile,
      readText,
      ...(activityFile !== undefined ? { activityFile } : {}),
      ...(opened ? { opened } : {}),
    });
    const text = REVIEW_FORMATTERS[out.format](result);
    if (out.output !== undefined) {
      try {
        await (deps.writeOutput ?? ((p: string, t: string) => writeFile(p, t, "utf8")))(out.output, text);
      } catch (error) {
        stderr(`${command}: cannot write ${out.output}: ${errorMessage(error)}\n`);
        return EXIT_ERROR;
      }
    } else stdout(text);
    const failing = reviewFailing(result, out.failOn);
    if (out.output !== undefined || out.format !== "text")
      stderr(
        `${command}: ${result.review.findings.length} finding(s)${out.failOn === "none" ? "" : `, ${failing} at or above ${out.failOn}`}${out.output ? ` -> ${out.output}` : ""}\n`,
      );
    return failing > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof UsageError) {
      stderr(`${command}: ${error.message}\n\nRun "${SERVER_NAME} --help" for the options.\n`);
      return EXIT_ERROR;
    }
    if (error instanceof ConfigError || error instanceof UserError) {
      stderr(`${command}: ${error.message}\n`);
      return EXIT_ERROR;
    }
    stderr(`${command}: unexpected error: ${errorMessage(error)}\n`);
    return EXIT_ERROR;
  }
}

runWhenMain(import.meta.url, SERVER_NAME, runCli);
