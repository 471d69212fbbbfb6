/**
 * Creates, updates, reads and deletes the AgentCore Identity OAuth2 credential provider the Gateway
 * uses to call the Runtime (Cognito client credentials). Idempotent; run by Terraform
 * (terraform/agentcore_identity.tf) and usable by hand.
 *
 * The client secret is read from the OAUTH_CLIENT_SECRET environment variable only (never a flag,
 * so it stays out of process lists and shell history) and is never printed. AgentCore does not
 * return the secret, so the provider carries a salted fingerprint of it as a tag: that is how
 * `apply` knows whether the secret changed.
 *
 * Terraform does not read the provider's ARN from AWS: it computes it (terraform/locals.tf,
 * oauth_provider_arn) and writes it into the Gateway target and the Gateway role's policy. Given
 * that ARN (--expected-arn, OAUTH_PROVIDER_EXPECTED_ARN), `apply` and `get` fail when AWS's differs,
 * rather than leave a Gateway that cannot fetch its token.
 */
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import {
  BedrockAgentCoreControlClient,
  CreateOauth2CredentialProviderCommand,
  DeleteOauth2CredentialProviderCommand,
  GetOauth2CredentialProviderCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UpdateOauth2CredentialProviderCommand,
  type GetOauth2CredentialProviderResponse,
  type Oauth2ProviderConfigInput,
} from "@aws-sdk/client-bedrock-agentcore-control";
import {
  CliError,
  awsErrorName,
  errorText,
  isAccessDenied,
  isMain,
  isNotFound,
  resolveRegion,
  runCli,
  usageError,
  withThrottlingRetries,
  type RetryOptions,
} from "./lib/cli.js";

export const FINGERPRINT_TAG = "client-secret-fingerprint";
export const MANAGED_BY_TAG = "managed-by";
const VENDOR = "CustomOauth2";

export const HELP = `Usage: npx tsx scripts/manage-oauth-provider.ts <command> [options]

Manages the AgentCore Identity OAuth2 credential provider (vendor ${VENDOR}) that lets the
AgentCore Gateway fetch a client-credentials token for the Runtime.

Commands:
  apply    create the provider when absent, update it when it differs, otherwise do nothing
  get      print the provider (name, ARN, discovery URL, client id; never the secret) as JSON
  delete   delete the provider (nothing to do when it does not exist)

Options (each falls back to the environment variable in brackets):
  --name NAME            provider name [OAUTH_PROVIDER_NAME]
  --region REGION        AWS region [AWS_REGION, AWS_DEFAULT_REGION]
  --discovery-url URL    OpenID discovery URL of the Cognito user pool (apply) [OAUTH_DISCOVERY_URL]
  --client-id ID         Cognito app client id (apply) [OAUTH_CLIENT_ID]
  --expected-arn ARN     the ARN the provider must have (apply, get): Terraform's oauth_provider_arn,
                         used by the Gateway target and the Gateway role [OAUTH_PROVIDER_EXPECTED_ARN]
  --dry-run              report what apply/delete would do, change nothing
  -h, --help             show this help

The client secret is read from OAUTH_CLIENT_SECRET only (apply); it is never accepted as a flag
and never printed. Credentials come from the default AWS credential chain.

Output: one JSON line on stdout, e.g. {"action":"created","name":"...","arn":"..."}.
Exit codes: 0 success, 1 AWS or validation failure (or an ARN other than the expected one), 2 wrong
usage.`;

export interface ProviderSpec {
  name: string;
  discoveryUrl: string;
  clientId: string;
  clientSecret: string;
}

export type ApplyAction = "created" | "updated" | "unchanged" | "would-create" | "would-update";
export type DeleteAction = "deleted" | "absent" | "would-delete";

export interface ProviderSummary {
  name: string;
  arn: string;
  vendor: string;
  discoveryUrl?: string;
  clientId?: string;
  clientSecretArn?: string;
  status?: string;
}

export interface Options {
  dryRun?: boolean;
  /** The ARN the provider must have (Terraform's oauth_provider_arn); checked when given. */
  expectedArn?: string;
  retry?: RetryOptions;
  log?: (line: string) => void;
}

const NAME_PATTERN = /^[a-zA-Z0-9_-]{1,128}$/;
const PROVIDER_ARN_PATTERN =
  /^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:\d{12}:token-vault\/[^/]+\/oauth2credentialprovider\/([a-zA-Z0-9_-]{1,128})$/;

