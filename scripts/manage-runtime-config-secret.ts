/**
 * Writes the server's runtime configuration document (src/config/schema.ts) to the Secrets Manager
 * secret the container reads at start-up (RUNTIME_CONFIG_SECRET_ID). Idempotent; run by Terraform
 * (terraform/runtime_config.tf) and usable by hand.
 *
 * The document is validated with the server's own schema before anything is written, so a
 * configuration the server would refuse never reaches the secret. A new secret version is written
 * only when the document differs (compared as JSON, key order ignored).
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { describeIssues } from "../src/errors.js";
import { runtimeConfigSchema } from "../src/config/schema.js";
import {
  CliError,
  awsErrorName,
  errorText,
  isAccessDenied,
  isMain,
  isNotFound,
  resolveRegion,
  runCli,
  stableStringify,
  usageError,
  withThrottlingRetries,
  type RetryOptions,
} from "./lib/cli.js";

export const HELP = `Usage: npx tsx scripts/manage-runtime-config-secret.ts <command> [options]

Manages the runtime configuration document of the MCP server in AWS Secrets Manager.

Commands:
  put      validate the document and write it when it differs from the stored one
  get      print the stored document
  delete   delete the secret (nothing to do when it does not exist)

Options (each falls back to the environment variable in brackets):
  --secret-id ID         secret name or ARN [RUNTIME_CONFIG_SECRET_ID]
  --region REGION        AWS region [AWS_REGION, AWS_DEFAULT_REGION]
  --file PATH            read the document from a file (put) [else RUNTIME_CONFIG_JSON holds it]
  --create               put: create the secret when it does not exist (Terraform creates it otherwise)
  --kms-key-id KEY       put --create: customer managed KMS key for a new secret
  --recovery-days N      delete: recovery window in days, 7-30 (default 7)
  --force                delete: delete at once, without a recovery window
  --dry-run              report what put/delete would do, change nothing
  -h, --help             show this help

Output: one JSON line on stdout, e.g. {"action":"updated","secretId":"..."} (get prints the document).
Exit codes: 0 success, 1 AWS or validation failure, 2 wrong usage.`;

export type PutAction = "created" | "updated" | "unchanged" | "would-create" | "would-update";
export type DeleteAction = "deleted" | "absent" | "would-delete";

export interface Options {
  dryRun?: boolean;
  create?: boolean;
  kmsKeyId?: string;
  retry?: RetryOptions;
}

/** Parses and validates a runtime configuration document; returns the text to store. */
export function prepareDocument(text: string, origin: string): string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CliError(`the runtime configuration from ${origin} is not valid JSON: ${errorText(error)}`);
  }
  const parsed = runtimeConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CliError(
      `the runtime configuration from ${origin} would be refused by the server: ${describeIssues(parsed.error)}`,
    );
  }
  // Store what was written (not the defaults zod fills in), in a stable form.
  return `${stableStringify(raw)}\n`;
}

/** True when both texts hold the same JSON value (key order and whitespace ignored). */
export function sameDocument(stored: string | undefined, next: string): boolean {
  if (stored === undefined) return false;
  try {
    return stableStringify(JSON.parse(stored)) === stableStringify(JSON.parse(next));
  } catch {
    return false;
  }
}

export function describeAwsError(operation: string, secretId: string, error: unknown): CliError {
  if (error instanceof CliError) return error;
  const code = awsErrorName(error);
  if (isAccessDenied(error)) {
    return new CliError(
      `access denied calling secretsmanager ${operation} on ${secretId}. The deploying identity needs ` +
        "secretsmanager:GetSecretValue, DescribeSecret and PutSecretValue on the secret (CreateSecret and " +
        `DeleteSecret to create or delete it, kms:Encrypt/GenerateDataKey on a customer managed key). AWS said: ${errorText(error)}`,
    );
  }
  if (code === "DecryptionFailure" || code === "EncryptionFailure" || code === "KMSAccessDeniedException") {
    return new CliError(`${operation} on ${secretId} failed on its KMS key (${code}): ${errorText(error)}`);
  }
  if (code === "InvalidRequestException") {
    return new CliError(
      `${operation} on ${secretId} was refused (${errorText(error)}); if the secret is scheduled for deletion, ` +
        `restore it with: aws secretsmanager restore-secret --secret-id ${secretId}`,
    );
  }
  if (code === "CredentialsProviderError")
    return new CliError(`no AWS credentials available: ${errorText(error)}`);
  return new CliError(`${operation} on ${secretId} failed (${code}): ${errorText(error)}`);
}

