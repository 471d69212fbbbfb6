/** Reads one secret string from AWS Secrets Manager, with errors a user can act on. */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { USER_AGENT_APP_ID } from "../version.js";

export type SecretReader = (secretId: string, region?: string) => Promise<string>;

export class SecretReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretReadError";
  }
}

export function createSecretReader(defaultRegion?: string, client?: SecretsManagerClient): SecretReader {
  const clients = new Map<string, SecretsManagerClient>();
  const clientFor = (region: string | undefined): SecretsManagerClient => {
    if (client) return client;
    const key = region ?? defaultRegion ?? "";
    let c = clients.get(key);
    if (!c) {
      c = new SecretsManagerClient({
        ...(key ? { region: key } : {}),
        customUserAgent: USER_AGENT_APP_ID,
        retryMode: "adaptive",
        maxAttempts: 5,
      });
      clients.set(key, c);
    }
    return c;
  };
  return async (secretId, region) => {
    let out;
    try {
      out = await clientFor(region).send(new GetSecretValueCommand({ SecretId: secretId }));
    } catch (error) {
      throw new SecretReadError(describeSecretError(secretId, error));
    }
    if (out.SecretString !== undefined) return out.SecretString;
    if (out.SecretBinary) return Buffer.from(out.SecretBinary).toString("utf8");
    throw new SecretReadError(
      `Secret ${secretId} has no value: store the JSON document as the secret string.`,
    );
  };
}

function describeSecretError(secretId: string, error: unknown): string {
  const name = (error as { name?: string } | undefined)?.name ?? "Error";
  switch (name) {
    case "ResourceNotFoundException":
      return `Secret ${secretId} was not found: check the secret id/ARN and the region it lives in.`;
    case "AccessDeniedException":
      return `Access denied reading secret ${secretId}: the server's role needs secretsmanager:GetSecretValue on it (and kms:Decrypt if it uses a customer managed key).`;
    case "DecryptionFailure":
      return `Secret ${secretId} could not be decrypted: the server's role needs kms:Decrypt on the secret's KMS key.`;
    case "InvalidRequestException":
      return `Secret ${secretId} cannot be read (it may be scheduled for deletion): ${(error as Error).message}`;
    case "CredentialsProviderError":
      return `No AWS credentials available to read secret ${secretId}: run with a role or configure credentials.`;
    default:
      return `Reading secret ${secretId} failed (${name}): ${(error as Error | undefined)?.message ?? String(error)}`;
  }
}