/** The expected ARN, checked for shape and for naming this provider. */
export function validateExpectedArn(arn: string | undefined, name: string): string | undefined {
  if (arn === undefined || arn === "") return undefined;
  const match = PROVIDER_ARN_PATTERN.exec(arn);
  if (!match) {
    throw usageError(
      `expected ARN "${arn}" is not an OAuth2 credential provider ARN ` +
        "(arn:aws:bedrock-agentcore:<region>:<account>:token-vault/<vault>/oauth2credentialprovider/<name>).",
    );
  }
  if (match[1] !== name) {
    throw usageError(`expected ARN "${arn}" names provider "${match[1]}", not "${name}".`);
  }
  return arn;
}

/** Fails when the provider's real ARN is not the one Terraform wrote into the Gateway and its role. */
export function checkArn(name: string, actual: string | undefined, expected: string | undefined): void {
  if (expected === undefined || actual === undefined || actual === expected) return;
  throw new CliError(
    `provider "${name}" has the ARN ${actual}, but Terraform computed ${expected} (terraform/locals.tf, ` +
      "oauth_provider_arn) and uses it in the Gateway target's credential provider and in the Gateway role's " +
      "bedrock-agentcore:GetResourceOauth2Token permission: with this provider the Gateway could not fetch its " +
      "token for the Runtime. Make the computed ARN match AWS's (token vault, region, account, partition) and " +
      "apply again.",
  );
}

/** Salted, truncated hash of the client secret: tells "changed" from "unchanged", reveals nothing. */
export function secretFingerprint(name: string, clientSecret: string): string {
  return createHash("sha256")
    .update(`agentcore-oauth2-provider\u0000${name}\u0000${clientSecret}`)
    .digest("hex")
    .slice(0, 32);
}

export function validateName(name: string | undefined): string {
  if (!name) throw usageError("no provider name: pass --name or set OAUTH_PROVIDER_NAME.");
  if (!NAME_PATTERN.test(name)) {
    throw usageError(`provider name "${name}" must be 1-128 letters, digits, hyphens or underscores.`);
  }
  return name;
}

export function validateSpec(input: { [K in keyof ProviderSpec]?: string | undefined }): ProviderSpec {
  const name = validateName(input.name);
  const { discoveryUrl, clientId, clientSecret } = input;
  if (!discoveryUrl) throw usageError("no discovery URL: pass --discovery-url or set OAUTH_DISCOVERY_URL.");
  if (!/^https:\/\/\S+\/\.well-known\/openid-configuration$/.test(discoveryUrl)) {
    throw usageError(
      `discovery URL "${discoveryUrl}" must be an https URL ending in /.well-known/openid-configuration ` +
        "(for Cognito: https://cognito-idp.<region>.amazonaws.com/<user pool id>/.well-known/openid-configuration).",
    );
  }
  if (!clientId) throw usageError("no client id: pass --client-id or set OAUTH_CLIENT_ID.");
  if (clientId.length > 256) throw usageError("the client id is longer than 256 characters.");
  if (!clientSecret) {
    throw usageError(
      "no client secret: set OAUTH_CLIENT_SECRET (it is never accepted as a command-line flag).",
    );
  }
  if (clientSecret.length > 2048) throw usageError("the client secret is longer than 2048 characters.");
  return { name, discoveryUrl, clientId, clientSecret };
}

function configInput(spec: ProviderSpec): Oauth2ProviderConfigInput {
  return {
    customOauth2ProviderConfig: {
      oauthDiscovery: { discoveryUrl: spec.discoveryUrl },
      clientId: spec.clientId,
      clientSecret: spec.clientSecret,
    },
  };
}