async function call<T>(
  operation: string,
  secretId: string,
  options: Options,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await withThrottlingRetries(`${operation} on ${secretId}`, fn, options.retry);
  } catch (error) {
    throw describeAwsError(operation, secretId, error);
  }
}

type Stored = { state: "value"; text: string } | { state: "empty" } | { state: "missing" };

/** The stored document; "empty" when the secret exists without a current value. */
export async function readStored(
  client: SecretsManagerClient,
  secretId: string,
  options: Options = {},
): Promise<Stored> {
  try {
    const out = await withThrottlingRetries(
      `GetSecretValue on ${secretId}`,
      () => client.send(new GetSecretValueCommand({ SecretId: secretId })),
      options.retry,
    );
    if (out.SecretString !== undefined) return { state: "value", text: out.SecretString };
    if (out.SecretBinary) return { state: "value", text: Buffer.from(out.SecretBinary).toString("utf8") };
    return { state: "empty" };
  } catch (error) {
    if (!isNotFound(error)) throw describeAwsError("GetSecretValue", secretId, error);
  }
  // Not found: either no secret, or a secret without an AWSCURRENT version yet.
  try {
    await withThrottlingRetries(
      `DescribeSecret on ${secretId}`,
      () => client.send(new DescribeSecretCommand({ SecretId: secretId })),
      options.retry,
    );
    return { state: "empty" };
  } catch (error) {
    if (isNotFound(error)) return { state: "missing" };
    throw describeAwsError("DescribeSecret", secretId, error);
  }
}

export async function putDocument(
  client: SecretsManagerClient,
  secretId: string,
  documentText: string,
  options: Options = {},
): Promise<{ action: PutAction; secretId: string; versionId?: string }> {
  const stored = await readStored(client, secretId, options);
  if (stored.state === "value" && sameDocument(stored.text, documentText))
    return { action: "unchanged", secretId };

  if (stored.state === "missing") {
    if (!options.create) {
      throw new CliError(
        `secret ${secretId} does not exist. Terraform creates it (terraform/runtime_config.tf); ` +
          "to create it from here, pass --create.",
      );
    }
    if (options.dryRun) return { action: "would-create", secretId };
    const created = await call("CreateSecret", secretId, options, () =>
      client.send(
        new CreateSecretCommand({
          Name: secretId,
          Description: "Runtime configuration of the AWS Organizations MCP server",
          SecretString: documentText,
          ...(options.kmsKeyId ? { KmsKeyId: options.kmsKeyId } : {}),
        }),
      ),
    );
    return {
      action: "created",
      secretId: created.ARN ?? secretId,
      ...(created.VersionId ? { versionId: created.VersionId } : {}),
    };
  }

  const action = stored.state === "empty" ? "created" : "updated";
  if (options.dryRun) return { action: action === "created" ? "would-create" : "would-update", secretId };
  const put = await call("PutSecretValue", secretId, options, () =>
    client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: documentText })),
  );
  return { action, secretId, ...(put.VersionId ? { versionId: put.VersionId } : {}) };
}

