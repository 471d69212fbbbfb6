/**
 * Loads the runtime configuration from the first source present:
 * RUNTIME_CONFIG_SECRET_ID, else RUNTIME_CONFIG_FILE, else environment variables, else demo defaults.
 * Any problem stops start-up with one message naming the source and the invalid field.
 */
import { createSecretReader, type SecretReader } from "../aws/secrets.js";
import { readFile } from "node:fs/promises";
import { ConfigError, errorMessage } from "../errors.js";
import type { Env } from "./env.js";
import { describeIssues } from "../errors.js";
import { runtimeConfigSchema, type RuntimeConfig } from "./schema.js";

export type ConfigOrigin =
  | { kind: "secretsmanager"; secretId: string }
  | { kind: "file"; path: string }
  | { kind: "environment" }
  | { kind: "defaults" };

export interface LoadedConfig {
  config: RuntimeConfig;
  origin: ConfigOrigin;
  loadedAt: Date;
}

export interface ConfigDeps {
  /** Reads a secret string; `region` (the baseline's own) defaults to the process's region. */
  readSecret: SecretReader;
  readTextFile?: (path: string) => Promise<string>;
}

/** Secrets Manager in the process's region (AWS_REGION, else AWS_DEFAULT_REGION), as the SDK picks it. */
export function processConfigDeps(env: Env): ConfigDeps {
  return { readSecret: createSecretReader(env.AWS_REGION ?? env.AWS_DEFAULT_REGION) };
}

export function describeOrigin(origin: ConfigOrigin): string {
  switch (origin.kind) {
    case "secretsmanager":
      return `secret ${origin.secretId}`;
    case "file":
      return `file ${origin.path}`;
    case "environment":
      return "environment variables";
    case "defaults":
      return "built-in demo defaults";
  }
}

export async function loadRuntimeConfig(env: Env, deps: ConfigDeps): Promise<LoadedConfig> {
  const readText = deps.readTextFile ?? ((path: string) => readFile(path, "utf8"));
  let origin: ConfigOrigin;
  let raw: unknown;
  if (env.RUNTIME_CONFIG_SECRET_ID) {
    origin = { kind: "secretsmanager", secretId: env.RUNTIME_CONFIG_SECRET_ID };
    let text: string;
    try {
      text = await deps.readSecret(env.RUNTIME_CONFIG_SECRET_ID);
    } catch (error) {
      throw new ConfigError(
        `Cannot load runtime configuration from ${describeOrigin(origin)}: ${errorMessage(error)}`,
      );
    }
    raw = parseJson(text, origin);
  } else if (env.RUNTIME_CONFIG_FILE) {
    origin = { kind: "file", path: env.RUNTIME_CONFIG_FILE };
    let text: string;
    try {
      text = await readText(env.RUNTIME_CONFIG_FILE);
    } catch (error) {
      throw new ConfigError(
        `Cannot read runtime configuration ${describeOrigin(origin)}: ${errorMessage(error)}`,
      );
    }
    raw = parseJson(text, origin);
  } else {
    const fromEnv = configFromEnv(env);
    origin = Object.keys(fromEnv).length ? { kind: "environment" } : { kind: "defaults" };
    raw = fromEnv;
  }
  const parsed = runtimeConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid runtime configuration in ${describeOrigin(origin)}: ${describeIssues(parsed.error)}`,
    );
  }
  return { config: parsed.data, origin, loadedAt: new Date() };
}

function parseJson(text: string, origin: ConfigOrigin): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `Runtime configuration in ${describeOrigin(origin)} is not valid JSON (${errorMessage(error)}): store one JSON object.`,
    );
  }
}

/** Builds a configuration document from the local-use variables; unset variables are left out. */
export function configFromEnv(env: Env): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  if (env.ORG_SOURCE ?? env.ORG_SNAPSHOT_FILE) {
    const source = env.ORG_SOURCE ?? "snapshot";
    if (source === "snapshot") doc.organization = { source, file: env.ORG_SNAPSHOT_FILE ?? "" };
    else if (source === "aws")
      doc.organization = {
        source,
        ...(env.ORG_REGION ? { region: env.ORG_REGION } : {}),
        ...(env.ORG_ROLE_ARN ? { roleArn: env.ORG_ROLE_ARN } : {}),
        ...(env.ORG_ROLE_EXTERNAL_ID ? { externalId: env.ORG_ROLE_EXTERNAL_ID } : {}),
        ...(env.ORG_SNAPSHOT_STORE_URI ? { snapshotStore: snapshotStoreFromEnv(env) } : {}),
      };
    else doc.organization = { source };
  }
  if (env.ALLOWED_OU_IDS) doc.allowedOuIds = env.ALLOWED_OU_IDS;
  if (env.BASELINE_FILE) doc.baseline = { source: "file", path: env.BASELINE_FILE };
  else if (env.BASELINE_SECRET_ID)
    doc.baseline = { source: "secretsmanager", secretId: env.BASELINE_SECRET_ID };
  if (env.AUTH_ENABLED !== undefined || env.COGNITO_USER_POOL_ID) {
    doc.auth = {
      enabled: env.AUTH_ENABLED ?? true,
      ...(env.COGNITO_USER_POOL_ID ? { userPoolId: env.COGNITO_USER_POOL_ID } : {}),
      ...(env.COGNITO_REGION ? { region: env.COGNITO_REGION } : {}),
      allowedClientIds: env.AUTH_ALLOWED_CLIENT_IDS ?? [],
      requiredScopes: env.AUTH_REQUIRED_SCOPES ?? [],
    };
  }
  if (env.CACHE_TTL_SECONDS !== undefined) doc.cacheTtlSeconds = env.CACHE_TTL_SECONDS;
  if (env.LOG_LEVEL) doc.logLevel = env.LOG_LEVEL;
  return doc;
}

/** organization.snapshotStore from ORG_SNAPSHOT_STORE_* (validated with the document). */
function snapshotStoreFromEnv(env: Env): Record<string, unknown> {
  return {
    uri: env.ORG_SNAPSHOT_STORE_URI,
    ...(env.ORG_SNAPSHOT_STORE_MAX_AGE_SECONDS !== undefined
      ? { maxAgeSeconds: env.ORG_SNAPSHOT_STORE_MAX_AGE_SECONDS }
      : {}),
    ...(env.ORG_SNAPSHOT_STORE_ORGANIZATION_ID
      ? { organizationId: env.ORG_SNAPSHOT_STORE_ORGANIZATION_ID }
      : {}),
  };
}
