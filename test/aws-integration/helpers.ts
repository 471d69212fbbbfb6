/** Shared set-up for the integration tests: the real SDK and reader against the fake service. */
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { createAwsReader, organizationsClientConfig, type PacingOptions } from "../../src/org/aws-reader.js";
import type { OrganizationReader } from "../../src/org/types.js";

import { FAKE_CREDENTIALS } from "../fake-aws/credentials.js";

export { FAKE_CREDENTIALS };

/**
 * The environment of a server process in `aws` mode against the fake service: its configuration in
 * the fake Secrets Manager, the SDK's standard endpoint variables, fake keys, and no shared config
 * file or instance metadata for the SDK to find instead.
 */
export function fakeAwsEnv(endpoint: string, secretId: string): Record<string, string> {
  return {
    RUNTIME_CONFIG_SECRET_ID: secretId,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_ORGANIZATIONS: endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    AWS_CONFIG_FILE: "/nonexistent/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

/** Fast pacing for tests that are not about pacing. */
export const UNPACED: PacingOptions = { ratePerSecond: 10_000, burst: 10_000, maxConcurrency: 16 };

export interface ReaderSetup {
  reader: OrganizationReader;
  client: OrganizationsClient;
}

const clients: OrganizationsClient[] = [];

/** A reader with the production client settings, pointed at the fake endpoint. */
export function readerFor(
  endpoint: string,
  options: {
    pacing?: PacingOptions;
    cacheTtlSeconds?: number;
    maxAttempts?: number;
    retryMode?: "standard" | "adaptive";
  } = {},
): ReaderSetup {
  const client = new OrganizationsClient({
    ...organizationsClientConfig(
      options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {},
    ),
    ...(options.retryMode ? { retryMode: options.retryMode } : {}),
    endpoint,
    credentials: FAKE_CREDENTIALS,
  });
  clients.push(client);
  const reader = createAwsReader({
    cacheTtlSeconds: options.cacheTtlSeconds ?? 300,
    client,
    pacing: options.pacing ?? UNPACED,
  });
  return { reader, client };
}

export function destroyClients(): void {
  for (const c of clients.splice(0)) c.destroy();
}

/** Per-operation counts without zero entries, for exact comparisons. */
export function nonZero(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}