/** Turns an SDK error into a message that says what to do. */
export function describeAwsError(operation: string, name: string, error: unknown): CliError {
  if (error instanceof CliError) return error;
  const code = awsErrorName(error);
  if (isAccessDenied(error)) {
    return new CliError(
      `access denied calling bedrock-agentcore-control ${operation} for provider "${name}". The deploying ` +
        "identity needs bedrock-agentcore:GetOauth2CredentialProvider, CreateOauth2CredentialProvider, " +
        "UpdateOauth2CredentialProvider, DeleteOauth2CredentialProvider, ListTagsForResource, TagResource and " +
        "the token vault actions, plus secretsmanager:CreateSecret, PutSecretValue and DeleteSecret on " +
        `bedrock-agentcore-identity!default/oauth2/* (see docs/deploy.md). AWS said: ${errorText(error)}`,
    );
  }
  if (code === "ValidationException") {
    return new CliError(`AgentCore rejected ${operation} for provider "${name}": ${errorText(error)}`);
  }
  if (code === "ConflictException") {
    return new CliError(
      `${operation} for provider "${name}" conflicts with a change in progress: ${errorText(error)}. Run again in a minute.`,
    );
  }
  if (code === "ServiceQuotaExceededException") {
    return new CliError(
      `the account has reached its quota of OAuth2 credential providers: ${errorText(error)}`,
    );
  }
  if (code === "CredentialsProviderError") {
    return new CliError(`no AWS credentials available: ${errorText(error)}`);
  }
  return new CliError(`${operation} for provider "${name}" failed (${code}): ${errorText(error)}`);
}

async function call<T>(operation: string, name: string, options: Options, fn: () => Promise<T>): Promise<T> {
  try {
    return await withThrottlingRetries(`${operation} for provider "${name}"`, fn, options.retry);
  } catch (error) {
    throw describeAwsError(operation, name, error);
  }
}

/** The provider, or undefined when it does not exist. */
export async function getProvider(
  client: BedrockAgentCoreControlClient,
  name: string,
  options: Options = {},
): Promise<GetOauth2CredentialProviderResponse | undefined> {
  try {
    return await withThrottlingRetries(
      `GetOauth2CredentialProvider for provider "${name}"`,
      () => client.send(new GetOauth2CredentialProviderCommand({ name })),
      options.retry,
    );
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw describeAwsError("GetOauth2CredentialProvider", name, error);
  }
}

export function summarize(provider: GetOauth2CredentialProviderResponse): ProviderSummary {
  const custom = provider.oauth2ProviderConfigOutput?.customOauth2ProviderConfig;
  return {
    name: provider.name ?? "",
    arn: provider.credentialProviderArn ?? "",
    vendor: provider.credentialProviderVendor ?? "",
    ...(custom?.oauthDiscovery?.discoveryUrl ? { discoveryUrl: custom.oauthDiscovery.discoveryUrl } : {}),
    ...(custom?.clientId ? { clientId: custom.clientId } : {}),
    ...(provider.clientSecretArn?.secretArn ? { clientSecretArn: provider.clientSecretArn.secretArn } : {}),
    ...(provider.status ? { status: provider.status } : {}),
  };
}

/** Create when absent, update when the discovery URL, client id or secret changed, else nothing. */
export async function applyProvider(
  client: BedrockAgentCoreControlClient,
  spec: ProviderSpec,
  options: Options = {},
): Promise<{ action: ApplyAction; name: string; arn?: string; changed?: string[] }> {
  const log = options.log ?? (() => undefined);
  const fingerprint = secretFingerprint(spec.name, spec.clientSecret);
  const existing = await getProvider(client, spec.name, options);

  if (!existing) {
    if (options.dryRun) return { action: "would-create", name: spec.name };
    const created = await call("CreateOauth2CredentialProvider", spec.name, options, () =>
      client.send(
        new CreateOauth2CredentialProviderCommand({
          name: spec.name,
          credentialProviderVendor: VENDOR,
          oauth2ProviderConfigInput: configInput(spec),
          tags: { [FINGERPRINT_TAG]: fingerprint, [MANAGED_BY_TAG]: "manage-oauth-provider" },
        }),
      ),
    );
    log(`created OAuth2 credential provider ${spec.name}`);
    const arn =
      created.credentialProviderArn ??
      (options.expectedArn
        ? (await getProvider(client, spec.name, options))?.credentialProviderArn
        : undefined);
    checkArn(spec.name, arn, options.expectedArn);
    return { action: "created", name: spec.name, ...(arn ? { arn } : {}) };
  }

  const current = summarize(existing);
  // Before any change: an existing provider with another ARN is not the one the Gateway will ask for.
  checkArn(spec.name, current.arn || undefined, options.expectedArn);
  if (current.vendor !== VENDOR) {
    throw new CliError(
      `provider "${spec.name}" exists with vendor ${current.vendor || "(unknown)"}, not ${VENDOR}; the vendor cannot ` +
        "be changed in place. Delete it (scripts/manage-oauth-provider.ts delete) or choose another name.",
    );
  }
  const tags = await call("ListTagsForResource", spec.name, options, () =>
    client.send(new ListTagsForResourceCommand({ resourceArn: current.arn })),
  );
  const changed: string[] = [];
  if (current.discoveryUrl !== spec.discoveryUrl) changed.push("discoveryUrl");
  if (current.clientId !== spec.clientId) changed.push("clientId");
  if (tags.tags?.[FINGERPRINT_TAG] !== fingerprint) changed.push("clientSecret");
  if (changed.length === 0) return { action: "unchanged", name: spec.name, arn: current.arn };
  if (options.dryRun) return { action: "would-update", name: spec.name, arn: current.arn, changed };

  await call("UpdateOauth2CredentialProvider", spec.name, options, () =>
    client.send(
      new UpdateOauth2CredentialProviderCommand({
        name: spec.name,
        credentialProviderVendor: VENDOR,
        oauth2ProviderConfigInput: configInput(spec),
      }),
    ),
  );
  await call("TagResource", spec.name, options, () =>
    client.send(
      new TagResourceCommand({ resourceArn: current.arn, tags: { [FINGERPRINT_TAG]: fingerprint } }),
    ),
  );
  log(`updated OAuth2 credential provider ${spec.name} (${changed.join(", ")})`);
  return { action: "updated", name: spec.name, arn: current.arn, changed };
}