export async function deleteSecret(
  client: SecretsManagerClient,
  secretId: string,
  options: Options & { recoveryDays?: number; force?: boolean } = {},
): Promise<{ action: DeleteAction; secretId: string }> {
  const stored = await readStored(client, secretId, options);
  if (stored.state === "missing") return { action: "absent", secretId };
  if (options.dryRun) return { action: "would-delete", secretId };
  try {
    await withThrottlingRetries(
      `DeleteSecret on ${secretId}`,
      () =>
        client.send(
          new DeleteSecretCommand({
            SecretId: secretId,
            ...(options.force
              ? { ForceDeleteWithoutRecovery: true }
              : { RecoveryWindowInDays: options.recoveryDays ?? 7 }),
          }),
        ),
      options.retry,
    );
  } catch (error) {
    if (isNotFound(error)) return { action: "absent", secretId };
    throw describeAwsError("DeleteSecret", secretId, error);
  }
  return { action: "deleted", secretId };
}

export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  makeClient: (region: string) => SecretsManagerClient = (region) =>
    new SecretsManagerClient({ region, retryMode: "adaptive", maxAttempts: 5 }),
  out: (line: string) => void = (line) => console.log(line),
  readText: (path: string) => Promise<string> = (path) => readFile(path, "utf8"),
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        "secret-id": { type: "string" },
        region: { type: "string" },
        file: { type: "string" },
        create: { type: "boolean" },
        "kms-key-id": { type: "string" },
        "recovery-days": { type: "string" },
        force: { type: "boolean" },
        "dry-run": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw usageError(`${errorText(error)}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(HELP);
    return 0;
  }
  const command = positionals[0];
  if (positionals.length !== 1 || !command || !["put", "get", "delete"].includes(command)) {
    throw usageError(`expected exactly one command: put, get or delete.\n\n${HELP}`);
  }
  const secretId = values["secret-id"] ?? env.RUNTIME_CONFIG_SECRET_ID;
  if (!secretId) throw usageError("no secret: pass --secret-id or set RUNTIME_CONFIG_SECRET_ID.");
  const region = resolveRegion(values.region, env);
  const options: Options = {
    dryRun: values["dry-run"] ?? false,
    create: values.create ?? false,
    ...(values["kms-key-id"] ? { kmsKeyId: values["kms-key-id"] } : {}),
  };

  if (command === "put") {
    let text: string;
    let origin: string;
    if (values.file !== undefined) {
      origin = `file ${values.file}`;
      try {
        text = await readText(values.file);
      } catch (error) {
        throw new CliError(`cannot read ${origin}: ${errorText(error)}`);
      }
    } else if (env.RUNTIME_CONFIG_JSON) {
      origin = "RUNTIME_CONFIG_JSON";
      text = env.RUNTIME_CONFIG_JSON;
    } else {
      throw usageError("no document: pass --file or set RUNTIME_CONFIG_JSON.");
    }
    const document = prepareDocument(text, origin);
    out(JSON.stringify(await putDocument(makeClient(region), secretId, document, options)));
    return 0;
  }

  if (command === "delete") {
    let recoveryDays: number | undefined;
    if (values["recovery-days"] !== undefined) {
      recoveryDays = Number(values["recovery-days"]);
      if (!Number.isInteger(recoveryDays) || recoveryDays < 7 || recoveryDays > 30) {
        throw usageError("--recovery-days must be a whole number from 7 to 30.");
      }
      if (values.force) throw usageError("--recovery-days and --force exclude each other.");
    }
    const result = await deleteSecret(makeClient(region), secretId, {
      ...options,
      force: values.force ?? false,
      ...(recoveryDays !== undefined ? { recoveryDays } : {}),
    });
    out(JSON.stringify(result));
    return 0;
  }

  const stored = await readStored(makeClient(region), secretId, options);
  if (stored.state === "missing") throw new CliError(`secret ${secretId} does not exist in ${region}.`);
  if (stored.state === "empty") throw new CliError(`secret ${secretId} has no value yet: run put.`);
  out(stored.text.trimEnd());
  return 0;
}

if (isMain(import.meta.url)) runCli((argv) => main(argv));