export async function deleteProvider(
  client: BedrockAgentCoreControlClient,
  name: string,
  options: Options = {},
): Promise<{ action: DeleteAction; name: string }> {
  const existing = await getProvider(client, name, options);
  if (!existing) return { action: "absent", name };
  if (options.dryRun) return { action: "would-delete", name };
  try {
    await withThrottlingRetries(
      `DeleteOauth2CredentialProvider for provider "${name}"`,
      () => client.send(new DeleteOauth2CredentialProviderCommand({ name })),
      options.retry,
    );
  } catch (error) {
    // Deleted by someone else between the read and the delete: the goal is reached.
    if (isNotFound(error)) return { action: "absent", name };
    throw describeAwsError("DeleteOauth2CredentialProvider", name, error);
  }
  (options.log ?? (() => undefined))(`deleted OAuth2 credential provider ${name}`);
  return { action: "deleted", name };
}

export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  makeClient: (region: string) => BedrockAgentCoreControlClient = (region) =>
    new BedrockAgentCoreControlClient({ region, retryMode: "adaptive", maxAttempts: 5 }),
  out: (line: string) => void = (line) => console.log(line),
  log: (line: string) => void = (line) => console.error(line),
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        name: { type: "string" },
        region: { type: "string" },
        "discovery-url": { type: "string" },
        "client-id": { type: "string" },
        "client-secret": { type: "string" },
        "expected-arn": { type: "string" },
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
  if (values["client-secret"] !== undefined) {
    throw usageError(
      "--client-secret is not accepted: set OAUTH_CLIENT_SECRET instead, so the secret stays out of process lists.",
    );
  }
  const command = positionals[0];
  if (positionals.length !== 1 || !command || !["apply", "get", "delete"].includes(command)) {
    throw usageError(`expected exactly one command: apply, get or delete.\n\n${HELP}`);
  }
  const name = validateName(values.name ?? env.OAUTH_PROVIDER_NAME);
  const region = resolveRegion(values.region, env);
  const expectedArn = validateExpectedArn(values["expected-arn"] ?? env.OAUTH_PROVIDER_EXPECTED_ARN, name);
  const options: Options = {
    dryRun: values["dry-run"] ?? false,
    log,
    ...(expectedArn ? { expectedArn } : {}),
  };

  if (command === "apply") {
    const spec = validateSpec({
      name,
      discoveryUrl: values["discovery-url"] ?? env.OAUTH_DISCOVERY_URL,
      clientId: values["client-id"] ?? env.OAUTH_CLIENT_ID,
      clientSecret: env.OAUTH_CLIENT_SECRET,
    });
    out(JSON.stringify(await applyProvider(makeClient(region), spec, options)));
    return 0;
  }
  if (command === "delete") {
    out(JSON.stringify(await deleteProvider(makeClient(region), name, options)));
    return 0;
  }
  const provider = await getProvider(makeClient(region), name, options);
  if (!provider) throw new CliError(`provider "${name}" does not exist in ${region}.`);
  const summary = summarize(provider);
  out(JSON.stringify(summary));
  checkArn(name, summary.arn || undefined, expectedArn);
  return 0;
}

if (isMain(import.meta.url)) runCli((argv) => main(argv));
